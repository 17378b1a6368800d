/**
 * GitHub Actions annotations for the failures that stop a run before any task starts (config
 * and environment errors): `::error file=<config>,line=<key's line>::<message>`, so the bad key
 * is marked in the pull request. Loaded only for such a failure on GitHub Actions.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lineOfKey } from '../lib/config/locate.js';
import type { Failure } from '../lib/failure.js';
import { formatFailure } from '../lib/render/failure.js';
import { formatAnnotation } from '../lib/render/github.js';
import { workspacePath } from './views.js';

/** The config path a failure is about: its `path`, or the key an unsafe-config problem starts with. */
function keyOf(f: Failure): string | undefined {
  if (f.reason === 'invalid-config' || f.reason === 'unknown-key') return f.path;
  if (f.reason === 'unsafe-config') return /^([A-Za-z][\w.[\]"-]*):/.exec(f.problem)?.[1];
  return undefined;
}

export async function annotateFailures(
  failures: readonly Failure[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  mask: (text: string) => string,
): Promise<string[]> {
  const relative = workspacePath(env, cwd);
  const lines: string[] = [];
  for (const f of failures) {
    const file = 'file' in f && typeof f.file === 'string' ? path.resolve(cwd, f.file) : undefined;
    const key = keyOf(f);
    const text = file && key ? await readFile(file, 'utf8').catch(() => undefined) : undefined;
    const line = text !== undefined && key ? lineOfKey(text, key) : undefined;
    lines.push(
      formatAnnotation({
        level: 'error',
        title: 'cloudy-tasks',
        ...(file ? { file: relative(file) } : {}),
        ...(line !== undefined ? { line } : {}),
        message: mask(formatFailure(f)),
      }),
    );
  }
  return lines;
}
