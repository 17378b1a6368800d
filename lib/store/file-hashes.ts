/**
 * Content hashes of files, remembered by path, size and mtime, so an unchanged file is never read
 * twice (the idea of git's index): a no-change run stats every file but reads none. Also keeps
 * directory listings (a walk result and the mtimes of the directories it read), so an unchanged
 * tree is not walked and matched against ignore patterns again.
 *
 * "Racily clean" entries are not trusted (git's rule): a file whose mtime is within
 * {@link RACY_MS} of the moment it was hashed could have changed again in the same clock tick
 * without its mtime or size showing it, so it is hashed again next time. It is a cache: a
 * missing or corrupt file reads as empty, and entries not used by this run are dropped on save,
 * so the file stays the size of what is hashed now.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readRecord, writeRecord } from './records.js';

/** Below this age (ms, mtime against hash time) an entry is hashed again rather than trusted. */
export const RACY_MS = 1000;
const VERSION = 1;
/** Files up to this size are read at once; larger ones are streamed. */
const READ_AT_ONCE = 1024 * 1024;

/** [size, mtimeMs, sha256 hex, hashedAtMs] */
type Entry = [number, number, string, number];

/** A remembered directory listing: whatever the owner needs, plus when it was taken. */
export interface Listing<T> {
  readonly value: T;
  /** Epoch ms when the listing was taken. */
  readonly at: number;
}

interface CacheData {
  readonly files: Record<string, Entry>;
  readonly listings: Record<string, Listing<unknown>>;
}

function isCacheData(data: unknown): data is CacheData {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<CacheData>;
  return typeof d.files === 'object' && d.files !== null && typeof d.listings === 'object' && d.listings !== null;
}

export class FileHashCache {
  readonly #file: string;
  readonly #old: CacheData;
  readonly #files: Record<string, Entry> = {};
  readonly #listings: Record<string, Listing<unknown>> = {};
  #dirty = false;
  /** Files read (hashed) by this instance: what a test counts to prove unchanged files are not read. */
  hashed = 0;

  private constructor(file: string, old: CacheData) {
    this.#file = file;
    this.#old = old;
  }

  /** Open the cache at `file` (missing or unreadable: empty). */
  static async open(file: string): Promise<FileHashCache> {
    const data = await readRecord(file, VERSION, isCacheData);
    return new FileHashCache(file, data ?? { files: {}, listings: {} });
  }

  /**
   * The sha256 of `absPath`'s content, from the cache when `key` was hashed at the same size and
   * mtime (and not racily), otherwise read now.
   */
  async hash(key: string, absPath: string, size: number, mtimeMs: number): Promise<string> {
    return this.known(key, size, mtimeMs) ?? this.#read(key, absPath, size, mtimeMs);
  }

  /**
   * The remembered hash of `key` when its size and mtime still match (and it is not racily
   * clean), without reading anything: the synchronous fast path for an unchanged file.
   */
  known(key: string, size: number, mtimeMs: number): string | undefined {
    const known = this.#files[key] ?? this.#old.files[key];
    if (known && known[0] === size && known[1] === mtimeMs && mtimeMs < known[3] - RACY_MS) {
      this.#files[key] = known;
      return known[2];
    }
    return undefined;
  }

  async #read(key: string, absPath: string, size: number, mtimeMs: number): Promise<string> {
    const at = Date.now();
    const hash = await sha256File(absPath, size);
    this.hashed++;
    this.#files[key] = [size, mtimeMs, hash, at];
    this.#dirty = true;
    return hash;
  }

  /** The listing remembered under `key`, if any (the owner decides whether it is still valid). */
  listing<T>(key: string): Listing<T> | undefined {
    return (this.#listings[key] ?? this.#old.listings[key]) as Listing<T> | undefined;
  }

  /** Remember a listing (kept on save). */
  setListing<T>(key: string, value: T, at: number): void {
    this.#listings[key] = { value, at };
    this.#dirty = true;
  }

  /** Keep a remembered listing on save without changing it. */
  keepListing(key: string): void {
    const old = this.#old.listings[key];
    if (old && !this.#listings[key]) this.#listings[key] = old;
  }

  /**
   * Write the entries this run used (atomically, compact JSON). Nothing is written when nothing
   * changed, unless entries were dropped: then the smaller file is written.
   */
  async save(): Promise<void> {
    const dropped =
      Object.keys(this.#old.files).length !== Object.keys(this.#files).length ||
      Object.keys(this.#old.listings).length !== Object.keys(this.#listings).length;
    if (!this.#dirty && !dropped) return;
    await writeRecord(this.#file, VERSION, { files: this.#files, listings: this.#listings }, { compact: true });
  }
}

/** sha256 (hex) of a file's content: read at once when small, streamed when large. */
export async function sha256File(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  if (size <= READ_AT_ONCE) {
    hash.update(await readFile(file));
    return hash.digest('hex');
  }
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
