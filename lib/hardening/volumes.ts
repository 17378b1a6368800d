/**
 * The policy's `-v` specs: splitting them, telling bind mounts from named volumes, making bind
 * sources absolute and free of symlinks, and judging how dangerous a host path is (CIS 5.6/5.32).
 * The only part of the policy code that reads the file system ({@link resolveBindSources}); the
 * rest of lib/hardening/ is pure but for ./verify.ts, which reads `docker inspect`.
 */
import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import type { HardeningPolicy } from './policy.js';

/** docker-bench's CIS 5.6 list. A mount of one of these, or of anything below it, is refused. */
export const SENSITIVE_HOST_PATHS: readonly string[] = Object.freeze([
  '/',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/proc',
  '/sys',
  '/usr',
]);

/** A `-v` spec split up. `bind` is true when the source is a host path rather than a volume name. */
export type VolumeSpec = {
  readonly source: string;
  readonly target: string;
  readonly options: string;
  readonly bind: boolean;
};

/**
 * Splits a `-v` spec. Like the Docker CLI / compose, a source starting with `/`, `.` or `~` is a
 * host path, and so is any source containing `/` (a volume name cannot), so `../../etc:/x` is a bind
 * of the host's /etc relative to wherever it is resolved.
 */
export function parseVolume(spec: string): VolumeSpec | undefined {
  const [source, target, options, ...rest] = spec.split(':');
  if (source === undefined || source === '' || target === undefined || !target.startsWith('/') || rest.length > 0) {
    return undefined;
  }
  const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || source.includes('/');
  return { source, target, options: options ?? '', bind };
}

/**
 * The policy with every bind source of `volumes` made absolute and free of symlinks: `~` and `~/…`
 * against `os.homedir()`, anything else relative against `projectDir`, then the real path, so
 * neither `../../etc` nor a symlink to /etc or docker.sock can hide what is mounted. Target and
 * options are kept; named volumes and malformed specs are left as they are (for
 * {@link refuseUnsafe} to judge). Call it before `refuseUnsafe`, which refuses relative bind
 * sources. Reads the file system; the rest of the hardening policy code is pure.
 */
export function resolveBindSources(policy: HardeningPolicy, projectDir: string): HardeningPolicy {
  const volumes = policy.volumes.map((spec) => {
    const volume = parseVolume(spec);
    if (volume === undefined || !volume.bind) return spec;
    const { source, target, options } = volume;
    const home = source === '~' || source.startsWith('~/') ? join(homedir(), source.slice(1)) : undefined;
    const absolute = home ?? resolve(projectDir, source);
    const real = realpathLenient(absolute);
    return options === '' ? `${real}:${target}` : `${real}:${target}:${options}`;
  });
  return { ...policy, volumes };
}

/**
 * `realpathSync`, also for a path that does not exist (yet): its longest existing ancestor is
 * resolved and the rest appended, and a dangling symlink is followed to its target. The engine
 * creates a missing bind source with MkdirAll, which follows the symlinks on the way.
 */
function realpathLenient(absolute: string, hops = 0): string {
  if (existsSync(absolute)) {
    try {
      return realpathSync(absolute);
    } catch {
      return absolute;
    }
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  const candidate = join(realpathLenient(parent, hops), basename(absolute));
  if (hops >= 40) return candidate; // a symlink loop; the engine fails on it too
  let link: string;
  try {
    link = readlinkSync(candidate);
  } catch {
    return candidate; // not a symlink: simply missing
  }
  return realpathLenient(isAbsolute(link) ? link : resolve(dirname(candidate), link), hops + 1);
}

/**
 * Why mounting this host path into the container is dangerous, or undefined when it is not.
 * `/run` and `/var/run` count as the socket too: mounting the directory exposes `docker.sock`.
 */
export function hostPathRisk(hostPath: string): 'docker-socket' | 'sensitive' | undefined {
  const p = posix.normalize(hostPath).replace(/(.)\/+$/, '$1');
  if (p.includes('docker.sock') || p === '/run' || p === '/var/run' || p === '/var/lib/docker') return 'docker-socket';
  const sensitive = SENSITIVE_HOST_PATHS.some((dir) => p === dir || (dir !== '/' && p.startsWith(`${dir}/`)));
  return sensitive ? 'sensitive' : undefined;
}
