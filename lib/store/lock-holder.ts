/**
 * The holder sidecar `run.lock.holder.json` next to proper-lockfile's lock directory: where the
 * files are, the record's shape and validation, the identity of the lock directory, the
 * dead-local-holder test (same host, same pid namespace, ESRCH) and claiming the sidecar by
 * renaming it: the recovery protocol's file-system side, which ./lock.ts's module comment explains;
 * ./lock.ts keeps acquiring and releasing.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, readlink, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { errorCode, ignoreCode } from '../util/errors.js';
import { CLOUDY_DIR } from './state.js';

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

/** What the holder writes next to the lock directory. */
export interface HolderRecord {
  readonly holder: HolderInfo;
  /** Random per acquisition, so a release never deletes another holder's sidecar. */
  readonly token: string;
  /** `/proc/self/ns/pid` link text; `null` where there is none (non-Linux). */
  readonly pidNamespace: string | null;
  /** Identity of the lock directory this holder created (decimal strings, from a bigint stat). */
  readonly lockDir: { readonly ino: string; readonly birthtimeNs: string };
}

export interface LockPaths {
  /** The path handed to proper-lockfile; it need not exist (`realpath: false`). */
  readonly target: string;
  readonly lockDir: string;
  readonly sidecar: string;
}

export function lockPaths(projectDir: string): LockPaths {
  const dir = path.resolve(projectDir, CLOUDY_DIR);
  return {
    target: path.join(dir, 'run'),
    lockDir: path.join(dir, 'run.lock'),
    sidecar: path.join(dir, 'run.lock.holder.json'),
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

export async function claimSidecar(paths: LockPaths): Promise<ClaimedSidecar | null> {
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

export async function readHolderRecord(file: string): Promise<HolderRecord | null> {
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
    typeof h === 'object' &&
    h !== null &&
    typeof h.pid === 'number' &&
    typeof h.command === 'string' &&
    typeof h.startedAt === 'string' &&
    typeof h.host === 'string' &&
    typeof d === 'object' &&
    d !== null &&
    typeof d.ino === 'string' &&
    typeof d.birthtimeNs === 'string'
  );
}

export async function lockDirIdentity(lockDir: string): Promise<HolderRecord['lockDir'] | null> {
  try {
    const info = await stat(lockDir, { bigint: true });
    return { ino: info.ino.toString(), birthtimeNs: info.birthtimeNs.toString() };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** True only when we can be sure: same host, same pid namespace, and the pid does not exist. */
export async function isDeadLocalHolder(record: HolderRecord): Promise<boolean> {
  return isDeadLocalProcess(record.holder.host, record.holder.pid, record.pidNamespace);
}

/**
 * True only when process `pid` of machine `host` (in pid namespace `pidNamespace`, the
 * `/proc/self/ns/pid` link text) provably no longer exists: the same test for the run lock and
 * the fleet lock's markers (lib/deploy/fleet-lock.ts).
 */
export async function isDeadLocalProcess(host: string, pid: number, pidNamespace: string | null): Promise<boolean> {
  if (host !== hostname() || pidNamespace !== (await ownPidNamespace())) return false;
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
export function ownPidNamespace(): Promise<string | null> {
  pidNamespace ??= readlink('/proc/self/ns/pid').catch(() => null);
  return pidNamespace;
}
