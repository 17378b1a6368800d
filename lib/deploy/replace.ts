/**
 * Replacing the service's container safely, in one of two orders:
 *
 * - stop-first (host ports published: two containers cannot bind one port): rename the old
 *   container to `<name>-previous` and stop it (kept), start the new one under `<name>`, wait
 *   for healthy, verify;
 * - start-first (no host port: `network: none` or a user-defined network): start the new one
 *   under `<name>-next` while the old one keeps serving, wait for healthy and verify it, then
 *   rename the old one to `<name>-previous` and the new one to `<name>`, verify again under its
 *   real name, and only then stop the old one. There is always a healthy container.
 *
 * In both, the old container is never removed before the new one is verified; any failure or
 * interruption before that point runs the rollback (./rollback.ts), which works from every step
 * because it addresses containers by id. Volumes are never removed.
 */
import { waitHealthy, waitStable } from '../docker/health.js';
import { TaskFailure } from '../failure.js';
import type { Check } from '../hardening/checks/index.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { runArgs } from '../hardening/run-args.js';
import { hardeningChecks, verificationFailure } from '../hardening/verify.js';
import type { Engine } from './engine.js';
import { nextName, previousName } from './leftovers.js';
import { rollback } from './rollback.js';

/** `docker run -d` of the verified local image: creating and starting a container, no pull. */
const RUN_BOUND_MS = 120_000;

export type ReplaceOrder = 'stop-first' | 'start-first';

/** stop-first when the policy publishes a host port or the config asks for it; start-first otherwise. */
export function replaceOrder(policy: HardeningPolicy, configured: 'auto' | 'stop-first'): ReplaceOrder {
  return configured === 'stop-first' || policy.ports.length > 0 ? 'stop-first' : 'start-first';
}

export interface ReplaceRequest {
  readonly name: string;
  readonly imageId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The service's container now (undefined: first deploy). */
  readonly oldId: string | undefined;
  readonly order: ReplaceOrder;
  /** What `docker run` names the image by: a fleet host's `repo@sha256:…`; default the image id. */
  readonly runRef?: string;
  /**
   * Keep the old container, stopped, after the new one is verified (the fleet's
   * `deploy.rollbackAll`: a later host's failure can still put it back). The caller then either
   * removes it or rolls back to it; a run that dies in between leaves `<name>-previous`, which
   * the next deploy removes once `<name>` is verified (./leftovers.ts).
   */
  readonly keepPrevious?: boolean;
}

/** Start, verify, commit. Throws a `deploy-failed` failure (after the rollback) when the new one is not good. */
export async function replaceContainer(
  engine: Engine,
  r: ReplaceRequest,
): Promise<{ newId: string; checks: Check[]; kept?: string }> {
  const { ctx } = engine;
  const policy = ctx.config.container;
  const previous = previousName(r.name);
  // Without an old container there is nothing to keep serving: start under the real name.
  const startFirst = r.order === 'start-first' && r.oldId !== undefined;
  const startAs = startFirst ? nextName(r.name) : r.name;
  let newId: string | undefined;
  let checks: Check[];
  try {
    if (r.oldId && !startFirst) {
      ctx.progress(`keeping the running container as ${previous} while the new one starts`);
      await engine.docker(['rename', r.oldId, previous]);
      await engine.docker(['stop', r.oldId]);
    } else if (startFirst) {
      ctx.progress(`starting the new container as ${startAs}; ${r.name} keeps serving until it is verified`);
    }
    // `run -d` of a local image id pulls nothing: bounded like the other daemon calls.
    const started = await engine.docker(runArgs(policy, r.runRef ?? r.imageId, startAs, r.labels), {
      timeoutMs: RUN_BOUND_MS,
    });
    newId = started.stdout.trim() || undefined;
    await waitHealthy(ctx, startAs, policy.healthTimeoutSeconds, { target: engine.target });
    checks = await verify(engine, startAs, r.imageId);
    // Healthy once is not enough: it must stay so (start-first: while the old one still serves).
    await waitStable(ctx, startAs, policy.stableSeconds, { target: engine.target });
    if (startFirst) {
      await engine.docker(['rename', r.oldId!, previous]);
      await engine.docker(['rename', startAs, r.name]);
      // A rename changes nothing the checks read, but "deployed means verified" is about the
      // container under the service's name, so it is verified there.
      checks = await verify(engine, r.name, r.imageId);
    }
  } catch (error) {
    const cause =
      error instanceof TaskFailure
        ? error.failure
        : ({ reason: 'task-error', message: error instanceof Error ? error.message : String(error) } as const);
    const outcome = await rollback(engine, {
      name: r.name,
      ...(startFirst ? { tempName: startAs } : {}),
      oldId: r.oldId,
      newId,
    }).catch((error: unknown) => {
      // A rollback command past its bound (a hung engine): say so; the next run repairs the leftovers.
      if (error instanceof TaskFailure && error.failure.reason === 'timed-out')
        return `THE ROLLBACK DID NOT FINISH: ${error.failure.command} timed out after ${error.failure.after}; the next run restores the previous container`;
      throw error;
    });
    throw new TaskFailure({ reason: 'deploy-failed', cause, rollback: outcome });
  }
  // Committed: the new container is verified under the service's name. Nothing after this point
  // rolls back; stopping and removing the old container is cleanup that runs even when interrupted.
  if (r.oldId && r.keepPrevious) {
    // Stopped but kept under <name>-previous (start-first renamed it; stop-first already had).
    if (startFirst) await engine.docker(['stop', r.oldId], { critical: true, nothrow: true });
    return { newId: newId ?? r.name, checks, kept: r.oldId };
  }
  if (r.oldId) {
    const cleanup = { critical: true, nothrow: true } as const;
    // Start-first: the old one still serves; a graceful stop, then -f in case the stop did not end it.
    if (startFirst) await engine.docker(['stop', r.oldId], cleanup);
    await engine.docker(startFirst ? ['rm', '-f', r.oldId] : ['rm', r.oldId], cleanup);
  }
  return { newId: newId ?? r.name, checks };
}

/** Every check against `name`; fails closed when it cannot be inspected. */
async function verify(engine: Engine, name: string, imageId: string): Promise<Check[]> {
  const policy = engine.ctx.config.container;
  const verified = await hardeningChecks(engine.ctx, name, policy, imageId, { target: engine.target });
  if (!verified)
    return engine.ctx.fail({
      reason: 'task-error',
      message: `container ${name} could not be inspected after it started, so it cannot be verified`,
    });
  const failure = verificationFailure(`hardening verification of ${name}`, verified);
  if (failure) throw failure;
  return verified;
}
