/**
 * The project state file, `<projectDir>/.cloudy/state.json`.
 *
 * Scheduled runs (cron, systemd timers, scheduled CI) compare what they see now with what the
 * previous run saw: which base-image digests were current, and what the last no-cache rebuild was
 * built from. That comparison is only sound if the file is always a complete version, so every
 * write goes through {@link writeJsonAtomic}: a run killed mid-write (OOM killer, `systemctl stop`
 * past its timeout, a CI job cancelled with SIGKILL) leaves either the old or the new version,
 * never a prefix of one.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { errorCode, messageOf } from '../util/errors.js';
import { ensureDirectory } from './confine.js';

/** Name of the per-project directory holding state, history and the run lock. */
export const CLOUDY_DIR = '.cloudy';

/** What the last check saw for one base image. */
export interface BaseImageState {
  /** Digest the image reference resolved to; `null` means the registry was checked and the reference did not resolve (or had no digest). */
  readonly digest: string | null;
  /** ISO-8601 time of that check. */
  readonly checkedAt: string;
}

/** The last successful no-cache rebuild. */
export interface LastRebuild {
  /** ISO-8601 time the rebuild finished. */
  readonly at: string;
  /** Image id (`sha256:…`) the rebuild produced. */
  readonly imageId: string;
  /** Base-image digests the rebuild was built from, keyed by image reference; `null` as in {@link BaseImageState.digest}. */
  readonly baseDigests: Readonly<Record<string, string | null>>;
}

/** Contents of the state file. */
export interface State {
  /** Format version; a different number means a different cloudy-tasks wrote the file. */
  readonly version: 1;
  /** Last check per base-image reference (`node:20-alpine`); an absent key means never checked. */
  readonly baseImages: Readonly<Record<string, BaseImageState>>;
  /** Absent means no no-cache rebuild has succeeded yet in this project. */
  readonly lastRebuild?: LastRebuild;
}

/** Result of {@link readState}; `problem` is one user-facing sentence-or-two. */
export type ReadStateResult =
  | { readonly ok: true; readonly state: State }
  | { readonly ok: false; readonly problem: string };

/** The state of a project that has never run: every base image counts as unchecked. */
export function emptyState(): State {
  return { version: 1, baseImages: {} };
}

/** Default location of the state file for a project. */
export function statePath(projectDir: string): string {
  return path.join(projectDir, CLOUDY_DIR, 'state.json');
}

/**
 * Reads and validates the state file. A missing file is the normal first-run case and yields
 * {@link emptyState}; unreadable, corrupt or foreign content is a problem value that names the file
 * and how to fix it, because guessing would make the next scheduled run compare against nonsense.
 */
export async function readState(file: string): Promise<ReadStateResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { ok: true, state: emptyState() };
    return { ok: false, problem: `Cannot read the state file ${file}: ${messageOf(error)}.` };
  }
  const fix =
    `Delete ${file} to start from an empty state ` +
    `(the next update-base-images run then re-checks every base image).`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `The state file ${file} is not valid JSON (${messageOf(error)}). ${fix}` };
  }
  const invalid = findStateProblem(raw);
  if (invalid !== null) {
    return { ok: false, problem: `The state file ${file} is invalid: ${invalid}. ${fix}` };
  }
  return { ok: true, state: raw as State };
}

/** Replaces the state file atomically; see {@link writeJsonAtomic}. */
export async function writeStateAtomic(file: string, state: State): Promise<void> {
  await writeJsonAtomic(file, state);
}

/**
 * Temp files older than this are debris from a writer that was killed between creating and
 * renaming them. No write takes anywhere near this long, so removing them cannot race a live
 * writer, even one on another host sharing the directory (which a pid check could not promise).
 */
const TEMP_DEBRIS_AGE_MS = 60 * 60 * 1000;

/**
 * Writes `value` as JSON to `file` so that readers only ever see a complete old or new version,
 * even if this process is SIGKILLed or the machine loses power mid-write:
 *
 * 1. write to a unique temp file in the same directory (rename is only atomic within one file system);
 * 2. fsync it, so the rename cannot reach the disk before the data does (ext4/xfs may reorder them);
 * 3. rename it over `file` (atomic replacement on POSIX);
 * 4. fsync the directory, so the rename itself survives a crash.
 *
 * `file` itself being a symlink is harmless: the rename replaces the link, not what it points to.
 * Files and directories are created with 0o666/0o777 and the process umask decides the real mode,
 * so a `UMASK=077` policy yields a 0o600 file. See https://lwn.net/Articles/457667/ for why both
 * fsyncs are needed. I/O errors (disk full, permissions) reject the promise. `compact` writes
 * one line instead of indented JSON (for large machine-only caches).
 */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  options: { compact?: boolean } = {},
): Promise<void> {
  // Compact for machine-only caches (tens of thousands of entries); indented for what people read.
  await writeFileAtomic(file, `${options.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
}

/** {@link writeJsonAtomic} for any text (a generated compose file, a report). */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  // Never through a symlink, never outside the project (./confine.ts).
  await ensureDirectory(path.dirname(file));
  await replaceFileAtomic(file, data);
}

/**
 * The atomic replacement itself, in a directory that exists: for {@link writeFileAtomic}, and for
 * the few files written outside the project (./outside.ts), whose directory was checked there.
 */
export async function replaceFileAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = tempPrefix(file);
  const temp = path.join(dir, `${prefix}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o666);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  await removeTempDebris(dir, prefix);
}

/** Hidden, per-target prefix so debris is easy to recognise and never mistaken for the target. */
function tempPrefix(file: string): string {
  return `.${path.basename(file)}.`;
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a directory (EISDIR/EPERM); some file systems refuse
    // fsync on directories (EINVAL). The rename has still happened; only its durability
    // across power loss is weaker there, which we cannot improve.
    const code = errorCode(error);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

async function removeTempDebris(dir: string, prefix: string): Promise<void> {
  try {
    const names = await readdir(dir);
    const cutoff = Date.now() - TEMP_DEBRIS_AGE_MS;
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const full = path.join(dir, name);
      const info = await stat(full).catch(() => null);
      if (info !== null && info.mtimeMs < cutoff) await unlink(full).catch(() => undefined);
    }
  } catch {
    // Debris removal is housekeeping; the write itself already succeeded.
  }
}

/** Returns a description of the first shape error (with its JSON path), or `null` if `raw` is a {@link State}. */
function findStateProblem(raw: unknown): string | null {
  if (!isObject(raw)) return 'the top level must be an object';
  if (raw['version'] !== 1) {
    return `"version" is ${JSON.stringify(raw['version'])}, but this cloudy-tasks only understands version 1`;
  }
  const baseImages = raw['baseImages'];
  if (!isObject(baseImages)) return '"baseImages" must be an object';
  for (const [ref, entry] of Object.entries(baseImages)) {
    const at = `baseImages[${JSON.stringify(ref)}]`;
    if (!isObject(entry)) return `${at} must be an object`;
    if (!isDigest(entry['digest'])) return `${at}.digest must be a string or null`;
    if (typeof entry['checkedAt'] !== 'string') return `${at}.checkedAt must be a string`;
  }
  const lastRebuild = raw['lastRebuild'];
  if (lastRebuild === undefined) return null;
  if (!isObject(lastRebuild)) return '"lastRebuild" must be an object';
  if (typeof lastRebuild['at'] !== 'string') return 'lastRebuild.at must be a string';
  if (typeof lastRebuild['imageId'] !== 'string') return 'lastRebuild.imageId must be a string';
  const baseDigests = lastRebuild['baseDigests'];
  if (!isObject(baseDigests)) return 'lastRebuild.baseDigests must be an object';
  for (const [ref, digest] of Object.entries(baseDigests)) {
    if (!isDigest(digest)) return `lastRebuild.baseDigests[${JSON.stringify(ref)}] must be a string or null`;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDigest(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
