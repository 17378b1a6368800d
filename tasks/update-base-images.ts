import type { BaseImageUpdate } from '../lib/docker/base-images.js';
import { defineTask } from '../lib/engine/task.js';

/**
 * The guide's "regular updates": pull every base image (configured ones and the Dockerfile's
 * FROM images), compare each repo digest with the last check, record them in
 * `.cloudy/state.json`. The state is written only when every pull succeeded, so a failed run
 * leaves the previous state intact. The views show the digests as a table (lib/render/summary.ts).
 */
export default defineTask({
  name: 'update-base-images',
  description: 'Pull the base images and report which digests changed',
  run: async (ctx): Promise<{ images: BaseImageUpdate[]; anyChanged: boolean }> => {
    const { projectBaseImages } = await import('../lib/docker/base-images.js');
    const { docker } = await import('../lib/docker/cli.js');
    const { localDigest } = await import('../lib/docker/image.js');
    const { readState, statePath, writeStateAtomic } = await import('../lib/store/state.js');
    const images = await projectBaseImages(ctx.config);
    const file = statePath(ctx.projectDir);
    const state = ctx.flags.dryRun ? undefined : await readState(file);
    if (state && !state.ok) ctx.fail({ reason: 'task-error', message: state.problem });
    const known = state?.ok ? state.state.baseImages : {};

    const updates: BaseImageUpdate[] = [];
    for (const image of images) await docker(ctx, ['pull', '--quiet', image]);
    if (ctx.flags.dryRun)
      return {
        images: images.map((image) => ({ image, before: null, after: null, changed: false })),
        anyChanged: false,
      };
    for (const image of images) {
      const after = await localDigest(ctx, image);
      const before = known[image] ? known[image].digest : null;
      updates.push({ image, before, after, changed: before !== after });
    }
    const checkedAt = new Date().toISOString();
    const baseImages = {
      ...known,
      ...Object.fromEntries(updates.map((u) => [u.image, { digest: u.after, checkedAt }])),
    };
    await writeStateAtomic(file, { ...(state?.ok ? state.state : { version: 1 as const }), baseImages });
    return { images: updates, anyChanged: updates.some((u) => u.changed) };
  },
});
