import { defineTask } from '../lib/engine/task.js';
import type { Check } from '../lib/hardening/checks/index.js';
import deploySecure from './deploy-secure.js';

/**
 * The guide's "security monitoring", done properly: the deploy's hardening checks against the
 * container running now (whoever started it), read from `docker inspect` JSON, each with its CIS
 * Docker Benchmark id. Exit 1 when any check fails. The views print the checks as a table from
 * the output (lib/render/summary.ts); `--json` carries them.
 */
export default defineTask({
  name: 'audit',
  description: 'Check the running container against the hardening policy (CIS Docker Benchmark ids)',
  // `deploy-secure audit`: audit the container the deploy leaves, not the one it replaces.
  after: [deploySecure],
  run: async (ctx): Promise<{ container: string; checks: Check[] }> => {
    const { docker } = await import('../lib/docker/cli.js');
    const { hardeningChecks, verificationFailure } = await import('../lib/hardening/verify.js');
    const { name } = ctx.config.container;
    if (ctx.flags.dryRun) {
      await docker(ctx, ['container', 'inspect', name]);
      return { container: name, checks: [] };
    }
    const checks = await hardeningChecks(ctx, name, ctx.config.container);
    if (!checks)
      return ctx.fail({
        reason: 'task-error',
        message: `no container named ${name}`,
        hint: 'deploy it first (cloudy-tasks deploy-secure) or set container.name',
      });
    const failure = verificationFailure(`audit of ${name}`, checks);
    if (failure) throw failure;
    return { container: name, checks };
  },
});
