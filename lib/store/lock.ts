/**
 * The run lock, `<projectDir>/.cloudy/run.lock`: at most one cloudy-tasks run per project at a
 * time, so a slow scheduled run and the next timer tick never rebuild and rewrite the state file
 * concurrently. This is the only module that talks to proper-lockfile.
 *
 * ## Why a holder sidecar next to proper-lockfile's lock
 *
 * proper-lockfile takes the lock with an atomic `mkdir` and keeps refreshing the directory's mtime;
 * another process treats it as stale only once the mtime is `staleMs` (10 s) old. That is right
 * for holders on other hosts, but on a timer that fires again right after a crash, "wait 10 s, or
 * fail because the dead run still looks alive" is not good enough: a lock left by a dead process
 * must be recovered at once.
 *
 * So the holder also writes `run.lock.holder.json` (atomically): its {@link HolderInfo}, a random
 * token, its pid namespace and the identity (inode + birth time) of the lock directory it created.
 * A run that finds the lock taken treats it as stale at once when the holder is on this host, in
 * this pid namespace, and `process.kill(pid, 0)` fails with ESRCH. Otherwise (other host, other
 * container, unreadable sidecar, recycled pid) it falls back to proper-lockfile's mtime staleness,
 * which still frees the lock `staleMs` after the holder stopped refreshing it.
 *
 * Recovery must not let two runs both win. The recovering run first *claims* the sidecar by
 * renaming it to a unique name (only one rename can succeed), re-checks it, and removes the lock
 * directory only if the sidecar describes that very directory; a sidecar left behind by an
 * earlier holder whose directory is already gone is discarded instead. What remains is
 * proper-lockfile's own documented race when two processes remove an mtime-stale lock together.
 *
 * Every run also writes an owner marker before it tries the directory (./lock-owner.ts). It makes
 * a directory without a sidecar recoverable at once when every marker names a dead run, and it
 * carries the run's children's process groups, which the recovering run ends before it takes over.
 *
 * The second run never waits (`retries: 0`): overlapping scheduled runs should fail fast with a
 * message naming the holder, and the next tick will try again.
 */
import { randomBytes } from 'node:crypto';
import { rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import type { Failure } from '../failure.js';
import { errorCode, ignoreCode, messageOf } from '../util/errors.js';
import { ensureDirectory, UnsafePathError } from './confine.js';
import {
  claimSidecar,
  type HolderInfo,
  type HolderRecord,
  isDeadLocalHolder,
  type LockPaths,
  lockDirIdentity,
  lockPaths,
  ownPidNamespace,
  readHolderRecord,
} from './lock-holder.js';
import { isDeadOwner, OwnerMarker, otherMarkers, reapDeadOwners } from './lock-owner.js';
import { writeJsonAtomic } from './state.js';

/** A held run lock. */
export interface RunLock {
  readonly ok: true;
  /** Holder whose dead run left the lock behind and was replaced by this one; `null` if the lock was free. */
  readonly recoveredFrom: HolderInfo | null;
  /**
   * Aborted, with a `lock-lost` failure as the reason, if the lock is lost while held
   * (its directory was removed, or it could not be refreshed within `staleMs`, e.g. after a long
   * suspend). Another run may then be running too; the runner should stop starting work.
   */
  readonly lost: AbortSignal;
  /**
   * Record the process groups of this run's live children in its owner marker (./lock-owner.ts),
   * so the run that recovers the lock after this one died can end them before it takes over.
   */
  recordChildren(groups: readonly { readonly pgid: number; readonly critical: boolean }[]): Promise<void>;
  /** Releases the lock. Idempotent: later calls return the first call's promise. */
  release(): Promise<void>;
}

/** The lock is taken (or could not be created); `failure` says which, for the render layer. */
export interface RunLockRefused {
  readonly ok: false;
  /**
   * `held`: another run holds the lock (a live one, or one that has not recorded who it is yet);
   * trying again later can succeed. `error`: the lock could not be created or checked (EACCES,
   * EROFS, ENOSPC, `.cloudy` not a directory, …); retrying will not help until that is fixed.
   */
  readonly kind: 'held' | 'error';
  /** The current holder, or `null` when it is not recorded (yet) or the lock could not be created at all. */
  readonly holder: HolderInfo | null;
  readonly failure: Extract<Failure, { reason: 'locked' | 'lock-error' | 'unsafe-path' }>;
}

export type AcquireRunLockResult = RunLock | RunLockRefused;

export interface RunLockOptions {
  /** Called once, in addition to aborting {@link RunLock.lost}, if the lock is lost while held. */
  readonly onCompromised?: (failure: Extract<Failure, { reason: 'lock-lost' }>) => void;
  /**
   * proper-lockfile's staleness threshold in ms (default 10 000, minimum 2 000; it refreshes the
   * lock every `staleMs / 2`). Every run on a project must use the same value, or two runs can
   * both hold the lock (proper-lockfile README, "Compromised"). Meant for tests.
   */
  readonly staleMs?: number;
}

const DEFAULT_STALE_MS = 10_000;

/** Location of the run lock directory for a project. */
export function runLockPath(projectDir: string): string {
  return lockPaths(projectDir).lockDir;
}

/** Holder info for the current process. */
export function currentHolder(command: string, startedAt: Date = new Date()): HolderInfo {
  return { pid: process.pid, command, startedAt: startedAt.toISOString(), host: hostname() };
}

/**
 * Takes the run lock of the project at `projectDir` without waiting. Returns a refusal naming the
 * holder if another live run has it; recovers it at once if its holder is a dead process on this
 * host (see the module comment). File-system failures are returned as refusals of kind `error`.
 */
export async function acquireRunLock(
  projectDir: string,
  holder: HolderInfo,
  options: RunLockOptions = {},
): Promise<AcquireRunLockResult> {
  const paths = lockPaths(projectDir);
  const staleMs = Math.max(options.staleMs ?? DEFAULT_STALE_MS, 2000);
  let marker: OwnerMarker | undefined;
  try {
    await ensureDirectory(path.dirname(paths.lockDir));
    // Before the directory is tried: a lock directory is never without its owner's marker.
    marker = await OwnerMarker.create(paths, holder);
    const result = await acquireWith(paths, holder, staleMs, options, marker);
    if (!result.ok) await marker.remove();
    return result;
  } catch (error) {
    await marker?.remove().catch(() => undefined);
    if (error instanceof UnsafePathError) {
      return {
        ok: false,
        kind: 'error',
        holder: null,
        failure: { reason: 'unsafe-path', path: error.path, kind: error.kind },
      };
    }
    const code = errorCode(error);
    if (code === undefined) throw error;
    const failedPath =
      typeof (error as { path?: unknown }).path === 'string' ? (error as { path: string }).path : paths.lockDir;
    return {
      ok: false,
      kind: 'error',
      holder: null,
      failure: { reason: 'lock-error', lockDir: paths.lockDir, code, path: failedPath, message: messageOf(error) },
    };
  }
}

/** The protocol of the module comment, with this run's marker already written. */
async function acquireWith(
  paths: LockPaths,
  holder: HolderInfo,
  staleMs: number,
  options: RunLockOptions,
  marker: OwnerMarker,
): Promise<AcquireRunLockResult> {
  const first = await tryLock(paths, holder, staleMs, options, null, marker);
  if (first !== 'locked') {
    // Free (or freed by staleness): what a dead earlier run left running still ends before any task starts.
    await reapDeadOwners(await otherMarkers(paths, marker));
    return first;
  }

  const seen = await readHolderRecord(paths.sidecar);
  if (seen === null) return recoverWithoutSidecar(paths, holder, staleMs, options, marker);
  if (!(await isDeadLocalHolder(seen))) return refused(paths, seen.holder, staleMs);

  const claim = await claimSidecar(paths);
  if (claim === null) return refused(paths, null, staleMs); // another run is recovering it
  if (claim.record === null) {
    await claim.discard();
    return refused(paths, null, staleMs);
  }
  if (!(await isDeadLocalHolder(claim.record))) {
    // We read a dead holder's sidecar but claimed a newer, live one: put it back.
    await claim.restore();
    return refused(paths, claim.record.holder, staleMs);
  }
  const current = await lockDirIdentity(paths.lockDir);
  const describesCurrent =
    current !== null &&
    current.ino === claim.record.lockDir.ino &&
    current.birthtimeNs === claim.record.lockDir.birthtimeNs;
  await claim.discard();
  if (current !== null && !describesCurrent) {
    // Left by an earlier holder; the current directory belongs to a run that has not written its sidecar yet.
    return refused(paths, null, staleMs);
  }
  // The dead run's children (its build, its scan) end before this run takes over.
  await reapDeadOwners(await otherMarkers(paths, marker));
  if (describesCurrent) await rmdir(paths.lockDir).catch(ignoreCode('ENOENT'));

  return takeOver(paths, holder, staleMs, options, describesCurrent ? claim.record.holder : null, marker);
}

/**
 * A lock directory without a holder sidecar. Its owner wrote a marker before it made the
 * directory and removes it only after removing the directory, so the owner is among the other
 * markers: when there are some and every one names a run that is provably gone, the lock is
 * recovered now (their children ended first). Anything else (no marker at all: a directory made
 * by an older version or by hand; a live run among them; a marker of another host) waits for
 * proper-lockfile's staleness as before.
 */
async function recoverWithoutSidecar(
  paths: LockPaths,
  holder: HolderInfo,
  staleMs: number,
  options: RunLockOptions,
  marker: OwnerMarker,
): Promise<AcquireRunLockResult> {
  const others = await otherMarkers(paths, marker);
  if (others.length === 0) return refused(paths, null, staleMs);
  for (const m of others) if (!(await isDeadOwner(m.record))) return refused(paths, m.record?.holder ?? null, staleMs);
  // Only one run wins each marker's rename: a second recoverer backs off here.
  if (!(await reapDeadOwners(others))) return refused(paths, null, staleMs);
  // A sidecar now means a live holder took the directory meanwhile: it is its lock.
  const now = await readHolderRecord(paths.sidecar);
  if (now !== null) return refused(paths, now.holder, staleMs);
  await rmdir(paths.lockDir).catch(ignoreCode('ENOENT'));
  const recoveredFrom = others.length === 1 ? (others[0]!.record?.holder ?? null) : null;
  return takeOver(paths, holder, staleMs, options, recoveredFrom, marker);
}

/** Lock again after freeing a dead run's lock; a run that took it meanwhile is the holder then. */
async function takeOver(
  paths: LockPaths,
  holder: HolderInfo,
  staleMs: number,
  options: RunLockOptions,
  recoveredFrom: HolderInfo | null,
  marker: OwnerMarker,
): Promise<AcquireRunLockResult> {
  const second = await tryLock(paths, holder, staleMs, options, recoveredFrom, marker);
  if (second !== 'locked') return second;
  return refused(paths, (await readHolderRecord(paths.sidecar))?.holder ?? null, staleMs);
}

async function tryLock(
  paths: LockPaths,
  holder: HolderInfo,
  staleMs: number,
  options: RunLockOptions,
  recoveredFrom: HolderInfo | null,
  marker: OwnerMarker,
): Promise<RunLock | 'locked'> {
  const lost = new AbortController();
  let unlock: () => Promise<void>;
  try {
    unlock = await lockfile.lock(paths.target, {
      lockfilePath: paths.lockDir,
      realpath: false,
      retries: 0,
      stale: staleMs,
      // The default rethrows from a timer and kills the process; report instead.
      onCompromised: (error: Error) => {
        if (lost.signal.aborted) return;
        const failure = { reason: 'lock-lost', lockDir: paths.lockDir, cause: error.message } as const;
        lost.abort(failure);
        options.onCompromised?.(failure);
      },
    });
  } catch (error) {
    if (errorCode(error) === 'ELOCKED') return 'locked';
    throw error;
  }

  const token = randomBytes(16).toString('hex');
  try {
    const identity = await lockDirIdentity(paths.lockDir);
    if (identity === null) throw Object.assign(new Error('lock directory vanished'), { code: 'ENOENT' });
    const record: HolderRecord = { holder, token, pidNamespace: await ownPidNamespace(), lockDir: identity };
    await writeJsonAtomic(paths.sidecar, record);
  } catch (error) {
    // Without a sidecar a crash would block the next run for staleMs; better not to run at all.
    await unlock().catch(() => undefined);
    throw error;
  }

  let released: Promise<void> | undefined;
  const release = async (): Promise<void> => {
    try {
      await unlock();
    } catch (error) {
      // ERELEASED: already lost (reported through `lost`); the directory is not ours any more.
      if (errorCode(error) !== 'ERELEASED') throw error;
    }
    // After the directory: a crash in between leaves a sidecar that describes a vanished
    // directory, which the next acquirer discards, rather than a directory without a sidecar.
    const claim = await claimSidecar(paths);
    if (claim !== null) {
      if (claim.record?.token === token) await claim.discard();
      else await claim.restore();
    }
    // Last: until here a crash leaves the marker that proves this run gone.
    await marker.remove();
  };
  return {
    ok: true,
    recoveredFrom,
    lost: lost.signal,
    recordChildren: (groups) => marker.setChildren(groups),
    release: () => (released ??= release()),
  };
}

function refused(paths: LockPaths, holder: HolderInfo | null, staleMs: number): RunLockRefused {
  return { ok: false, kind: 'held', holder, failure: { reason: 'locked', lockDir: paths.lockDir, holder, staleMs } };
}
