import path from 'node:path';
import type { ImageBuild } from '../lib/docker/build.js';
import { defineTask, type TaskContext } from '../lib/engine/task.js';
import dockerTask from './docker.js';
import preflight from './preflight.js';
import updateBaseImages from './update-base-images.js';

/**
 * Rebuild without cache and with fresh base images (`docker build --no-cache --pull`, or the
 * compose service's build when `compose` is configured). With `--if-changed`, skip when no base
 * image digest changed since the last successful rebuild (a project never rebuilt is rebuilt).
 *
 * It `provides` the docker task: in `update-base-images rebuild-no-cache security-scan`, the scan
 * (which depends on docker) scans this fresh image instead of a second, cached build.
 */
export default defineTask({
  name: 'rebuild-no-cache',
  description: 'Rebuild the image without cache and with fresh base images (--if-changed to skip when none changed)',
  deps: [updateBaseImages, preflight],
  // Build secrets need BuildKit: refused before anything runs on the legacy builder (exit 2).
  check: async (ctx) => (await import('../lib/docker/builder.js')).secretsNeedBuildKit(ctx),
  provides: dockerTask,
  run: async (ctx, deps): Promise<ImageBuild & { rebuilt: boolean }> => {
    const { inspectImage } = await import('../lib/docker/image.js');
    const { readState, statePath, writeStateAtomic } = await import('../lib/store/state.js');
    const file = statePath(ctx.projectDir);
    const current = Object.fromEntries(deps['update-base-images'].images.map((u) => [u.image, u.after]));
    if (ctx.flags.ifChanged && !ctx.flags.dryRun) {
      const state = await readState(file);
      if (!state.ok) return ctx.fail({ reason: 'task-error', message: state.problem });
      const last = state.state.lastRebuild;
      const existing = await inspectImage(ctx, ctx.config.image.ref);
      const changed = !last || Object.entries(current).some(([image, digest]) => last.baseDigests[image] !== digest);
      // Skip only when the tag still names the image the last rebuild made: a later cached
      // build under the same tag must not be passed off as the no-cache one.
      if (last && !changed && existing && existing.id === last.imageId) {
        const why = `no base image changed since the last rebuild (${last.at})`;
        ctx.explain({ upToDate: true, why });
        ctx.progress(`${why}; skipping the rebuild`);
        return {
          imageId: existing.id,
          ref: ctx.config.image.ref,
          tags: existing.repoTags,
          labels: existing.labels,
          buildArgs: {},
          noCache: true,
          upToDate: true,
          rebuilt: false,
        };
      }
    }
    ctx.explain({ upToDate: false, why: await rebuildReason(ctx, current) });
    const build = ctx.config.compose ? await composeBuild(ctx) : await noCacheBuild(ctx);
    if (!ctx.flags.dryRun) {
      const state = await readState(file);
      const base = state.ok ? state.state : { version: 1 as const, baseImages: {} };
      await writeStateAtomic(file, {
        ...base,
        lastRebuild: { at: new Date().toISOString(), imageId: build.imageId, baseDigests: current },
      });
    }
    return { ...build, rebuilt: true };
  },
});

/** Why the rebuild runs: the changed digests with `--if-changed`, else that it always does. */
async function rebuildReason(ctx: TaskContext, current: Record<string, string | null>): Promise<string> {
  const { readState, statePath } = await import('../lib/store/state.js');
  if (ctx.flags.dryRun) return 'dry run: inputs not checked';
  if (!ctx.flags.ifChanged)
    return 'it rebuilds on every run (add --if-changed to rebuild only after a base image changed)';
  const state = await readState(statePath(ctx.projectDir));
  const last = state.ok ? state.state.lastRebuild : undefined;
  if (!last) return 'never rebuilt without cache before';
  const moved = Object.entries(current).filter(([image, digest]) => last.baseDigests[image] !== digest);
  return moved.length > 0
    ? `base image ${moved.map(([image]) => image).join(', ')} digest changed`
    : `the tag ${ctx.config.image.ref} no longer names the last rebuild`;
}

/**
 * `docker build --no-cache --pull`, recorded with the inputs read before it, so a following
 * `docker` task (deploy-secure) finds the rebuilt image up to date instead of building again.
 */
async function noCacheBuild(ctx: TaskContext): Promise<ImageBuild> {
  const { buildImage } = await import('../lib/docker/build.js');
  const { checkBuild } = await import('../lib/docker/up-to-date.js');
  // force: read the inputs for the record without deciding anything.
  const check = await checkBuild(ctx, { force: true });
  return buildImage(ctx, { noCache: true, ...(check.upToDate ? {} : check.context ? { context: check.context } : {}) });
}

/** `docker compose build --no-cache --pull <service>`; the service's image must be `image.ref`. */
async function composeBuild(ctx: TaskContext): Promise<ImageBuild> {
  const { buildArgsFor } = await import('../lib/docker/build.js');
  const { composeCommand } = await import('../lib/docker/compose.js');
  const { inspectImage } = await import('../lib/docker/image.js');
  const compose = ctx.config.compose!;
  const command = await composeCommand(ctx);
  if (!command)
    return ctx.fail({
      reason: 'tool-missing',
      tool: 'docker compose',
      fix: 'install the compose plugin (docker compose) or docker-compose, or remove the compose setting',
    });
  const file = path.relative(ctx.projectDir, compose.file) || compose.file;
  const { buildArgs, flags: argFlags, env } = await buildArgsFor(ctx);
  // An image.ref left from an earlier build must not pass for this one when the service tags
  // another image: a --no-cache build (any instruction after FROM) always yields a new id.
  const previous = ctx.flags.dryRun ? undefined : await inspectImage(ctx, ctx.config.image.ref);
  await ctx.$.with({ env })`${[...command, '-f', file, 'build', '--no-cache', '--pull', ...argFlags, compose.service]}`;
  if (ctx.flags.dryRun)
    return {
      imageId: ctx.config.image.ref,
      ref: ctx.config.image.ref,
      tags: [ctx.config.image.ref],
      labels: {},
      buildArgs,
      noCache: true,
      upToDate: false,
    };
  const image = await inspectImage(ctx, ctx.config.image.ref);
  if (!image || image.id === previous?.id) {
    const what = image
      ? `${ctx.config.image.ref} is unchanged (the service tags another image)`
      : `no image ${ctx.config.image.ref} exists`;
    return ctx.fail({
      reason: 'task-error',
      message: `compose built service ${compose.service} but ${what}`,
      hint: `set "image: ${ctx.config.image.ref}" on the service in ${file}`,
    });
  }
  return {
    imageId: image.id,
    ref: ctx.config.image.ref,
    tags: image.repoTags,
    labels: image.labels,
    buildArgs,
    noCache: true,
    upToDate: false,
  };
}
