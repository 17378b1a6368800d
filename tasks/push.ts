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
    if (!registry)
      return ctx.fail({
        reason: 'task-error',
        message: 'push needs a registry: image.registry is not set',
        hint: 'set image.registry, e.g. { image: { registry: "registry.example.com/team" } }',
      });
    return pushImage(ctx, image.imageId, registry);
  },
});
