/**
 * Versioned JSON record files in `.cloudy/` (build records, the scan cache, deploy records): read
 * tolerantly, written atomically with {@link writeJsonAtomic} (UMASK applies, a SIGKILL mid-write
 * leaves the old or the new version). The store knows no shapes: each owner validates its own.
 *
 * These files are caches of what earlier runs did. A missing, unreadable or foreign file is
 * never fatal: it reads as "nothing recorded", so the next run simply does the work again, and a
 * successful run writes a good version over it.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CLOUDY_DIR, writeJsonAtomic } from './state.js';

/** `<projectDir>/.cloudy/<name>` (name may contain `/` for the cache folder). */
export function storePath(projectDir: string, name: string): string {
  return path.join(projectDir, CLOUDY_DIR, ...name.split('/'));
}

/** A record file's contents: `{ version, ...data }`. */
export interface RecordFile<T> {
  readonly version: number;
  readonly data: T;
}

/**
 * The `data` of a record file written with `version`, or undefined when the file is missing,
 * unreadable, not JSON, of another version, or rejected by `isValid`.
 */
export async function readRecord<T>(
  file: string,
  version: number,
  isValid: (data: unknown) => data is T,
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const raw = JSON.parse(text) as Partial<RecordFile<unknown>> | null;
    if (raw === null || typeof raw !== 'object' || raw.version !== version) return undefined;
    return isValid(raw.data) ? raw.data : undefined;
  } catch {
    return undefined;
  }
}

/** Replace a record file atomically (see {@link writeJsonAtomic}). */
export async function writeRecord<T>(
  file: string,
  version: number,
  data: T,
  options: { compact?: boolean } = {},
): Promise<void> {
  await writeJsonAtomic(file, { version, data } satisfies RecordFile<T>, options);
}

/** A plain object (not null, not an array): the first check of every record validator. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
