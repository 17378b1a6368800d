/**
 * Where cloudy-tasks may write: inside the project, through real directories only. Run as root,
 * a `reports` or `.cloudy` that is a symlink to `/etc` would otherwise have the tool (and Trivy,
 * which writes its report where it is told) create and delete files in `/etc`.
 *
 * The CLI calls {@link confineWritesTo} once with the project directory. From then on
 * {@link ensureDirectory} refuses any path outside it and any symlink between the project and the
 * target (the project directory itself may be a symlink: that is the user's choice, not a write
 * redirected behind their back). Missing directories are created with 0o777 reduced by the umask.
 */
import { constants, lstatSync } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { errorCode } from '../util/errors.js';

/** A write that would leave the project or go through a symlink; nothing was written. */
export class UnsafePathError extends Error {
  constructor(
    /** The offending path (the symlink, or the target outside the project). */
    readonly path: string,
    readonly kind: 'symlink' | 'outside' | 'not-a-directory',
  ) {
    super(`unsafe path ${path} (${kind})`);
    this.name = 'UnsafePathError';
  }
}

let root: string | undefined;

/** Confine every later write of this process to `projectDir`. */
export function confineWritesTo(projectDir: string | undefined): void {
  root = projectDir === undefined ? undefined : path.resolve(projectDir);
}

/** The directory writes are confined to, if any (tests that write to temp files set none). */
export function writeRoot(): string | undefined {
  return root;
}

/**
 * Make sure `dir` exists as a real directory inside the project, creating what is missing.
 * Throws {@link UnsafePathError} for a symlink on the way, a file in the way, or a path outside
 * the project. Without a confinement root only `dir` itself is checked.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const base = root;
  if (base !== undefined && target !== base && !target.startsWith(`${base}${path.sep}`)) {
    throw new UnsafePathError(target, 'outside');
  }
  const steps = base === undefined ? [target] : componentsBelow(base, target);
  for (const step of steps) {
    const info = await lstat(step).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (info === undefined) {
      // recursive: tolerate a concurrent run creating it first; the lstat loop checks the rest.
      await mkdir(step, { recursive: true, mode: 0o777 });
      const made = await lstat(step);
      if (made.isSymbolicLink()) throw new UnsafePathError(step, 'symlink');
      continue;
    }
    if (info.isSymbolicLink()) throw new UnsafePathError(step, 'symlink');
    if (!info.isDirectory()) throw new UnsafePathError(step, 'not-a-directory');
  }
}

/**
 * {@link ensureDirectory}'s check, synchronously and creating nothing: `dir` exists as a real
 * directory inside the project, with no symlink on the way. For the forced exit, where nothing
 * asynchronous can run any more.
 */
export function isSafeDirectorySync(dir: string): boolean {
  const target = path.resolve(dir);
  const base = root;
  if (base !== undefined && target !== base && !target.startsWith(`${base}${path.sep}`)) return false;
  try {
    return (base === undefined ? [target] : componentsBelow(base, target)).every((step) => {
      const info = lstatSync(step);
      return info.isDirectory() && !info.isSymbolicLink();
    });
  } catch {
    return false;
  }
}

/** `/p/a/b` below `/p`: [`/p/a`, `/p/a/b`]. */
function componentsBelow(base: string, target: string): string[] {
  const parts = path.relative(base, target).split(path.sep).filter(Boolean);
  return parts.map((_, i) => path.join(base, ...parts.slice(0, i + 1)));
}

/**
 * Append `text` in one write (O_APPEND), creating the file if needed, never through a symlink
 * (O_NOFOLLOW: appending through a symlinked file would write wherever it points).
 */
export async function appendNoFollow(file: string, text: string): Promise<void> {
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o666,
  ).catch((error: unknown) => {
    throw errorCode(error) === 'ELOOP' ? new UnsafePathError(file, 'symlink') : error;
  });
  try {
    await handle.appendFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}
