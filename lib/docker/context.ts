/**
 * The build context as `docker build` sends it: which files (after `.dockerignore`), and the
 * metadata the build fingerprint needs. The walk is synchronous on purpose: tens of thousands of
 * `lstat` calls are several times faster done in a row than through the libuv thread pool
 * (measured: 10,000 files, 30 ms sync against 150 ms with promises), and the fingerprint of an
 * unchanged context is on the path of every no-change run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';

type Factory = typeof dockerignore.default;
// The package is CommonJS (`module.exports = factory`) while its typings claim
// `export default`, so under NodeNext the runtime value is the factory itself.
const ignore: Factory =
  typeof dockerignore === 'function' ? (dockerignore as unknown as Factory) : dockerignore.default;

/** The files docker would send, and the directories that were read to find them. */
export interface ContextListing {
  /** Context-relative, `/`-separated, sorted. Symlinks are listed as files (docker sends the link). */
  readonly files: readonly string[];
  /** Every directory read (context-relative, `''` for the root) → its mtime, to tell when the listing is stale. */
  readonly dirs: Readonly<Record<string, number>>;
  /** The ignore file's text (`''` when there is none): a different text means a different listing. */
  readonly ignoreText: string;
}

/**
 * Every file (context-relative, `/`-separated, sorted) that `docker build` would send. Matching is
 * @balena/dockerignore's port of Docker's; the walk follows BuildKit: an ignored directory is
 * skipped only when the ignore file has no `!` exceptions, because an exception may re-include a
 * file deep inside. A `<Dockerfile>.dockerignore` next to the Dockerfile wins over
 * `.dockerignore`, as in BuildKit. The Dockerfile and the ignore file are always sent.
 */
export function listContext(
  contextDir: string,
  dockerfile = path.join(contextDir, 'Dockerfile'),
  omit: readonly string[] = [],
): ContextListing {
  const ignoreText = readIgnoreFile(contextDir, dockerfile) ?? '';
  const patterns = ignoreText
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const ig = ignore().add(patterns);
  const hasExceptions = patterns.some((p) => p.startsWith('!'));
  const files = new Set<string>();
  const dirs: Record<string, number> = {};
  const walk = (rel: string): void => {
    const abs = rel === '' ? contextDir : path.join(contextDir, rel);
    dirs[rel] = statSync(abs).mtimeMs;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (!entry.isDirectory()) {
        if (!ig.ignores(child)) files.add(child);
      } else if ((hasExceptions || !ig.ignores(child)) && !omit.includes(child)) {
        walk(child);
      }
    }
  };
  walk('');
  for (const always of [path.join(contextDir, '.dockerignore'), dockerfile]) {
    const rel = toContextPath(contextDir, always);
    if (!rel.startsWith('../') && isFile(always)) files.add(rel);
  }
  return { files: [...files].sort(), dirs, ignoreText };
}

/**
 * True when `listing` still describes the context: every directory it read has the same mtime
 * (adding, removing or renaming an entry changes its directory's mtime) and the same ignore text.
 * A directory modified within `racyMs` of `listedAt` is not trusted: a change in the same clock
 * tick as the listing would not show in its mtime (git's "racily clean" rule).
 */
export function listingStillValid(
  contextDir: string,
  dockerfile: string,
  listing: ContextListing,
  listedAt: number,
  racyMs = 1000,
): boolean {
  if ((readIgnoreFile(contextDir, dockerfile) ?? '') !== listing.ignoreText) return false;
  for (const [rel, mtimeMs] of Object.entries(listing.dirs)) {
    const stats = statSync(rel === '' ? contextDir : path.join(contextDir, rel), { throwIfNoEntry: false });
    if (!stats || stats.mtimeMs !== mtimeMs || mtimeMs >= listedAt - racyMs) return false;
  }
  return true;
}

/** The ignore file docker uses for this Dockerfile, or undefined when there is none. */
export function readIgnoreFile(contextDir: string, dockerfile: string): string | undefined {
  return readIfExists(`${dockerfile}.dockerignore`) ?? readIfExists(path.join(contextDir, '.dockerignore'));
}

export function toContextPath(contextDir: string, file: string): string {
  return path.relative(contextDir, path.resolve(file)).split(path.sep).join('/');
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}
