/**
 * `docker run` option values that docker (or the kernel, at mount time) refuses only when the
 * container is created: `--tmpfs`, `--ulimit` and the json-file `--log-opt`s. Checked when the
 * config loads, so that a typo is one line before the build instead of a failed `docker run`
 * after the build and the scan.
 */
import { parseMemory } from './units.js';

/** Mount flags docker's tmpfs parser knows (moby `pkg/mount` flags, plus its own tmpcopyup). */
const TMPFS_FLAGS = new Set([
  'defaults',
  'ro',
  'rw',
  'suid',
  'nosuid',
  'dev',
  'nodev',
  'exec',
  'noexec',
  'sync',
  'async',
  'dirsync',
  'mand',
  'nomand',
  'atime',
  'noatime',
  'diratime',
  'nodiratime',
  'relatime',
  'norelatime',
  'strictatime',
  'nostrictatime',
  'tmpcopyup',
  'notmpcopyup',
]);

/** tmpfs's own `key=value` options, and the shape each value must have. */
const TMPFS_DATA: Readonly<Record<string, RegExp>> = {
  size: /^\d+[kmgKMG]?$|^\d{1,3}%$/,
  mode: /^[0-7]{3,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  nr_inodes: /^\d+[kmgKMG]?$/,
  nr_blocks: /^\d+[kmgKMG]?$/,
};

/** A `--tmpfs` spec: `/absolute/path[:option,option,...]`. */
export function tmpfsProblem(spec: string): string | undefined {
  const colon = spec.indexOf(':');
  const target = colon === -1 ? spec : spec.slice(0, colon);
  if (!target.startsWith('/')) return `the mount point "${target}" is not an absolute path`;
  if (colon === -1) return undefined;
  for (const option of spec.slice(colon + 1).split(',')) {
    const eq = option.indexOf('=');
    if (eq === -1) {
      if (!TMPFS_FLAGS.has(option)) return `"${option}" is not a tmpfs mount option (e.g. rw, noexec, nosuid, nodev)`;
      continue;
    }
    const key = option.slice(0, eq);
    const shape = TMPFS_DATA[key];
    if (shape === undefined) return `"${key}" is not a tmpfs option (size, mode, uid, gid, nr_inodes, nr_blocks)`;
    if (!shape.test(option.slice(eq + 1)))
      return `${option} is not a valid ${key} (e.g. size=16m, mode=1777, uid=1001)`;
  }
  return undefined;
}

/** The resource names `--ulimit` takes (go-units). */
export const ULIMIT_NAMES: readonly string[] = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
];

/** A `--ulimit` value: `soft[:hard]`, integers, the soft limit not above the hard one. */
export function ulimitProblem(value: string): string | undefined {
  const match = /^(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (match === null) return 'the limits must be whole numbers';
  if (match[2] !== undefined && Number(match[1]) > Number(match[2]))
    return 'the soft limit is above the hard one, which docker refuses';
  return undefined;
}

/** The options of docker's default json-file log driver, the one the deploy sets and checks. */
export const JSON_FILE_LOG_OPTS: readonly string[] = [
  'max-size',
  'max-file',
  'compress',
  'labels',
  'labels-regex',
  'env',
  'env-regex',
  'tag',
];

/** A json-file `--log-opt` value, for the keys whose values docker checks. */
export function logOptProblem(key: string, value: string): string | undefined {
  if (key === 'max-size' && (parseMemory(value) === undefined || parseMemory(value) === 0))
    return 'a size such as "10m"';
  if (key === 'max-file' && !/^[1-9]\d*$/.test(value)) return 'a whole number of files >= 1, such as "3"';
  if (key === 'compress' && value !== 'true' && value !== 'false') return '"true" or "false"';
  return undefined;
}
