import { buildImage } from '../lib/docker/build.js';
import { defineTask } from '../lib/engine/task.js';
import preflight from './preflight.js';

/**
 * `make docker`: build the hardened image with BUILD_DATE, VCS_REF and VERSION build args.
 * Outputs the image id, which is what security-scan scans and deploy-secure runs.
 */
export default defineTask({
  name: 'docker',
  description: 'Build the image (docker build with BUILD_DATE, VCS_REF, VERSION build args)',
  deps: [preflight],
  run: (ctx) => buildImage(ctx, { noCache: false }),
});
