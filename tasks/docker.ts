import { defineTask } from '../lib/engine/task.js';
import preflight from './preflight.js';

/**
 * `make docker`: build the hardened image with BUILD_DATE, VCS_REF and VERSION build args.
 * Outputs the image id, which is what security-scan scans and deploy-secure runs.
 *
 * Up to date when nothing it is built from changed (context after .dockerignore, Dockerfile,
 * build args but the BUILD_DATE/VCS_REF/VERSION labels, base image digests) and the image still
 * exists: then it builds nothing and outputs that image. `--force` builds anyway.
 */
export default defineTask({
  name: 'docker',
  description: 'Build the image (docker build with BUILD_DATE, VCS_REF, VERSION build args); skipped when up to date',
  deps: [preflight],
  // Build secrets need BuildKit: refused before anything runs on the legacy builder (exit 2).
  check: async (ctx) => (await import('../lib/docker/builder.js')).secretsNeedBuildKit(ctx),
  run: async (ctx) => {
    const { buildImage } = await import('../lib/docker/build.js');
    const { checkBuild } = await import('../lib/docker/up-to-date.js');
    const check = await checkBuild(ctx);
    ctx.explain({ upToDate: check.upToDate, why: check.why });
    if (check.upToDate) {
      ctx.progress(`no rebuild: ${check.why}`);
      return check.image;
    }
    if (!ctx.flags.dryRun) ctx.progress(`building: ${check.why}`);
    return buildImage(ctx, {
      noCache: false,
      ...(check.context ? { context: check.context } : {}),
      ...(check.fingerprint ? { fingerprint: check.fingerprint } : {}),
    });
  },
});
