/**
 * `container.env` is for non-secret values: they are on the `docker run` line, in the deploy log
 * (masked there when the name looks secret) and in the compose file and manifests it generates.
 * A secret-looking name there is a warning with the fix (`container.envFile`), at the line of the
 * key, reported by preflight so it shows on every build.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PreflightFinding } from '../docker/preflight.js';
import { lineOfKey } from './locate.js';
import type { ResolvedConfig } from './types.js';

/** The words lib/render/redact.ts masks by (a name with one of them is treated as a secret). */
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASS/i;

/** One warning per secret-looking name in `container.env`; `file` relative to `contextDir`. */
export function plainEnvSecrets(config: ResolvedConfig, contextDir: string): PreflightFinding[] {
  const names = Object.keys(config.container.env).filter((n) => SECRET_NAME.test(n));
  if (names.length === 0) return [];
  const configFile = config.file;
  let text = '';
  try {
    text = configFile ? readFileSync(configFile, 'utf8') : '';
  } catch {
    // no line then; the warning still names the key
  }
  const shown = configFile ? path.relative(config.projectDir, configFile) || configFile : 'the config';
  const file = configFile ? path.relative(contextDir, configFile).split(path.sep).join('/') : '.';
  return names.map((name) => {
    const line = lineOfKey(text, `container.env.${name}`);
    return {
      rule: 'env-secret-name',
      severity: 'warning' as const,
      file,
      ...(line !== undefined ? { line } : {}),
      message: `${shown}${line !== undefined ? `:${line}` : ''}: container.env.${name} looks like a secret, and container.env values are on the docker run line, in docker inspect and in generated compose files and manifests; fix: move it to the file named by container.envFile`,
    };
  });
}
