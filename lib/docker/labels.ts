/**
 * The labels cloudy-tasks puts on what it creates, in one place: images and containers carry the
 * project's identity (so retention and the deploy know which are ours and never touch another
 * project's), images their build fingerprint, containers the hash of the run settings they were
 * started with (so an unchanged deploy can be recognised from `docker inspect` alone, on any host).
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';

/** Label keys. Values are plain strings; never put secrets in them (labels are public metadata). */
export const LABELS = Object.freeze({
  /**
   * On every image, container, volume, network and service we create: {@link projectId} of the
   * project that made it. What carries another value (or none) is never replaced or removed.
   */
  project: 'io.cloudy-tasks.project',
  /** Next to `project`: the project's directory, so a refusal can say which project owns a container. */
  projectDir: 'io.cloudy-tasks.project-dir',
  /** On images: the build fingerprint (lib/docker/fingerprint.ts) of the inputs they were built from. */
  buildFingerprint: 'io.cloudy-tasks.build-fingerprint',
  /** On containers: the hash of the normalised run settings (lib/deploy/run-spec.ts). */
  runSpec: 'io.cloudy-tasks.run-spec',
  /** On containers: the service (`container.name`) the container is, or is about to become. */
  service: 'io.cloudy-tasks.service',
  /**
   * On a fleet lock marker (lib/deploy/fleet-lock.ts): the holding run's random token, and who
   * holds it (machine, pid, its pid namespace, start time), so a refusal can name the holder and
   * a dead run's marker can be recognised on the machine that started it.
   */
  fleetLock: 'io.cloudy-tasks.fleet-lock',
  fleetLockMachine: 'io.cloudy-tasks.fleet-lock.machine',
  fleetLockPid: 'io.cloudy-tasks.fleet-lock.pid',
  fleetLockPidNamespace: 'io.cloudy-tasks.fleet-lock.pid-namespace',
  fleetLockStartedAt: 'io.cloudy-tasks.fleet-lock.started-at',
});

/**
 * A short, stable identity for a project: its image name, readable, and a hash of its real
 * directory and image name (`cloudy-mc-codeface.3f2a9c01b7de5a10`). Two checkouts of the same
 * repository are two projects (they have two states); a symlinked path is the same one.
 */
export function projectId(projectDir: string, imageName: string): string {
  return `${imageName.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}.${createHash('sha256')
    .update(`${realDir(projectDir)}\n${imageName}`)
    .digest('hex')
    .slice(0, 16)}`;
}

/** The project's real directory (the value of the projectDir label). */
export function realDir(projectDir: string): string {
  try {
    return realpathSync(projectDir);
  } catch {
    // A project directory that cannot be resolved is still a name; keep it as given.
    return projectDir;
  }
}

/** The two ownership labels of this project, for `--label` on what it creates. */
export function ownerLabels(projectDir: string, imageName: string): Record<string, string> {
  return { [LABELS.project]: projectId(projectDir, imageName), [LABELS.projectDir]: realDir(projectDir) };
}

/** `--label key=value` argv for docker build / run, in a fixed order. */
export function labelArgs(labels: Readonly<Record<string, string>>): string[] {
  return Object.keys(labels)
    .sort()
    .flatMap((key) => ['--label', `${key}=${labels[key]}`]);
}

/** `--filter label=key=value` for `docker ps` / `docker image ls`. */
export function labelFilter(key: string, value: string): string[] {
  return ['--filter', `label=${key}=${value}`];
}
