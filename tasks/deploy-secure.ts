import { defineTask } from '../lib/task.js';
import type { TaskContext } from '../lib/task.js';
import { docker } from '../lib/docker.js';
import { awaitHealth, checksFailure, hardeningChecks, inspectContainer, waitHealthy } from '../lib/container.js';
import { networkCreateArgs, runArgs } from '../lib/hardening.js';
import type { Check } from '../lib/inspect-checks.js';
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
      return ctx.fail({ reason: 'task-error', message: `refusing to deploy ${image.imageId}: it has no passing security scan`, hint: 'fix the scan findings first' });
    }
    const policy = ctx.config.container;
    const name = policy.name;
    await ensureNetwork(ctx);
    if (ctx.flags.dryRun) {
      await docker(ctx, runArgs(policy, image.imageId, name));
      return { container: name, imageId: image.imageId, replaced: false, checks: [] };
    }

    const previous = `${name}-previous`;
    let current = await inspectContainer(ctx, name);
    const leftover = await inspectContainer(ctx, previous);
    if (leftover && current) {
      // An older generation left by an earlier run; the service itself is `name`.
      await docker(ctx, ['rm', '-f', previous]);
    } else if (leftover && !current) {
      // An interrupted deploy renamed the service away: make it the service again first.
      await docker(ctx, ['rename', previous, name]);
      current = leftover;
    }
    const oldId = current?.['Id'] as string | undefined;
    let newId: string | undefined;
    let renamed = false;
    try {
      if (oldId) {
        ctx.report(`keeping the running container as ${previous} while the new one starts`);
        await docker(ctx, ['rename', name, previous]);
        renamed = true;
        await docker(ctx, ['stop', previous]);
      }
      const started = await docker(ctx, runArgs(policy, image.imageId, name));
      newId = started.stdout.trim() || undefined;
      await waitHealthy(ctx, name, policy.healthTimeoutSeconds);
      const checks = (await hardeningChecks(ctx, name, policy, image.imageId)) ?? [];
      const failure = checksFailure(`hardening verification of ${name}`, checks);
      if (failure) throw failure;
      if (oldId) await docker(ctx, ['rm', previous]);
      ctx.report(`${name} is running ${image.imageId.slice(0, 19)}, healthy, ${checks.filter((c) => c.status === 'pass').length} checks passed`);
      return { container: name, imageId: image.imageId, replaced: oldId !== undefined, checks };
    } catch (error) {
      await rollback(ctx, { name, previous, oldId, newId, renamed });
      throw error;
    }
  },
});

/** Create the user-defined network (ICC and masquerading off) when configured and missing. */
async function ensureNetwork(ctx: TaskContext): Promise<void> {
  const args = networkCreateArgs(ctx.config.container);
  const network = ctx.config.container.network;
  if (!args || network.mode !== 'network') return;
  if (!ctx.flags.dryRun && (await docker(ctx, ['network', 'inspect', network.name], { nothrow: true, silent: true })).exitCode === 0) return;
  await docker(ctx, args);
}

/**
 * Put the previous container back. Runs as `critical` commands: they start even after
 * SIGINT/SIGTERM and are not killed, so an interrupted deploy still ends with a running service.
 * The new container is removed only when it is provably not the old one.
 */
async function rollback(ctx: TaskContext, s: { name: string; previous: string; oldId: string | undefined; newId: string | undefined; renamed: boolean }): Promise<void> {
  const critical = { critical: true, nothrow: true } as const;
  const atName = await inspectContainer(ctx, s.name, { critical: true });
  const atNameId = atName?.['Id'] as string | undefined;
  if (atNameId && atNameId !== s.oldId) await docker(ctx, ['rm', '-f', atNameId], critical);
  else if (s.newId && s.newId !== s.oldId) await docker(ctx, ['rm', '-f', s.newId], critical);
  if (!s.oldId) return;
  if (s.renamed) await docker(ctx, ['rename', s.previous, s.name], critical);
  const restarted = await docker(ctx, ['start', s.name], critical);
  if (restarted.exitCode !== 0) {
    ctx.report(`deploy failed and the previous container could not be restarted: ${restarted.stderr.trim()} (run: docker start ${s.name})`);
    return;
  }
  // Report only once the service is back: a restart resets its health to "starting".
  const health = await awaitHealth(ctx, s.name, ctx.config.container.healthTimeoutSeconds, { critical: true });
  ctx.report(`deploy failed: the previous container ${s.name} was restored (${health.kind === 'healthy' ? 'healthy' : `health: ${health.kind}`})`);
}
