/**
 * Writing files without ever following a symlink: a link planted where we write (or above it,
 * in a directory we create) must not redirect our data to another place. Files are opened with
 * O_EXCL|O_NOFOLLOW, so a name that already exists, link or not, is never written through.
 * Atomic replacement of a file is lib/store/state.ts's writeFileAtomic; the confinement of every
 * write to the project's real directories is lib/store/confine.ts.
 */

import { constants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { errorCode } from './errors.js';

const CREATE_NEW = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

/** What is at `file` without following a link: `missing`, `symlink`, `file`, `directory` or `other`. */
export async function kindOf(file: string): Promise<'missing' | 'symlink' | 'file' | 'directory' | 'other'> {
  try {
    const info = await lstat(file);
    return info.isSymbolicLink() ? 'symlink' : info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
}

/** Create a new file (it must not exist) with exactly `mode` bits at most (the umask can only remove bits). */
export async function writeNewFile(file: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await open(file, CREATE_NEW, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Create directory `dir` (its parent must exist) with `mode`; false when the name is taken
 * (by anything, a link included), so the caller can pick another name instead of reusing it.
 */
export async function makeNewDirectory(dir: string, mode: number): Promise<boolean> {
  try {
    await mkdir(dir, { mode });
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  // Exactly `mode` whatever the umask, set through a handle that cannot be a link.
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
  return true;
}

/** Set `file`'s mode through a handle that cannot be a link (a link there is an error, not followed). */
export async function restrictFile(file: string, mode: number): Promise<void> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}
