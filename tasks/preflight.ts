import path from 'node:path';
import { defineTask } from '../lib/engine/task.js';
import { type LocatedFinding, TaskFailure } from '../lib/failure.js';

/**
 * Checks that need no scanner, run before every build: secrets in the real build context
 * (after .dockerignore), and Dockerfile hardening mistakes (final stage not scratch, missing or
 * root or named USER, missing or shell-form HEALTHCHECK, ADD from a URL, secret-looking ENV/ARG,
 * floating tags). Errors stop the build, so a `.env` never reaches an image layer. Each finding
 * names its file (absolute `path`) and line, so the views can list them and CI can annotate them.
 */
export default defineTask({
  name: 'preflight',
  description: 'Check the build context for secrets and the Dockerfile for hardening mistakes (no Trivy needed)',
  // A Dockerfile or context that does not exist is a config error (exit 2) before any task runs.
  check: async (ctx) => (await import('../lib/docker/dockerfile-check.js')).buildInputsPrecondition(ctx.config),
  run: async (ctx): Promise<{ errors: number; warnings: number; findings: LocatedFinding[] }> => {
    const { preflight } = await import('../lib/docker/preflight.js');
    const { formatPreflight } = await import('../lib/render/preflight.js');
    const { image, scan } = ctx.config;
    ctx.explain({
      upToDate: false,
      why: 'it checks the build context and the Dockerfile on every run (no Docker, no cache)',
    });
    const { container } = ctx.config;
    const { CLOUDY_DIR } = await import('../lib/store/state.js');
    const findings = await preflight({
      contextDir: image.context,
      dockerfile: image.dockerfile,
      requireScratch: scan.requireScratch,
      buildArgs: image.buildArgs,
      secretFiles: [
        ...(container.envFile ? [{ key: 'container.envFile', file: container.envFile }] : []),
        ...Object.entries(image.secrets).map(([id, file]) => ({ key: `image.secrets.${id}`, file })),
      ],
      ownDirs: [path.join(ctx.projectDir, CLOUDY_DIR), scan.reportsDir, path.join(ctx.projectDir, 'node_modules')],
    });
    const { plainEnvSecrets } = await import('../lib/config/env-warnings.js');
    findings.push(...plainEnvSecrets(ctx.config, image.context));
    const located = findings.map(
      (f): LocatedFinding => ({
        path: path.join(image.context, f.file),
        ...(f.line !== undefined ? { line: f.line } : {}),
        rule: f.rule,
        severity: f.severity,
        message: f.message,
      }),
    );
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      throw new TaskFailure({
        reason: 'checks-failed',
        what: 'preflight',
        failed: [...new Set(errors.map((f) => f.rule))],
        details: formatPreflight(errors),
        located,
      });
    }
    return { errors: 0, warnings: findings.length, findings: located };
  },
});
