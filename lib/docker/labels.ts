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
  /** On images and containers: {@link projectId} of the project that built or started them. */
  project: 'cloudy-tasks.project',
  /** On images: the build fingerprint (lib/docker/fingerprint.ts) of the inputs they were built from. */
  buildFingerprint: 'cloudy-tasks.build-fingerprint',
  /** On containers: the hash of the normalised run settings (lib/deploy/run-spec.ts). */
  runSpec: 'cloudy-tasks.run-spec',
  /** On containers: the service (`container.name`) the container is, or is about to become. */
  service: 'cloudy-tasks.service',
});

/**
 * A short, stable identity for a project: its real directory and image name. Two checkouts of
 * the same repository are two projects (they have two states); a symlinked path is the same one.
 */
export function projectId(projectDir: string, imageName: string): string {
  let dir = projectDir;
  try {
    dir = realpathSync(projectDir);
  } catch {
    // A project directory that cannot be resolved is still a name; keep it as given.
  }
  return createHash('sha256').update(`${dir}\n${imageName}`).digest('hex').slice(0, 16);
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
