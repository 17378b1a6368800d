import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ComposeFinding } from '../lib/compose/audit.js';
import { defineTask } from '../lib/engine/task.js';
import { TaskFailure } from '../lib/failure.js';

/**
 * The compose file as compose will run it, checked against the guide: it reads the effective
 * config (`docker compose config`, every profile enabled), not the YAML text, so includes,
 * overrides, `.env` interpolation and defaults count, and flags what weakens the hardening with
 * CIS ids: seccomp or AppArmor unconfined, privileged, no read-only root, capabilities kept, no
 * no-new-privileges, missing memory/swap/CPU/PIDs limits (and limits only in `deploy.resources`,
 * which compose v1 ignores), host network or namespaces, docker.sock and host mounts, ports.
 * Exit 1 on any failing check; warnings do not fail.
 */
export default defineTask({
  name: 'compose-audit',
  description: 'Check the effective compose config against the hardening guide (CIS ids)',
  run: async (ctx): Promise<{ file: string; compose: string; services: string[]; checks: ComposeFinding[] }> => {
    const { auditCompose } = await import('../lib/compose/audit.js');
    const { effectiveConfig, requireCompose, toolName } = await import('../lib/compose/run.js');
    const { findingName, formatComposeAudit } = await import('../lib/render/compose.js');
    const { dev } = ctx.config;
    const shown = path.relative(ctx.projectDir, dev.file) || dev.file;
    if (!ctx.flags.dryRun && !existsSync(dev.file))
      return ctx.fail({
        reason: 'task-error',
        message: `no compose file ${shown}`,
        hint: 'generate the hardened one with cloudy-tasks compose-file, or set dev.file',
      });
    const tool = await requireCompose(ctx);
    // '*' enables every profile in compose v2; v1 prints every service anyway.
    const config = await effectiveConfig(ctx, { tool, file: dev.file, project: dev.project }, ['*']);
    if (!config) return { file: dev.file, compose: toolName(tool), services: [], checks: [] };
    if (config.services.length === 0)
      return ctx.fail({ reason: 'task-error', message: `${shown} defines no services` });
    const checks = auditCompose(config, { appliesDeployResources: tool.appliesDeployResources, tool: toolName(tool) });
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length > 0)
      throw new TaskFailure({
        reason: 'checks-failed',
        what: `compose-audit of ${shown} (effective config from ${toolName(tool)})`,
        failed: failed.map(findingName),
        details: formatComposeAudit(failed),
      });
    return { file: dev.file, compose: toolName(tool), services: config.services.map((s) => s.name), checks };
  },
});
