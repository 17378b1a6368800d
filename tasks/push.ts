import type { PushResult } from '../lib/docker/push.js';
import { defineTask } from '../lib/engine/task.js';
import dockerTask from './docker.js';
import securityScan from './security-scan.js';

/**
 * Push exactly the image that was built and scanned to `image.registry`, and output the digest
 * the registry stored: deploys to other hosts (a Swarm, a cluster) use `repo@sha256:…`, never a
 * tag. An image without a passing scan is never pushed.
 */
export default defineTask({
  name: 'push',
  description: 'Push the scanned image to image.registry; outputs its digest (repo@sha256:...)',
  deps: [dockerTask, securityScan],
  // Before the build and the scan: without a registry there is nowhere to push (exit 2).
  check: (ctx) =>
    ctx.config.image.registry
      ? undefined
      : {
          reason: 'invalid-config',
          ...(ctx.config.file ? { file: ctx.config.file } : {}),
          path: 'image.registry',
          expected: 'a registry to push to',
          hint: 'set it, e.g. image: { registry: "registry.example.com/team" }, or run deploy-secure without push',
        },
  run: async (ctx, deps): Promise<PushResult> => {
    const { pushImage } = await import('../lib/docker/push.js');
    const image = deps.docker;
    const scan = deps['security-scan'];
    if (scan.imageId !== image.imageId || !scan.passed) {
      return ctx.fail({
        reason: 'task-error',
        message: `refusing to push ${image.imageId}: it has no passing security scan`,
        hint: 'fix the scan findings first',
      });
    }
    const { registry } = ctx.config.image;
    // Checked before the run (above); --dry-run skips preconditions and shows the push without one.
    if (!registry) return ctx.fail({ reason: 'task-error', message: 'image.registry is not set' });
    return pushImage(ctx, image.imageId, registry);
  },
});
