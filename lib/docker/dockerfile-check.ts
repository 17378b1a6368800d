/**
 * Before anything runs: the build context and the Dockerfile the config names must exist. A
 * wrong `image.dockerfile` is a bad input (exit 2, naming the key and the closest file that does
 * exist), not a preflight finding after the lock is taken and other tasks have started.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { Failure } from '../failure.js';
import { closest } from '../util/suggest.js';

export function buildInputsPrecondition(config: ResolvedConfig): Failure | undefined {
  const { context, dockerfile } = config.image;
  const file = config.file ? { file: config.file } : {};
  const shown = (p: string) => path.relative(config.projectDir, p) || '.';
  if (!isDirectory(context))
    return {
      reason: 'invalid-config',
      ...file,
      path: 'image.context',
      expected: 'an existing directory (the build context)',
      received: JSON.stringify(shown(context)),
      hint: 'set image.context to the directory docker build should send, relative to the project',
    };
  if (isFile(dockerfile)) return undefined;
  const dir = path.dirname(dockerfile);
  const candidates = listFiles(dir).filter((f) => /dockerfile|containerfile/i.test(f));
  const near = closest(path.basename(dockerfile), candidates);
  return {
    reason: 'invalid-config',
    ...file,
    path: 'image.dockerfile',
    expected: 'an existing Dockerfile',
    received: JSON.stringify(shown(dockerfile)),
    hint: near
      ? `did you mean "${shown(path.join(dir, near))}"?`
      : candidates.length > 0
        ? `set image.dockerfile to one of ${candidates.map((c) => `"${shown(path.join(dir, c))}"`).join(', ')}`
        : 'create a Dockerfile there, or set image.dockerfile to yours',
  };
}

const isDirectory = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() === true;

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
