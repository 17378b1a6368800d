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
 * The second run never waits (`retries: 0`): overlapping scheduled runs should fail fast with a
 * message naming the holder, and the next tick will try again.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, readlink, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { CLOUDY_DIR, writeJsonAtomic } from './state.js';

/** Who holds the run lock; shown to a run that finds the lock taken. */
export interface HolderInfo {
  /** Process id of the holding run, meaningful on {@link HolderInfo.host} only. */
  readonly pid: number;
  /** The command line of the holding run, for the message (`cloudy-tasks rebuild-no-cache`). */
  readonly command: string;
  /** ISO-8601 time the holding run started. */
  readonly startedAt: string;
  /** `os.hostname()` of the holding run; the pid is only checked when this equals ours. */
  readonly host: string;
}

/** A held run lock. */
export interface RunLock {
  readonly ok: true;
  /** Holder whose dead run left the lock behind and was replaced by this one; `null` if the lock was free. */
  readonly recoveredFrom: HolderInfo | null;
  /**
   * Aborted, with an `Error` whose message is the problem, if the lock is lost while held
   * (its directory was removed, or it could not be refreshed within `staleMs`, e.g. after a long
   * suspend). Another run may then be running too; the runner should stop starting work.
   */
  readonly lost: AbortSignal;
  /** Releases the lock. Idempotent: later calls return the first call's promise. */
  release(): Promise<void>;
}

/** The lock is taken (or could not be created); `problem` is the user-facing message. */
export interface RunLockRefused {
  readonly ok: false;
  /**
   * `held`: another run holds the lock (a live one, or one that has not recorded who it is yet);
   * trying again later can succeed. `error`: the lock could not be created or checked (EACCES,
   * EROFS, ENOSPC, `.cloudy` not a directory, …); retrying will not help until `problem`'s fix is applied.
   */
  readonly kind: 'held' | 'error';
  /** The current holder, or `null` when it is not recorded (yet) or the lock could not be created at all. */
  readonly holder: HolderInfo | null;
  readonly problem: string;
}

export type AcquireRunLockResult = RunLock | RunLockRefused;

export interface RunLockOptions {
  /** Called once, in addition to aborting {@link RunLock.lost}, if the lock is lost while held. */
  readonly onCompromised?: (problem: string) => void;
  /**
   * proper-lockfile's staleness threshold in ms (default 10 000, minimum 2 000; it refreshes the
   * lock every `staleMs / 2`). Every run on a project must use the same value, or two runs can
   * both hold the lock (proper-lockfile README, "Compromised"). Meant for tests.
   */
  readonly staleMs?: number;
}

const DEFAULT_STALE_MS = 10_000;

/** What the holder writes next to the lock directory. */
interface HolderRecord {
  readonly holder: HolderInfo;
  /** Random per acquisition, so a release never deletes another holder's sidecar. */
  readonly token: string;
  /** `/proc/self/ns/pid` link text; `null` where there is none (non-Linux). */
  readonly pidNamespace: string | null;
  /** Identity of the lock directory this holder created (decimal strings, from a bigint stat). */
  readonly lockDir: { readonly ino: string; readonly birthtimeNs: string };
}

interface LockPaths {
  /** The path handed to proper-lockfile; it need not exist (`realpath: false`). */
  readonly target: string;
  readonly lockDir: string;
  readonly sidecar: string;
}

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
  try {
    await mkdir(path.dirname(paths.lockDir), { recursive: true, mode: 0o777 });
    const first = await tryLock(paths, holder, staleMs, options, null);
    if (first !== 'locked') return first;

    const seen = await readHolderRecord(paths.sidecar);
    if (seen === null || !(await isDeadLocalHolder(seen))) return refused(paths, seen?.holder ?? null, staleMs);

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
    if (describesCurrent) await rmdir(paths.lockDir).catch(ignoreCode('ENOENT'));

    const second = await tryLock(paths, holder, staleMs, options, describesCurrent ? claim.record.holder : null);
    if (second !== 'locked') return second;
    return refused(paths, (await readHolderRecord(paths.sidecar))?.holder ?? null, staleMs);
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    return { ok: false, kind: 'error', holder: null, problem: lockErrorProblem(paths, code, error) };
  }
}

/** One line: the lock, the path and error code that failed, and what to do about it. */
function lockErrorProblem(paths: LockPaths, code: string, error: unknown): string {
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

function lockPaths(projectDir: string): LockPaths {
  const dir = path.resolve(projectDir, CLOUDY_DIR);
  return {
    target: path.join(dir, 'run'),
    lockDir: path.join(dir, 'run.lock'),
    sidecar: path.join(dir, 'run.lock.holder.json'),
  };
}

async function tryLock(
  paths: LockPaths,
  holder: HolderInfo,
  staleMs: number,
  options: RunLockOptions,
  recoveredFrom: HolderInfo | null,
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
        const problem =
          `The run lock ${paths.lockDir} was lost while this run held it (${error.message}); ` +
          `another cloudy-tasks run may be running at the same time.`;
        lost.abort(new Error(problem));
        options.onCompromised?.(problem);
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
    if (claim === null) return;
    if (claim.record?.token === token) await claim.discard();
    else await claim.restore();
  };
  return { ok: true, recoveredFrom, lost: lost.signal, release: () => (released ??= release()) };
}

function refused(paths: LockPaths, holder: HolderInfo | null, staleMs: number): RunLockRefused {
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

/**
 * A claimed sidecar: renamed away from its name, so no other run can act on it, until it is
 * discarded or restored.
 */
interface ClaimedSidecar {
  /** Its content, or `null` if it is not a valid holder record. */
  readonly record: HolderRecord | null;
  discard(): Promise<void>;
  /** Puts it back unless a newer sidecar appeared meanwhile (link fails with EEXIST). */
  restore(): Promise<void>;
}

async function claimSidecar(paths: LockPaths): Promise<ClaimedSidecar | null> {
  const claimed = `${paths.sidecar}.claim-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await rename(paths.sidecar, claimed);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  const discard = async (): Promise<void> => unlink(claimed).catch(ignoreCode('ENOENT'));
  return {
    record: await readHolderRecord(claimed),
    discard,
    restore: async () => {
      try {
        await link(claimed, paths.sidecar);
      } catch (error) {
        // EEXIST: a newer holder wrote its sidecar, which wins. Other errors: file systems
        // without hard links; fall back to rename, which may overwrite such a newer sidecar.
        if (errorCode(error) !== 'EEXIST') return rename(claimed, paths.sidecar);
      }
      await discard();
    },
  };
}

async function readHolderRecord(file: string): Promise<HolderRecord | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // Missing or unreadable: the holder is unknown, which only disables fast recovery.
    return null;
  }
  return isHolderRecord(raw) ? raw : null;
}

function isHolderRecord(raw: unknown): raw is HolderRecord {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Partial<Record<keyof HolderRecord, unknown>>;
  const h = r.holder as Partial<Record<keyof HolderInfo, unknown>> | null | undefined;
  const d = r.lockDir as Partial<Record<'ino' | 'birthtimeNs', unknown>> | null | undefined;
  return (
    typeof r.token === 'string' &&
    (r.pidNamespace === null || typeof r.pidNamespace === 'string') &&
    typeof h === 'object' && h !== null &&
    typeof h.pid === 'number' && typeof h.command === 'string' &&
    typeof h.startedAt === 'string' && typeof h.host === 'string' &&
    typeof d === 'object' && d !== null &&
    typeof d.ino === 'string' && typeof d.birthtimeNs === 'string'
  );
}

async function lockDirIdentity(lockDir: string): Promise<HolderRecord['lockDir'] | null> {
  try {
    const info = await stat(lockDir, { bigint: true });
    return { ino: info.ino.toString(), birthtimeNs: info.birthtimeNs.toString() };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** True only when we can be sure: same host, same pid namespace, and the pid does not exist. */
async function isDeadLocalHolder(record: HolderRecord): Promise<boolean> {
  const { pid, host } = record.holder;
  if (host !== hostname() || record.pidNamespace !== (await ownPidNamespace())) return false;
  // pid 0 and negative pids address process groups in kill(2); never judge those.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but belongs to another user. Only ESRCH proves it is gone.
    return errorCode(error) === 'ESRCH';
  }
}

let pidNamespace: Promise<string | null> | undefined;

/**
 * Containers on one host can share a hostname (or a bind-mounted project) while each has its own
 * pid numbering, so a pid is only comparable within the same pid namespace.
 */
function ownPidNamespace(): Promise<string | null> {
  return (pidNamespace ??= readlink('/proc/self/ns/pid').catch(() => null));
}

function ignoreCode(code: string): (error: unknown) => void {
  return (error) => {
    if (errorCode(error) !== code) throw error;
  };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
