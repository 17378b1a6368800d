/**
 * The user-facing refusals of the run lock: another run holds it (naming the holder and when the
 * lock frees itself), or it could not be created (the failing path and error code, with the fix).
 * Separate from lib/lock.ts so the locking logic reads without the long message texts.
 */
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { HolderInfo, RunLockRefused } from './lock.js';
import type { LockPaths } from './_lock-sidecar.js';
import { messageOf } from './util/errors.js';

/** One line: the lock, the path and error code that failed, and what to do about it. */
export function lockErrorProblem(paths: LockPaths, code: string, error: unknown): string {
  const failedPath = typeof (error as { path?: unknown }).path === 'string' ? (error as { path: string }).path : paths.lockDir;
  const dir = path.dirname(paths.lockDir);
  const fixes: Readonly<Record<string, string>> = {
    EACCES: `make ${dir} writable by this user (uid ${process.getuid?.() ?? '?'})`,
    EPERM: `make ${dir} writable by this user (uid ${process.getuid?.() ?? '?'})`,
    EROFS: `the file system is read-only; run from a project directory on a writable file system`,
    ENOSPC: `free disk space on the file system of ${dir}`,
    EDQUOT: `free disk space (quota exceeded) on the file system of ${dir}`,
    EEXIST: `${failedPath} exists but is not a directory; move it away`,
    ENOTDIR: `a component of ${failedPath} is not a directory; make ${dir} a directory`,
  };
  const fix = fixes[code] ?? `check that ${dir} can be created and written`;
  return (
    `Cannot take the run lock ${paths.lockDir}: ${code} on ${failedPath} (${messageOf(error)}). ` +
    `This run did not start, and retrying will not help until this is fixed: ${fix}.`
  );
}

export function refused(paths: LockPaths, holder: HolderInfo | null, staleMs: number): RunLockRefused {
  const expiry = `${Math.round(staleMs / 1000)} s`;
  if (holder === null) {
    return {
      ok: false,
      kind: 'held',
      holder: null,
      problem:
        `Another cloudy-tasks run holds the run lock ${paths.lockDir}, but it has not recorded who it is ` +
        `(it may be starting up). This run did not start. If no run is active, the lock expires by itself ${expiry} ` +
        `after its holder stopped.`,
    };
  }
  const where = holder.host === hostname() ? `pid ${holder.pid} on this host (${holder.host})` : `pid ${holder.pid} on host ${holder.host}`;
  return {
    ok: false,
    kind: 'held',
    holder,
    problem:
      `Another cloudy-tasks run holds the run lock ${paths.lockDir}: ${where}, running since ${holder.startedAt}: ` +
      `${holder.command}. This run did not start. The lock is freed when that run ends; if it dies ` +
      `without releasing it, the next run takes it over (at the latest ${expiry} later).`,
  };
}
