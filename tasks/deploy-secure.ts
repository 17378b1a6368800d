import { docker } from '../lib/docker/cli.js';
import { awaitHealth, inspectContainer, waitHealthy } from '../lib/docker/health.js';
import type { TaskContext } from '../lib/engine/task.js';
import { defineTask } from '../lib/engine/task.js';
import { TaskFailure } from '../lib/failure.js';
import { type Check, failingChecks } from '../lib/hardening/checks/index.js';
import { networkCreateArgs, runArgs } from '../lib/hardening/run-args.js';
import { hardeningChecks, verificationFailure } from '../lib/hardening/verify.js';
import dockerTask from './docker.js';
import securityScan from './security-scan.js';

/**
 * `make deploy-secure`, made to keep its promises: run exactly the image id that was built and
 * scanned, with the guide's flags plus the ones that make them true (network none, PIDs limit,
 * swap = memory, tmpfs /tmp, log rotation, nofile ulimit), verify every hardening property from
 * `docker inspect`, and never leave the service down.
 *
 * Safe replace: the running container is renamed to `<name>-previous` and stopped (kept), the new
 * one starts under `<name>` and must become healthy and pass every check; otherwise the new one is
 * removed and the previous one renamed back and restarted. Rollback commands run even after
 * SIGINT/SIGTERM. Volumes are never removed, so data written by the old container is there for
 * the new one.
 */
export default defineTask({
  name: 'deploy-secure',
  description: 'Run the scanned image with hardening flags, verify it, roll back on failure',
  deps: [dockerTask, securityScan],
  run: async (ctx, deps): Promise<{ container: string; imageId: string; replaced: boolean; checks: Check[] }> => {
    const image = deps.docker;
    const scan = deps['security-scan'];
    if (scan.imageId !== image.imageId || !scan.passed) {
      return ctx.fail({
        reason: 'task-error',
        message: `refusing to deploy ${image.imageId}: it has no passing security scan`,
        hint: 'fix the scan findings first',
      });
    }
    const policy = ctx.config.container;
    const name = policy.name;
    await ensureNetwork(ctx);
    if (ctx.flags.dryRun) {
      await docker(ctx, runArgs(policy, image.imageId, name));
      return { container: name, imageId: image.imageId, replaced: false, checks: [] };
    }

    const previous = `${name}-previous`;
    const oldId = await settleLeftovers(ctx, name, previous);
    let newId: string | undefined;
    let checks: Check[];
    try {
      if (oldId) {
        ctx.progress(`keeping the running container as ${previous} while the new one starts`);
        await docker(ctx, ['rename', oldId, previous]);
        await docker(ctx, ['stop', oldId]);
      }
      const started = await docker(ctx, runArgs(policy, image.imageId, name));
      newId = started.stdout.trim() || undefined;
      await waitHealthy(ctx, name, policy.healthTimeoutSeconds);
      const verified = await hardeningChecks(ctx, name, policy, image.imageId);
      // Fail closed: no inspect output is not "no failed checks".
      if (!verified)
        return ctx.fail({
          reason: 'task-error',
          message: `container ${name} could not be inspected after it started, so it cannot be verified`,
        });
      const failure = verificationFailure(`hardening verification of ${name}`, verified);
      if (failure) throw failure;
      checks = verified;
    } catch (error) {
      const cause =
        error instanceof TaskFailure
          ? error.failure
          : ({ reason: 'task-error', message: error instanceof Error ? error.message : String(error) } as const);
      const outcome = await rollback(ctx, { name, previous, oldId, newId });
      throw new TaskFailure({ reason: 'deploy-failed', cause, rollback: outcome });
    }
    // Committed: the new container is verified. Nothing after this point rolls back; removing
    // the stopped previous container is cleanup that runs even when interrupted.
    if (oldId) await docker(ctx, ['rm', oldId], { critical: true, nothrow: true });
    return { container: name, imageId: image.imageId, replaced: oldId !== undefined, checks };
  },
});

/**
 * Make sure exactly one container is "the service" before replacing it, after an earlier run
 * died between steps (OOM, SIGKILL). Returns the id of the container to replace, if any.
 * - only `<name>-previous` exists: the earlier deploy renamed the service away; it is the
 *   service again.
 * - both exist: `<name>` may be a new container that was never verified. It is kept only if it
 *   runs, is healthy and passes every check; otherwise it is removed and the previous one
 *   (the last verified service) takes the name back.
 */
async function settleLeftovers(ctx: TaskContext, name: string, previous: string): Promise<string | undefined> {
  const current = await inspectContainer(ctx, name);
  const leftover = await inspectContainer(ctx, previous);
  const idOf = (c: Record<string, unknown> | undefined) => c?.['Id'] as string | undefined;
  if (!leftover) return idOf(current);
  if (!current) {
    ctx.progress(`found ${previous} left by an interrupted deploy: it is the service again`);
    await docker(ctx, ['rename', previous, name]);
    return idOf(leftover);
  }
  const health = (current['State'] as { Running?: boolean; Health?: { Status?: string } | null } | undefined) ?? {};
  const checks =
    health.Running && health.Health?.Status === 'healthy'
      ? await hardeningChecks(ctx, name, ctx.config.container)
      : undefined;
  if (checks && failingChecks(checks).length === 0) {
    ctx.progress(`removing ${previous}, left by an earlier deploy whose container ${name} is healthy and verified`);
    await docker(ctx, ['rm', '-f', previous]);
    return idOf(current);
  }
  ctx.progress(`${name} was left unverified by an interrupted deploy: removing it and restoring ${previous}`);
  await docker(ctx, ['rm', '-f', idOf(current)!]);
  await docker(ctx, ['rename', previous, name]);
  return idOf(leftover);
}

/** Create the user-defined network (ICC and masquerading off) when configured and missing. */
async function ensureNetwork(ctx: TaskContext): Promise<void> {
  const args = networkCreateArgs(ctx.config.container);
  const network = ctx.config.container.network;
  if (!args || network.mode !== 'network') return;
  if (
    !ctx.flags.dryRun &&
    (await docker(ctx, ['network', 'inspect', network.name], { nothrow: true, silent: true })).exitCode === 0
  )
    return;
  await docker(ctx, args);
}

/**
 * Put the previous container back. Runs as `critical` commands: they start even after
 * SIGINT/SIGTERM and are not killed, so an interrupted deploy still ends with a running service.
 * Containers are addressed by id, so it works whichever step the failure interrupted (a rename
 * the daemon applied just before the CLI was killed included). The container under `name` is
 * removed only when it is provably not the old one. Returns what happened, for the failure.
 */
async function rollback(
  ctx: TaskContext,
  s: { name: string; previous: string; oldId: string | undefined; newId: string | undefined },
): Promise<string> {
  const critical = { critical: true, nothrow: true } as const;
  const atName = (await inspectContainer(ctx, s.name, { critical: true }))?.['Id'] as string | undefined;
  if (atName && atName !== s.oldId) await docker(ctx, ['rm', '-f', atName], critical);
  else if (s.newId && s.newId !== s.oldId) await docker(ctx, ['rm', '-f', s.newId], critical);
  if (!s.oldId) return 'the new container was removed; there was no previous container to restore';
  if (atName !== s.oldId) await docker(ctx, ['rename', s.oldId, s.name], critical);
  const restarted = await docker(ctx, ['start', s.oldId], critical);
  if (restarted.exitCode !== 0) {
    return `THE PREVIOUS CONTAINER COULD NOT BE RESTARTED (${restarted.stderr.trim().split('\n')[0]}); run: docker start ${s.name}`;
  }
  // Report only once the service is back: a restart resets its health to "starting".
  const health = await awaitHealth(ctx, s.name, ctx.config.container.healthTimeoutSeconds, { critical: true });
  return `the previous container ${s.name} was restored and restarted (${health.kind === 'healthy' ? 'healthy' : `health: ${health.kind}`})`;
}
