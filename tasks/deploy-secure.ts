import { defineTask } from '../lib/engine/task.js';
import dockerTask from './docker.js';
import securityScan from './security-scan.js';

/**
 * `make deploy-secure`, made to keep its promises: run exactly the image id that was built and
 * scanned, with the guide's flags plus the ones that make them true (network none, PIDs limit,
 * swap = memory, tmpfs /tmp, log rotation, nofile ulimit), verify every hardening property from
 * `docker inspect`, and never leave the service down.
 *
 * Converge-only: when the service already runs this image with these settings, healthy and
 * verified, nothing happens. Otherwise the container is replaced (start-first when no host port
 * is published, so there is always a healthy container), verified, and rolled back on failure;
 * old image generations beyond `image.keep` are removed. The logic lives in lib/deploy/.
 */
export default defineTask({
  name: 'deploy-secure',
  description: 'Run the scanned image with hardening flags, verify it, roll back on failure; nothing when up to date',
  deps: [dockerTask, securityScan],
  // Before anything is built: a container of that name that is not ours, more CPUs than the engine has.
  check: async (ctx) =>
    ctx.config.deploy.target === 'engine' && !ctx.flags.dryRun
      ? (await import('../lib/deploy/preconditions.js')).deployPreconditions(ctx)
      : undefined,
  run: async (ctx, deps) => {
    const image = deps.docker;
    const scan = deps['security-scan'];
    if (scan.imageId !== image.imageId || !scan.passed) {
      return ctx.fail({
        reason: 'task-error',
        message: `refusing to deploy ${image.imageId}: it has no passing security scan`,
        hint: 'fix the scan findings first',
      });
    }
    // deploy.target "swarm": a Swarm service instead of a container (lib/swarm, issue 13).
    if (ctx.config.deploy.target === 'swarm') {
      const { deploySwarm } = await import('../lib/swarm/deploy.js');
      return deploySwarm(ctx, image.imageId);
    }
    // deploy.hosts: the same deploy on each host's engine, by digest, under a fleet lock (issue 13).
    if (ctx.config.deploy.hosts.length > 0) {
      const { deployFleet } = await import('../lib/deploy/fleet.js');
      return deployFleet(ctx, image.imageId);
    }
    const { deploy } = await import('../lib/deploy/deploy.js');
    const { engineFor } = await import('../lib/deploy/engine.js');
    return deploy(engineFor(ctx), image.imageId);
  },
});
