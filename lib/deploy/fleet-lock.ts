/**
 * The fleet lock: one marker per host and service, so two fleet deploys started from different
 * machines (a laptop and CI) never replace the same service at once. The run lock
 * (lib/store/lock.ts) only covers runs sharing one project directory; this one lives on the
 * engines themselves, like Kamal's lock, and needs nothing but the Docker API.
 *
 * The marker is a container that is created and never started, `<container.name>-fleet-lock`:
 * the engine reserves container names atomically, so of two `docker create` calls exactly one
 * succeeds (volumes and networks of one name do not conflict reliably). Its labels say who holds
 * it (machine, pid, pid namespace, start time, project) and carry a random token, so a run only
 * ever removes its own marker. Its entrypoint does not exist and it has no network, so starting
 * it by mistake runs nothing. It is created from the image being deployed (pulled first; pulling
 * changes no running service), because a container needs an image and that one is on the host.
 *
 * Recovery: a marker whose holder ran on this machine, in this pid namespace, and is provably
 * dead (ESRCH, the run lock's test) is removed and the lock taken. A marker from another machine
 * is never judged: the refusal names its holder and the `docker rm` that removes it.
 */
import { hostname } from 'node:os';
import { LABELS, labelArgs, ownerLabels } from '../docker/labels.js';
import type { Failure, FleetLockHolder } from '../failure.js';
import { isDeadLocalProcess, ownPidNamespace } from '../store/lock-holder.js';
import type { Engine } from './engine.js';

export const lockMarkerName = (service: string) => `${service}-fleet-lock`;

/** This run's claim: the same token on every host it locks. */
export interface LockClaim {
  readonly token: string;
  readonly startedAt: string;
}

type Labels = Readonly<Record<string, string>>;

/** The holder named by a marker's labels, or null when they are not a holder's. */
export function holderOf(labels: Labels): FleetLockHolder | null {
  const pid = Number(labels[LABELS.fleetLockPid]);
  const machine = labels[LABELS.fleetLockMachine];
  const startedAt = labels[LABELS.fleetLockStartedAt];
  if (!machine || !startedAt || !Number.isSafeInteger(pid)) return null;
  return { machine, pid, startedAt, project: labels[LABELS.project] ?? '(none)' };
}

/** `docker --host H rm NAME` (or `--context C`): how a user removes a dead run's marker. */
export function unlockCommand(engine: Engine, service: string): string {
  return ['docker', ...engine.target.globalArgs, 'rm', lockMarkerName(service)].join(' ');
}

interface Marker {
  readonly id: string;
  readonly labels: Labels;
}

async function readMarker(engine: Engine, service: string): Promise<Marker | undefined> {
  const info = await engine.inspect(lockMarkerName(service), { silent: true, critical: true });
  if (!info) return undefined;
  const labels = ((info['Config'] as { Labels?: Labels | null } | undefined)?.Labels ?? {}) as Labels;
  return { id: String(info['Id']), labels };
}

/** True when the marker's holder ran on this machine and provably is gone. */
async function deadHere(labels: Labels): Promise<boolean> {
  const holder = holderOf(labels);
  if (!holder) return false;
  return isDeadLocalProcess(holder.machine, holder.pid, labels[LABELS.fleetLockPidNamespace] ?? null);
}

function locked(engine: Engine, service: string, marker: Marker): Failure {
  return {
    reason: 'fleet-locked',
    host: engine.target.label,
    marker: lockMarkerName(service),
    holder: holderOf(marker.labels),
    unlock: unlockCommand(engine, service),
  };
}

/** For the precondition: the lock on this host when another live run holds it (read-only). */
export async function heldBy(engine: Engine, service: string): Promise<Failure | undefined> {
  const marker = await readMarker(engine, service);
  if (!marker || (await deadHere(marker.labels))) return undefined;
  return locked(engine, service, marker);
}

/**
 * Take the lock on this host: create the marker from `image` (present on the host). Returns a
 * `fleet-locked` failure when another run holds it; a dead local holder's marker is removed first.
 */
export async function acquireLock(
  engine: Engine,
  service: string,
  image: string,
  claim: LockClaim,
): Promise<Failure | undefined> {
  const { ctx } = engine;
  const labels = {
    ...ownerLabels(ctx.projectDir, ctx.config.image.name),
    [LABELS.fleetLock]: claim.token,
    [LABELS.fleetLockMachine]: hostname(),
    [LABELS.fleetLockPid]: String(process.pid),
    [LABELS.fleetLockPidNamespace]: (await ownPidNamespace()) ?? '',
    [LABELS.fleetLockStartedAt]: claim.startedAt,
  };
  const create = [
    'container',
    'create',
    '--name',
    lockMarkerName(service),
    '--network',
    'none',
    '--cap-drop',
    'ALL',
    '--entrypoint',
    '/cloudy-tasks-fleet-lock-never-runs',
    ...labelArgs(labels),
    '--',
    image,
  ];
  for (let attempt = 0; attempt < 2; attempt++) {
    const created = await engine.docker(create, { nothrow: true, silent: true });
    if (created.exitCode === 0) return undefined;
    const marker = await readMarker(engine, service);
    // Not a name conflict (no marker there): the engine's own error, as any failed docker call.
    if (!marker) {
      await engine.docker(create, { silent: true });
      return undefined;
    }
    if (attempt > 0 || !(await deadHere(marker.labels))) return locked(engine, service, marker);
    ctx.progress(`${engine.target.label}: removing the fleet lock of a dead run (pid ${holderOf(marker.labels)?.pid})`);
    await engine.docker(['rm', '-f', marker.id], { nothrow: true, silent: true });
  }
  return undefined;
}

/** Remove this run's marker (never another's); runs even after SIGINT/SIGTERM. */
export async function releaseLock(engine: Engine, service: string, claim: LockClaim): Promise<void> {
  const marker = await readMarker(engine, service);
  if (marker?.labels[LABELS.fleetLock] !== claim.token) return;
  await engine.docker(['rm', '-f', marker.id], { critical: true, nothrow: true, silent: true });
}
