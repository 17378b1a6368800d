/**
 * Knowledge of the trivy CLI, as pure argv builders: nothing here spawns (lib/engine/spawn.ts does).
 *
 * Every scan writes JSON to a file and exits 0 whatever it finds (`--exit-code 0`): the gate is
 * applied in TypeScript (./gate.ts), so a non-zero exit always means Trivy itself failed
 * (bad flag, DB download error, timeout), never "found something". Flags are the ones in
 * Trivy's CLI reference (docs/guide/references/configuration/cli/trivy_image.md, trivy_config.md).
 */
import { SEVERITIES, type Severity } from './severity.js';

/**
 * The official image used when no `trivy` binary is on PATH, pinned by digest as well as by tag:
 * a tag is not a pin (in March 2026 Trivy's release binaries and action tags were replaced by
 * malicious ones, CVE-2026-33634), and report fields differ between versions (see ./parse.ts).
 * The digest is the one public repositories pin for aquasec/trivy:0.58.1 (found by code search,
 * several independent copies); it could not be pulled on our test machines, which have no
 * registry access. To check or move it: `docker buildx imagetools inspect aquasec/trivy:<version>`.
 */
export const DEFAULT_TRIVY_IMAGE =
  'aquasec/trivy:0.58.1@sha256:ab70a02200597efa04748f210f793936eb647cbcdb0ea69cc30b226d6f5a22c7';

/** Trivy releases known to be malicious or broken: refused by name, with the reason. */
export const KNOWN_BAD_TRIVY_VERSIONS: Readonly<Record<string, string>> = {
  '0.69.4': 'a compromised release (CVE-2026-33634: its binaries and images were replaced by malicious ones)',
};

/** The reason a Trivy version (`0.69.4`, `v0.69.4`) must not be used, or undefined. */
export function knownBadTrivy(version: string): string | undefined {
  return KNOWN_BAD_TRIVY_VERSIONS[version.trim().replace(/^v/, '')];
}

/** The version in a Trivy image reference's tag (`aquasec/trivy:0.58.1@sha256:…` → `0.58.1`). */
export function trivyImageVersion(reference: string): string | undefined {
  const name = reference.split('@')[0] ?? '';
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

export interface TrivyScanOptions {
  /** Passed as `--severity` (a set filter, not a threshold). Empty: omit it, so Trivy reports every level. */
  readonly severities: readonly Severity[];
  /** `--ignore-unfixed` (image scans only; `trivy config` has no such flag). */
  readonly ignoreUnfixed: boolean;
  /**
   * `--ignorefile`. Without it Trivy reads `.trivyignore` from its working directory, which
   * inside the container is not the project: pass an absolute path there.
   */
  readonly ignoreFile?: string;
  /** `--timeout`, a Go duration such as `10m`. Trivy's default is `5m0s`. */
  readonly timeout?: string;
  /** Offline runs: skip the vulnerability/Java DB downloads (image) or the checks bundle (config). Needs a warm cache. */
  readonly skipDbUpdate: boolean;
  /** Where the JSON report is written (`--output`). */
  readonly outputFile: string;
}

export interface TrivyImageOptions extends TrivyScanOptions {
  /** The image to scan: a reference (`name:tag`) or an image id. */
  readonly image: string;
}

export interface TrivyConfigOptions extends TrivyScanOptions {
  /** The directory `trivy config` walks for Dockerfiles, Kubernetes, Helm, Terraform… */
  readonly target: string;
  /** `--skip-dirs`, e.g. `node_modules`: config files shipped inside dependencies are not ours. */
  readonly skipDirs?: readonly string[];
}

/** argv for `trivy image …`, without the leading binary. */
export function trivyImageArgs(o: TrivyImageOptions): string[] {
  return [
    'image',
    ...commonArgs(o),
    ...(o.ignoreUnfixed ? ['--ignore-unfixed'] : []),
    // The Java DB is only fetched when the image holds jars, but offline it must not be tried either.
    ...(o.skipDbUpdate ? ['--skip-db-update', '--skip-java-db-update'] : []),
    positional(o.image, 'image'),
  ];
}

/** argv for `trivy config …` (misconfigurations only), without the leading binary. */
export function trivyConfigArgs(o: TrivyConfigOptions): string[] {
  const skipDirs = o.skipDirs ?? [];
  return [
    'config',
    ...commonArgs(o),
    ...(skipDirs.length > 0 ? ['--skip-dirs', skipDirs.join(',')] : []),
    // The checks bundle is also embedded in the binary, so skipping the download stays usable offline.
    ...(o.skipDbUpdate ? ['--skip-check-update'] : []),
    positional(o.target, 'target'),
  ];
}

function commonArgs(o: TrivyScanOptions): string[] {
  // Most severe first and without duplicates, so the same config always gives the same argv.
  const severities = SEVERITIES.filter((s) => o.severities.includes(s));
  return [
    '--format',
    'json',
    '--output',
    o.outputFile,
    '--exit-code',
    '0',
    '--quiet',
    ...(severities.length > 0 ? ['--severity', severities.join(',')] : []),
    ...(o.ignoreFile !== undefined ? ['--ignorefile', o.ignoreFile] : []),
    ...(o.timeout !== undefined ? ['--timeout', o.timeout] : []),
  ];
}

/** A positional starting with `-` would be parsed as a flag; config validation must have rejected it. */
function positional(value: string, what: string): string {
  if (value === '' || value.startsWith('-'))
    throw new Error(`Internal error: invalid trivy ${what} ${JSON.stringify(value)}`);
  return value;
}

export interface TrivyContainerOptions {
  /** e.g. `aquasec/trivy:0.58.1` (see DEFAULT_TRIVY_IMAGE). */
  readonly trivyImage: string;
  /** Absolute project directory. */
  readonly projectDir: string;
  /** Absolute directory the reports are written to (may be inside the project). */
  readonly reportsDir: string;
  /** Named docker volume that keeps Trivy's cache between runs, e.g. `cloudy_trivy_cache`. */
  readonly cacheVolume: string;
  /** Host docker socket; default `/var/run/docker.sock` (rootless docker uses `$XDG_RUNTIME_DIR/docker.sock`). */
  readonly dockerSocket?: string;
  /** `--name`, so an interrupted scan's container can be stopped by name. */
  readonly containerName?: string;
}

/**
 * argv that runs the official Trivy container in place of a `trivy` binary (including the
 * leading `docker`); append `trivyImageArgs(...)` or `trivyConfigArgs(...)`. Adapted from the
 * installation guide's `docker run -v /var/run/docker.sock:/var/run/docker.sock
 * -v $HOME/Library/Caches:/root/.cache/ aquasec/trivy:<version> image …`:
 *
 * - the docker socket lets Trivy read the image we just built from the local daemon, instead
 *   of pulling a same-named (possibly different) image from a registry. It also gives the
 *   container control of the daemon, which is why only the pinned official image runs here;
 * - the named volume at `/root/.cache/` keeps the vulnerability DB, Java DB and checks bundle
 *   (`$XDG_CACHE_HOME/trivy`) between runs, so each scan does not download them again;
 * - the project is mounted read-only at its own absolute path, and is the working directory,
 *   so `--ignorefile`, `--output` and the `trivy config` target mean the same inside and
 *   outside the container, and the scanner cannot modify the sources;
 * - the reports directory is mounted writable, also at its own path, for `--output`.
 *
 * Trivy runs as root in that image, so on a rootful Linux daemon the report files it writes
 * are owned by root: replace them (rename over) rather than rewrite them in place.
 */
export function trivyContainerPrefix(o: TrivyContainerOptions): string[] {
  const socket = o.dockerSocket ?? '/var/run/docker.sock';
  return [
    'docker',
    'run',
    '--rm',
    ...(o.containerName !== undefined ? ['--name', o.containerName] : []),
    '-v',
    `${socket}:/var/run/docker.sock`,
    '-v',
    `${o.cacheVolume}:/root/.cache/`,
    '-v',
    `${o.projectDir}:${o.projectDir}:ro`,
    '-v',
    `${o.reportsDir}:${o.reportsDir}`,
    '-w',
    o.projectDir,
    o.trivyImage,
  ];
}
