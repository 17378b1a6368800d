/**
 * Owner markers, `.cloudy/run.lock.owner-<pid>-<token>.json`: every run writes one *before* it
 * tries the lock directory and removes it only after it released the lock (or was refused), and
 * keeps in it the process groups of its live children. Two things follow:
 *
 * - a lock directory without a holder sidecar (the run died between `mkdir` and writing the
 *   sidecar, or the sidecar was lost) still has its owner among the markers: when every other
 *   marker names a process that is provably gone (same host, same pid namespace, ESRCH), so is
 *   the owner, and the lock is recovered at once instead of after `staleMs`;
 * - the children a dead run left behind (each in its own process group, which a kill of the run's
 *   own group misses) are ended, by group id, by the run that recovers the lock, before it takes
 *   over; cleanup children (a rollback restoring the previous container) are given time to finish
 *   first.
 *
 * A group is only signalled when it cannot be someone else's: its leader still runs with the
 * recorded start time, or the leader is gone (then the id cannot have been reused while the
 * group exists, and a group that no longer exists answers ESRCH).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { errorCode, ignoreCode } from '../util/errors.js';
import { type HolderInfo, type LockPaths, ownPidNamespace } from './lock-holder.js';

/** A child's process group as the owner recorded it. */
export interface OwnedGroup {
  readonly pgid: number;
  /** Cleanup that must outlive an interrupt (rollback): waited for before it is killed. */
  readonly critical: boolean;
  /** Field 22 of `/proc/<pgid>/stat` when it was recorded; `null` where there is no /proc. */
  readonly startTicks: string | null;
}

export interface OwnerRecord {
  /** Who the run is, for "recovered from" when it left a lock without a sidecar. */
  readonly holder: HolderInfo;
  readonly pid: number;
  readonly host: string;
  readonly pidNamespace: string | null;
  readonly children: readonly OwnedGroup[];
}

const PREFIX = 'run.lock.owner-';
/** How long a recovering run lets a dead run's cleanup (rollback) children finish before killing them. */
const CRITICAL_GRACE_MS = 30_000;
/** How long it waits for killed groups to be gone before it takes over anyway. */
const KILL_WAIT_MS = 2_000;

/** This run's marker: written before the lock is tried, updated with its children, removed at the end. */
export class OwnerMarker {
  readonly file: string;
  #children: readonly OwnedGroup[] = [];
  /** The groups in the file as last written. */
  #written = new Set<number>();
  #removed = false;
  #pidNamespace: string | null = null;

  readonly #holder: HolderInfo;
  /** The marker, open for the in-place rewrites of {@link setChildren}. */
  #fd: number | undefined;
  /** The longest record written so far (later ones are padded to it). */
  #length = 0;

  private constructor(file: string, holder: HolderInfo) {
    this.file = file;
    this.#holder = holder;
  }

  static async create(paths: LockPaths, holder: HolderInfo): Promise<OwnerMarker> {
    const dir = path.dirname(paths.lockDir);
    const marker = new OwnerMarker(
      path.join(dir, `${PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.json`),
      holder,
    );
    await marker.#write();
    return marker;
  }

  /**
   * Record the live children (called right after every start and exit). Written synchronously:
   * between a child's start and its record there is no await, so a SIGKILL of the tool cannot
   * fall into a window where a live child is not recorded (a few hundred bytes, no fsync).
   * Only a new group is written at once: a group that ended stays in the file until the next
   * write. A recovering run signals a recorded group only while it is still that group (same
   * leader start time, or its leader gone and the group alive); a group id reused by another
   * program whose leader has exited is the one case it cannot tell apart, for as long as the
   * entry stays (until the next command starts, or the run ends). That keeps a
   * run of many short commands at one small write per command instead of two.
   */
  setChildren(groups: readonly { readonly pgid: number; readonly critical: boolean }[]): Promise<void> {
    const known = new Map(this.#children.map((g) => [g.pgid, g]));
    this.#children = groups.map((g) => known.get(g.pgid) ?? { ...g, startTicks: startTicksOf(g.pgid) });
    const grown = groups.some((g) => !this.#written.has(g.pgid));
    if (this.#removed || !grown) return Promise.resolve();
    this.#written = new Set(groups.map((g) => g.pgid));
    try {
      // Rewritten in place by one write at offset 0, padded with spaces (which JSON.parse
      // ignores) to the longest record so far: a single write(2) of a regular file is not cut
      // short by a kill, so a reader finds the old record or the new one, never a mix. Cheaper
      // than a temp file and a rename for every command (those were ~0.5 ms each).
      // O_NONBLOCK: a FIFO put in the marker's place fails the open instead of blocking the run.
      this.#fd ??= openSync(this.file, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      const text = JSON.stringify(this.#record());
      this.#length = Math.max(this.#length, text.length + 1);
      const bytes = Buffer.from(`${text}\n`.padEnd(this.#length, ' '));
      // A short write (a full disk) leaves a torn record, which a reader cannot parse: write the
      // rest, so that the file holds the new record whole.
      for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd, bytes, done, bytes.length - done, done);
    } catch {
      // A full or read-only disk: only the recovery of a dead run's children is lost.
    }
    return Promise.resolve();
  }

  async remove(): Promise<void> {
    this.#removed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    await unlink(this.file).catch(ignoreCode('ENOENT'));
  }

  #record(): OwnerRecord {
    return {
      holder: this.#holder,
      pid: process.pid,
      host: hostname(),
      pidNamespace: this.#pidNamespace,
      children: this.#children,
    };
  }

  /**
   * Temp file and rename, without fsync: the list only has to survive the process, not the
   * machine (after a reboot no child is left).
   */
  async #write(): Promise<void> {
    this.#pidNamespace = await ownPidNamespace();
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    const text = `${JSON.stringify(this.#record())}\n`;
    await writeFile(temp, text, { flag: 'wx', mode: 0o666 });
    await rename(temp, this.file);
    this.#length = text.length;
  }
}

/** Every marker but `own`, with its content (`null` when unreadable or not a record). */
export async function otherMarkers(
  paths: LockPaths,
  own: OwnerMarker,
): Promise<{ file: string; record: OwnerRecord | null }[]> {
  const dir = path.dirname(paths.lockDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const files = names
    .filter((n) => n.startsWith(PREFIX) && n.endsWith('.json'))
    .map((n) => path.join(dir, n))
    .filter((f) => f !== own.file);
  return Promise.all(files.map(async (file) => ({ file, record: await readOwnerRecord(file) })));
}

/** True only when we can be sure the marker's run is gone: same host, same pid namespace, ESRCH. */
export async function isDeadOwner(record: OwnerRecord | null): Promise<boolean> {
  if (record === null) return false;
  if (record.host !== hostname() || record.pidNamespace !== (await ownPidNamespace())) return false;
  if (!Number.isSafeInteger(record.pid) || record.pid <= 0 || record.pid === process.pid) return false;
  try {
    process.kill(record.pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/**
 * Take the markers of dead runs (a rename only one run can win), end the children they list and
 * remove them. Returns false when another run claimed one first (it is recovering: do not race it).
 */
export async function reapDeadOwners(
  markers: readonly { file: string; record: OwnerRecord | null }[],
): Promise<boolean> {
  const claimed: { file: string; record: OwnerRecord }[] = [];
  for (const m of markers) {
    if (m.record === null || !(await isDeadOwner(m.record))) continue;
    const file = `${m.file}.reap-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await rename(m.file, file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        await Promise.all(claimed.map((c) => endGroupsThenRemove(c)));
        return false;
      }
      throw error;
    }
    claimed.push({ file, record: m.record });
  }
  await Promise.all(claimed.map((c) => endGroupsThenRemove(c)));
  return true;
}

async function endGroupsThenRemove(claimed: { file: string; record: OwnerRecord }): Promise<void> {
  const groups = claimed.record.children.filter(isStillTheirs);
  // Cleanup first gets its time: a rollback the dead run started may still be restoring the service.
  const critical = groups.filter((g) => g.critical);
  if (critical.length > 0) await waitGone(critical, CRITICAL_GRACE_MS);
  for (const g of groups) signalGroup(g.pgid, 'SIGKILL');
  await waitGone(groups, KILL_WAIT_MS);
  await unlink(claimed.file).catch(ignoreCode('ENOENT'));
}

/** Not a recycled id: the leader runs with the recorded start time, or the leader is gone. */
function isStillTheirs(g: OwnedGroup): boolean {
  if (!Number.isSafeInteger(g.pgid) || g.pgid <= 1) return false;
  // Recorded without /proc (not Linux): nothing proves the id was not reused, so leave it.
  if (g.startTicks === null) return false;
  const now = startTicksOf(g.pgid);
  return now === null || now === g.startTicks;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

async function waitGone(groups: readonly OwnedGroup[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groups.some((g) => groupExists(g.pgid)) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Field 22 (start time, clock ticks since boot) of `/proc/<pid>/stat`; null without /proc or process. */
function startTicksOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

async function readOwnerRecord(file: string): Promise<OwnerRecord | null> {
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Partial<OwnerRecord> | null;
    if (
      raw === null ||
      typeof raw !== 'object' ||
      typeof raw.pid !== 'number' ||
      typeof raw.host !== 'string' ||
      !(raw.pidNamespace === null || typeof raw.pidNamespace === 'string') ||
      !Array.isArray(raw.children)
    )
      return null;
    return raw as OwnerRecord;
  } catch {
    return null;
  }
}
