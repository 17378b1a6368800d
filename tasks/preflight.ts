import { defineTask } from '../lib/engine/task.js';
import { TaskFailure } from '../lib/failure.js';

/**
 * Checks that need no scanner, run before every build: secrets in the real build context
 * (after .dockerignore), and Dockerfile hardening mistakes (final stage not scratch, missing or
 * root or named USER, missing or shell-form HEALTHCHECK, ADD from a URL, secret-looking ENV/ARG,
 * floating tags). Errors stop the build, so a `.env` never reaches an image layer.
 */
export default defineTask({
  name: 'preflight',
  description: 'Check the build context for secrets and the Dockerfile for hardening mistakes (no Trivy needed)',
  run: async (ctx): Promise<{ errors: number; warnings: number }> => {
    const { preflight } = await import('../lib/docker/preflight.js');
    const { formatPreflight } = await import('../lib/render/preflight.js');
    const { image, scan } = ctx.config;
    ctx.explain({
      upToDate: false,
      why: 'it checks the build context and the Dockerfile on every run (no Docker, no cache)',
    });
    const findings = await preflight({
      contextDir: image.context,
      dockerfile: image.dockerfile,
      requireScratch: scan.requireScratch,
      buildArgs: image.buildArgs,
    });
    const errors = findings.filter((f) => f.severity === 'error');
    if (findings.length > 0 && !ctx.flags.json)
      for (const line of formatPreflight(findings).split('\n')) ctx.progress(line);
    if (errors.length > 0) {
      throw new TaskFailure({
        reason: 'checks-failed',
        what: 'preflight',
        failed: [...new Set(errors.map((f) => f.rule))],
        details: formatPreflight(errors),
      });
    }
    return { errors: 0, warnings: findings.length };
  },
});
