/**
 * The run lock's sentences: another run holds it (naming the holder and when the lock frees
 * itself), it could not be created (the failing path and error code, with the fix), or it was
 * lost while this run held it.
 */
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { Failure } from '../failure.js';

type Locked = Extract<Failure, { reason: 'locked' }>;
type LockError = Extract<Failure, { reason: 'lock-error' }>;
type LockLost = Extract<Failure, { reason: 'lock-lost' }>;

export function formatLocked(f: Locked): string {
  const expiry = `${Math.round(f.staleMs / 1000)} s`;
  if (f.holder === null) {
    return (
      `another cloudy-tasks run holds the run lock ${f.lockDir}, but it has not recorded who it is ` +
      `(it may be starting up); this run did not start. If no run is active, the lock expires by itself ${expiry} ` +
      `after its holder stopped`
    );
  }
  const { holder } = f;
  const where =
    holder.host === hostname()
      ? `pid ${holder.pid} on this host (${holder.host})`
      : `pid ${holder.pid} on host ${holder.host}`;
  return (
    `another cloudy-tasks run holds the run lock ${f.lockDir}: ${where}, running since ${holder.startedAt}: ` +
    `${holder.command}; this run did not start (exit 75). The lock is freed when that run ends; if it dies ` +
    `without releasing it, the next run takes it over (at the latest ${expiry} later)`
  );
}

/** One line: the lock, the path and error code that failed, and what to do about it. */
export function formatLockError(f: LockError): string {
  const dir = path.dirname(f.lockDir);
  const fixes: Readonly<Record<string, string>> = {
    EACCES: `make ${dir} writable by this user (uid ${process.getuid?.() ?? '?'})`,
    EPERM: `make ${dir} writable by this user (uid ${process.getuid?.() ?? '?'})`,
    EROFS: `the file system is read-only; run from a project directory on a writable file system`,
    ENOSPC: `free disk space on the file system of ${dir}`,
    EDQUOT: `free disk space (quota exceeded) on the file system of ${dir}`,
    EEXIST: `${f.path} exists but is not a directory; move it away`,
    ENOTDIR: `a component of ${f.path} is not a directory; make ${dir} a directory`,
  };
  const fix = fixes[f.code] ?? `check that ${dir} can be created and written`;
  return (
    `cannot take the run lock ${f.lockDir}: ${f.code} on ${f.path} (${f.message}). ` +
    `This run did not start, and retrying will not help until this is fixed: ${fix}`
  );
}

export function formatLockLost(f: LockLost): string {
  return `the run lock was lost while this run held it (${f.lockDir}: ${f.cause}); another cloudy-tasks run may be running at the same time, so no task was started after that`;
}
