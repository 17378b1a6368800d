/**
 * The only files cloudy-tasks writes outside the project, each named here with the reason:
 * every other write is confined to the project's real directories (./confine.ts). Both are
 * files someone outside cloudy-tasks named explicitly, so writing them is what was asked for;
 * still, no directory is created out there and no symlink is written through.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { errorCode } from '../util/errors.js';
import { appendNoFollow, UnsafePathError } from './confine.js';
import { replaceFileAtomic } from './state.js';

export type OutsideWrite =
  /**
   * `$GITHUB_STEP_SUMMARY`: a file the GitHub Actions runner creates for each step (in its own
   * temp directory) and reads after it; appending Markdown there is how a step reports.
   */
  | 'github-step-summary'
  /** `--junit /absolute/path`: the user named a file outside the project (e.g. `$RUNNER_TEMP`). */
  | 'junit-path-given-by-the-user';

/**
 * The directory of `file` must exist (it is not ours to create out there). It may be reached
 * through a link (`/tmp` is one on some systems): the user named it; the file itself never is.
 */
async function requireDirectory(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const info = await stat(dir).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR')
      throw new UnsafePathError(dir, 'not-a-directory');
    throw error;
  });
  if (!info.isDirectory()) throw new UnsafePathError(dir, 'not-a-directory');
}

/** Append `text` (one write, O_APPEND), creating the file if needed; never through a symlink. */
export async function appendOutside(file: string, text: string, _why: OutsideWrite): Promise<void> {
  await requireDirectory(file);
  await appendNoFollow(file, text);
}

/** Replace `file` atomically (a link at its name is replaced, not followed). */
export async function writeOutsideAtomic(file: string, text: string, _why: OutsideWrite): Promise<void> {
  await requireDirectory(file);
  await replaceFileAtomic(file, text);
}
