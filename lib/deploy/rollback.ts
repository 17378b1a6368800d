/**
 * Putting the previous container back after a failed replace. Runs as `critical` commands: they
 * start even after SIGINT/SIGTERM and are not killed, so an interrupted deploy still ends with a
 * running service. Containers are addressed by id, so it works whichever step the failure
 * interrupted (a rename the daemon applied just before the CLI was killed included), in either
 * replace order. The container under `name` is removed only when it is provably not the old one.
 */
import { awaitHealth } from '../docker/health.js';
import { type Engine, idOf, stateOf } from './engine.js';

export interface RollbackState {
  /** The service's name, and the temporary name a start-first replace starts the new one under. */
  readonly name: string;
  readonly tempName?: string;
  /** The verified container being replaced (undefined on a first deploy). */
  readonly oldId: string | undefined;
  /** The new container, once `docker run` printed its id. */
  readonly newId: string | undefined;
}

/** Undo a replace; returns what happened, for the failure message. */
export async function rollback(engine: Engine, s: RollbackState): Promise<string> {
  const atName = idOf(await engine.inspect(s.name, { critical: true }));
  // If a third signal abandons this rollback, a detached bash does what is left of it (each step
  // retried: the start waits for the new container's removal to free the port; a rename to the
  // name it already has fails harmlessly, so it comes last).
  const abandoned = [
    ...(atName && atName !== s.oldId
      ? [['rm', '-f', atName]]
      : s.newId && s.newId !== s.oldId
        ? [['rm', '-f', s.newId]]
        : []),
    ...(s.oldId
      ? [
          ['start', s.oldId],
          ['rename', s.oldId, s.name],
        ]
      : []),
  ].map((args) => ['docker', ...engine.target.globalArgs, ...args]);
  engine.ctx.$.onAbandon(abandoned);
  try {
    return await restore(engine, s, atName);
  } finally {
    engine.ctx.$.onAbandon([]);
  }
}

async function restore(engine: Engine, s: RollbackState, atName: string | undefined): Promise<string> {
  const critical = { critical: true, nothrow: true } as const;
  if (atName && atName !== s.oldId) await engine.docker(['rm', '-f', atName], critical);
  else if (s.newId && s.newId !== s.oldId) await engine.docker(['rm', '-f', s.newId], critical);
  if (s.tempName) {
    // A new container whose `docker run` was interrupted before it printed an id.
    const atTemp = idOf(await engine.inspect(s.tempName, { critical: true }));
    if (atTemp && atTemp !== s.oldId) await engine.docker(['rm', '-f', atTemp], critical);
  }
  if (!s.oldId) return 'the new container was removed; there was no previous container to restore';
  if (atName !== s.oldId) await engine.docker(['rename', s.oldId, s.name], critical);
  const before = stateOf(await engine.inspect(s.name, { critical: true }));
  if (before.Running && !before.Restarting && before.Health?.Status === 'healthy') {
    // Start-first: the old container was never stopped; at most it was renamed and is back.
    return `the new container was removed; the previous container ${s.name} ${atName === s.oldId ? 'kept running' : 'has its name back'} and was never stopped (healthy)`;
  }
  const restarted = await engine.docker(['start', s.oldId], critical);
  if (restarted.exitCode !== 0) {
    return `THE PREVIOUS CONTAINER COULD NOT BE RESTARTED (${restarted.stderr.trim().split('\n')[0]}); run: docker start ${s.name}`;
  }
  // Report only once the service is back: a restart resets its health to "starting".
  const health = await awaitHealth(engine.ctx, s.name, engine.ctx.config.container.healthTimeoutSeconds, {
    critical: true,
    target: engine.target,
  });
  return `the previous container ${s.name} was restored and restarted (${health.kind === 'healthy' ? 'healthy' : `health: ${health.kind}`})`;
}
