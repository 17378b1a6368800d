/**
 * Run history, `<projectDir>/.cloudy/history.jsonl`: one JSON object per line per run, so a
 * scheduled job can be audited ("when did the base image last change, which run found the
 * CRITICAL?") without a database.
 *
 * JSON Lines because appending one line is a single `write(2)` to a file opened with O_APPEND:
 * the kernel positions each write at the end of the file, so concurrent runs (a locked-out run
 * also records its `'locked'` outcome) never overwrite each other's records, and for a regular
 * file on a local file system one write is not interleaved with another. Node's `appendFile`
 * issues one write for anything under 512 KiB, far above one record. A writer cut short (disk
 * full, power loss) leaves at most one partial line, which readers skip.
 *
 * Capped: a scheduled job appends forever, so when the file would grow past
 * {@link HISTORY_MAX_BYTES} it is renamed to `history.1.jsonl` (replacing the older one) and a new
 * file begins. Readers read both, so the history shown never has a hole at the rotation.
 */

import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rename, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { errorCode, messageOf } from '../util/errors.js';
import { appendNoFollow, ensureDirectory, isSafeDirectorySync } from './confine.js';
import { CLOUDY_DIR } from './state.js';

/** How a run ended. */
export type RunOutcome =
  /** Every requested task succeeded. */
  | 'succeeded'
  /** At least one task failed. */
  | 'failed'
  /** Stopped by SIGINT/SIGTERM. */
  | 'interrupted'
  /** Did not start because another run held the run lock. */
  | 'locked'
  /** Did not get to run tasks: invalid config, missing env, internal error. */
  | 'error';

/** One line of the history file. */
export interface RunRecord {
  /** ISO-8601 start time. */
  readonly startedAt: string;
  /** ISO-8601 end time. */
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Task ids requested on the command line, in order. */
  readonly tasks: readonly string[];
  readonly outcome: RunOutcome;
  /** The process exit code the run ended with. */
  readonly exitCode: number;
  /** Base images whose digest changed in this run; `[]` means checked and unchanged (or not checked). `null` as in the state file: no digest. */
  readonly digestsChanged: readonly {
    readonly image: string;
    readonly before: string | null;
    readonly after: string | null;
  }[];
  /**
   * Finding counts by severity (`CRITICAL`, `HIGH`, …) from a security scan; absent means no scan
   * ran, unlike all-zero counts. Keyed by string: the store knows no scanner.
   */
  readonly findings?: Readonly<Record<string, number>>;
  /** Tasks that found nothing to do (their output said `upToDate`); absent in records of older versions. */
  readonly upToDate?: readonly string[];
  /** What the run changed, in words (an image built, a container replaced); as in the run-finished event. */
  readonly changes?: readonly string[];
}

/** Past this size the history is rotated (one older generation is kept). */
export const HISTORY_MAX_BYTES = 5 * 1024 * 1024;

/** Result of {@link readRunHistory}. */
export type ReadRunHistoryResult =
  | {
      readonly ok: true;
      /** Oldest first; at most `limit` of the most recent records. */
      readonly records: readonly RunRecord[];
      /** Lines that were not valid records (a cut-off last line, hand edits); they are left in the file. */
      readonly skippedLines: number;
    }
  | { readonly ok: false; readonly problem: string };

/** Default location of the history file for a project. */
export function historyPath(projectDir: string): string {
  return path.join(projectDir, CLOUDY_DIR, 'history.jsonl');
}

/** Where the history goes when it is rotated: `history.1.jsonl` next to it. */
export function rotatedHistoryPath(file: string): string {
  return file.replace(/(\.jsonl)?$/, '.1.jsonl');
}

/**
 * Appends one record as one line, first rotating the file when the line would take it past
 * `maxBytes`. The file is created with mode 0o666 reduced by the umask. I/O errors reject: the
 * caller decides whether a lost history line should fail the run.
 */
export async function appendRunRecord(
  file: string,
  record: RunRecord,
  options: { maxBytes?: number } = {},
): Promise<void> {
  await ensureDirectory(path.dirname(file));
  const line = `${JSON.stringify(record)}\n`;
  // stat only reads a size; nothing is written through a symlinked history (O_NOFOLLOW below).
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  if (size > 0 && size + line.length > (options.maxBytes ?? HISTORY_MAX_BYTES)) {
    // Another run may rotate at the same moment: its rename then finds no file, which is fine.
    await rename(file, rotatedHistoryPath(file)).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }
  // If an earlier writer was cut off mid-line, start on a fresh line so that only the broken
  // record is lost, not this one too. (Two runs could both add the newline; an empty line is skipped.)
  const prefix = (await endsWithNewline(file)) ? '' : '\n';
  await appendNoFollow(file, `${prefix}${line}`);
}

/**
 * The same append, synchronously, for the one moment nothing asynchronous can run any more: a
 * forced exit (a second signal), just before `process.exit`. No rotation (the next run's append
 * rotates); a leading newline always (an empty line is skipped by readers), since reading the
 * last byte first is not worth it here; never through a symlink; any error is swallowed, as a
 * history that cannot be written never changes how a run ends.
 */
export function appendRunRecordSync(file: string, record: RunRecord): void {
  // O_NOFOLLOW covers the file only: the folders on the way are checked as the async path does
  // (a `.cloudy` swapped for a symlink mid-run is not written through), and O_NONBLOCK makes a
  // FIFO in the file's place fail instead of blocking the exit.
  if (!isSafeDirectorySync(path.dirname(file))) return;
  try {
    const fd = openSync(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      0o666,
    );
    try {
      const line = Buffer.from(`\n${JSON.stringify(record)}\n`);
      for (let done = 0; done < line.length; ) done += writeSync(fd, line, done);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Full disk, a symlink, a missing .cloudy: the run's exit code is what matters now.
  }
}

/**
 * Reads the history (the rotated file first), oldest first; with `limit`, only the `limit` most
 * recent records. A missing file is an empty history. Lines that are not valid records are
 * counted, not fatal, so one bad line never hides the rest.
 */
export async function readRunHistory(file: string, limit?: number): Promise<ReadRunHistoryResult> {
  let text = '';
  for (const f of [rotatedHistoryPath(file), file]) {
    try {
      text += `${await readFile(f, 'utf8')}\n`;
    } catch (error) {
      if (errorCode(error) !== 'ENOENT')
        return { ok: false, problem: `Cannot read the run history ${f}: ${messageOf(error)}.` };
    }
  }
  const records: RunRecord[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseRecord(line);
    if (record === null) skippedLines += 1;
    else records.push(record);
  }
  const kept = limit === undefined ? records : records.slice(Math.max(0, records.length - limit));
  return { ok: true, records: kept, skippedLines };
}

/** True for a missing or empty file too: there is no partial line to terminate. */
async function endsWithNewline(file: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return true;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

function parseRecord(line: string): RunRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  return isRunRecord(raw) ? raw : null;
}

const OUTCOMES: ReadonlySet<unknown> = new Set<RunOutcome>(['succeeded', 'failed', 'interrupted', 'locked', 'error']);

function isRunRecord(raw: unknown): raw is RunRecord {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Partial<Record<keyof RunRecord, unknown>>;
  return (
    typeof r.startedAt === 'string' &&
    typeof r.finishedAt === 'string' &&
    typeof r.durationMs === 'number' &&
    Array.isArray(r.tasks) &&
    r.tasks.every((t) => typeof t === 'string') &&
    OUTCOMES.has(r.outcome) &&
    typeof r.exitCode === 'number' &&
    Array.isArray(r.digestsChanged) &&
    r.digestsChanged.every(isDigestChange) &&
    (r.findings === undefined || isFindings(r.findings)) &&
    (r.upToDate === undefined || isStrings(r.upToDate)) &&
    (r.changes === undefined || isStrings(r.changes))
  );
}

function isDigestChange(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const c = raw as Record<string, unknown>;
  const digest = (v: unknown): boolean => v === null || typeof v === 'string';
  return typeof c['image'] === 'string' && digest(c['before']) && digest(c['after']);
}

function isFindings(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  return Object.values(raw).every((count) => typeof count === 'number' && Number.isInteger(count) && count >= 0);
}

const isStrings = (raw: unknown): boolean => Array.isArray(raw) && raw.every((t) => typeof t === 'string');
