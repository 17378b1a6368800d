import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineTask } from '../lib/engine/task.js';
import { type Failure, TaskFailure } from '../lib/failure.js';
import type { Check } from '../lib/hardening/checks/index.js';
import dockerTask from './docker.js';

interface Started {
  readonly service: string;
  readonly container: string;
  readonly checks: Check[];
}

/**
 * `docker-compose --profile development up -d`, made to keep the deploy's promises: the
 * configured profiles (default `development`; `--profile ollama` adds local AI) of the file
 * compose-file generated are started under the dev project name, with `--wait` where compose
 * has it, and every started container is verified from `docker inspect` with the same checks as
 * deploy-secure (what the engine applied, the memory limit included, not what the file says).
 *
 * Before anything starts, the effective config must be the generated one (same config hash)
 * and pass compose-audit. A container that fails verification is stopped, not removed (its logs
 * stay for `docker logs`); dev-down removes the stack. Volumes are never touched.
 */
export default defineTask({
  name: 'dev-up',
  description: 'Start the compose development profile(s) hardened, and verify each container (--profile ollama)',
  deps: [dockerTask],
  run: async (ctx, deps): Promise<{ project: string; profiles: string[]; services: Started[] }> => {
    const { activeServices } = await import('../lib/compose/effective.js');
    const { composeFromConfig } = await import('../lib/compose/from-config.js');
    const { composePrefix, effectiveConfig, requireCompose, toolName } = await import('../lib/compose/run.js');
    const { planStart, projectContainers } = await import('../lib/compose/stack.js');
    const { waitHealthy } = await import('../lib/docker/health.js');
    const { hardeningChecks, verificationFailure } = await import('../lib/hardening/verify.js');
    const { findingName, formatComposeAudit } = await import('../lib/render/compose.js');
    const { dev } = ctx.config;
    const shown = path.relative(ctx.projectDir, dev.file) || dev.file;
    const profiles = [...new Set([...dev.profiles, ...(ctx.flags.profiles ?? [])])];
    if (!ctx.flags.dryRun && !existsSync(dev.file))
      return ctx.fail({
        reason: 'task-error',
        message: `no compose file ${shown}`,
        hint: 'generate it with cloudy-tasks compose-file (or set dev.file)',
      });
    const tool = await requireCompose(ctx);
    const target = { tool, file: dev.file, project: dev.project };
    const effective = await effectiveConfig(ctx, target, profiles);
    const up = [...composePrefix(ctx, target, profiles), 'up', '--detach', ...(tool.supportsWait ? ['--wait'] : [])];
    if (!effective) {
      await ctx.$`${up}`;
      return { project: dev.project, profiles, services: [] };
    }

    const unknown = profiles.filter((p) => !effective.services.some((s) => s.profiles.includes(p)));
    if (unknown.length > 0)
      return ctx.fail({
        reason: 'task-error',
        message: `no service in ${shown} has the profile${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
        hint: `profiles in the file: ${[...new Set(effective.services.flatMap((s) => s.profiles))].join(', ') || 'none'}`,
      });
    const active = activeServices(effective, profiles);
    if (active.length === 0)
      return ctx.fail({
        reason: 'task-error',
        message: `no service in ${shown} is in the profiles ${profiles.join(', ') || '(none)'}: nothing to start`,
        hint: 'set dev.profiles (default development) or pass --profile NAME',
      });
    const plan = planStart(active, effective, await composeFromConfig(ctx.config), dev.project, {
      appliesDeployResources: tool.appliesDeployResources,
      tool: toolName(tool),
    });
    if (!plan.ok) {
      if (plan.findings.length > 0)
        throw new TaskFailure({
          reason: 'checks-failed',
          what: `dev-up: ${shown} weakens the hardening, nothing was started`,
          failed: plan.findings.map(findingName),
          details: formatComposeAudit(plan.findings),
        });
      return ctx.fail({
        reason: 'task-error',
        message: `dev-up: nothing was started: ${plan.problems.join('; ')}`,
        hint: 'regenerate the file with cloudy-tasks compose-file',
      });
    }

    const names = plan.services.map((s) => s.name);
    ctx.progress(`starting ${names.join(', ')} (project ${dev.project}, profiles ${profiles.join(', ')})`);
    const started = await ctx.$.nothrow`${[...up, ...names]}`;
    const verified: Started[] = [];
    try {
      for (const s of plan.services) {
        const [name] = await projectContainers(ctx, dev.project, s.name);
        if (name === undefined)
          return ctx.fail({
            reason: 'task-error',
            message: `${toolName(tool)} did not start ${s.name}: ${started.stderr.trim().split('\n').at(-1) ?? `exit ${started.exitCode}`}`,
          });
        await waitHealthy(ctx, name, s.policy.healthTimeoutSeconds);
        const imageId = s.name === dev.service ? deps.docker.imageId : undefined;
        const checks = await hardeningChecks(ctx, name, s.policy, imageId);
        if (!checks) return ctx.fail(`container ${name} of ${s.name} disappeared before it could be verified`);
        const failure = verificationFailure(`hardening verification of ${name}`, checks);
        if (failure) throw failure;
        const memory = checks.find((c) => c.id === 'memory')?.actual ?? '?';
        ctx.progress(
          `${name} is healthy and verified: ${checks.filter((c) => c.status === 'pass').length} checks passed (memory ${memory} bytes applied)`,
        );
        verified.push({ service: s.name, container: name, checks });
      }
    } catch (error) {
      // No daemon to talk to: nothing can be stopped, say so as it is.
      if (!(error instanceof TaskFailure) || error.failure.reason === 'daemon-unreachable') throw error;
      // Critical: it also runs after SIGINT/SIGTERM, so no unverified container is left running.
      await ctx.$.with({
        nothrow: true,
        critical: true,
      })`${[...composePrefix(ctx, target, profiles), 'stop', ...names]}`;
      if (error.failure.reason === 'aborted') throw error;
      const rollback = `the started containers (${names.join(', ')}) were stopped, not removed: see docker logs; cloudy-tasks dev-down removes them`;
      throw new TaskFailure({ reason: 'deploy-failed', cause: error.failure as Failure, rollback });
    }
    return { project: dev.project, profiles, services: verified };
  },
});
