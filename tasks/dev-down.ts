import { existsSync } from 'node:fs';
import { defineTask } from '../lib/engine/task.js';

/**
 * Stop and remove the dev stack: the containers and networks of the dev project (compose
 * `down` under `--project-name`, every profile), never a volume (no `--volumes`: data written in
 * development survives dev-down + dev-up) and never an image. Another project's containers, and
 * the deployed service, are not the dev project's, so they are not touched.
 */
export default defineTask({
  name: 'dev-down',
  description: 'Stop and remove the dev stack containers and networks (volumes are kept)',
  run: async (ctx): Promise<{ project: string; removed: string[]; volumesKept: string[] }> => {
    const { composePrefix, requireCompose } = await import('../lib/compose/run.js');
    const { projectContainers } = await import('../lib/compose/stack.js');
    const { docker } = await import('../lib/docker/cli.js');
    const { dev } = ctx.config;
    const tool = await requireCompose(ctx);
    const before = ctx.flags.dryRun ? [] : await projectContainers(ctx, dev.project);
    if (existsSync(dev.file) || ctx.flags.dryRun) {
      // '*' enables every profile in compose v2 (v1's down removes every service anyway).
      await ctx.$`${[...composePrefix(ctx, { tool, file: dev.file, project: dev.project }, ['*']), 'down']}`;
    } else if (before.length > 0) {
      // Without the file compose cannot run `down`: remove the project's containers by label.
      ctx.progress(`${dev.file} is gone: removing the containers of project ${dev.project} by label`);
      await docker(ctx, ['rm', '--force', ...before]);
      const networks = await docker(
        ctx,
        ['network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${dev.project}`],
        { silent: true },
      );
      const ids = networks.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      if (ids.length > 0) await docker(ctx, ['network', 'rm', ...ids]);
    }
    if (ctx.flags.dryRun) return { project: dev.project, removed: [], volumesKept: [] };
    const left = await projectContainers(ctx, dev.project);
    if (left.length > 0)
      return ctx.fail(`dev-down left ${left.length} container(s) of project ${dev.project}: ${left.join(', ')}`);
    const volumes = await docker(
      ctx,
      ['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${dev.project}`],
      { silent: true },
    );
    const kept = volumes.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    ctx.progress(
      before.length === 0
        ? `no container of project ${dev.project} was running`
        : `removed ${before.length} container(s) of project ${dev.project}; kept ${kept.length} volume(s): ${kept.join(', ') || 'none'}`,
    );
    return { project: dev.project, removed: before, volumesKept: kept };
  },
});
