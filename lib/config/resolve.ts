/**
 * Defaults: turns what the user wrote (`Config`) into what tasks read (`ResolvedConfig`). Pure but
 * for `existsSync` probes of the project directory (is there a `.trivyignore`, a `package.json`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_MEMORY_BYTES, parseMemory } from '../docker/units.js';
import { DEFAULT_HARDENING, type HardeningPolicy } from '../hardening/policy.js';
import { SEVERITIES, type Severity } from '../scan/severity.js';
import { DEFAULT_TRIVY_IMAGE } from '../scan/trivy-args.js';
import { durationMs } from '../util/duration.js';
import type { Config } from './input.js';
import { defaultContainerName, defaultImageName, defaultVolumes } from './names.js';
import type { ResolvedConfig } from './types.js';

/** Defaults from the security guide (see README "Configuration"). */
export const DEFAULT_BASE_IMAGES = ['golang:1.21-alpine', 'alpine:latest'] as const;

/** Apply defaults. Exported for tests and for programmatic use. */
export function resolveConfig(config: Config, projectDir: string, file?: string, environment?: string): ResolvedConfig {
  const image = config.image ?? {};
  const scan = config.scan ?? {};
  const requested: readonly Severity[] = scan.severity ?? ['HIGH', 'CRITICAL'];
  const lowest = [...SEVERITIES].reverse().find((s) => requested.includes(s)) ?? 'HIGH';
  const failOn = scan.failOn ?? lowest;
  // Trivy's --severity picks exact levels: every level the gate blocks on must be requested,
  // or a failOn below the requested levels would silently never block.
  const severity = SEVERITIES.filter(
    (s) => requested.includes(s) || SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(failOn),
  );
  const projectNamed = projectName(projectDir);
  const name = image.name ?? defaultImageName(projectNamed);
  const containerName = config.container?.name ?? defaultContainerName(name);
  const tag = image.tag ?? 'latest';
  const ignoreFile =
    scan.ignoreFile ?? (existsSync(path.join(projectDir, '.trivyignore')) ? '.trivyignore' : undefined);
  return {
    file,
    projectDir,
    image: {
      name,
      tag,
      ref: `${name}:${tag}`,
      dockerfile: path.resolve(projectDir, image.dockerfile ?? 'Dockerfile'),
      context: path.resolve(projectDir, image.context ?? '.'),
      buildArgs: image.buildArgs ?? {},
      keep: image.keep ?? 2,
      registry: image.registry?.replace(/\/+$/, ''),
      target: image.target,
      platform: image.platform,
      secrets: Object.fromEntries(
        Object.entries(image.secrets ?? {}).map(([id, file]) => [id, path.resolve(projectDir, file)]),
      ),
    },
    container: resolveContainer(config.container, containerName, projectDir),
    baseImages: config.baseImages ?? [...DEFAULT_BASE_IMAGES],
    scan: {
      severity,
      failOn,
      ignoreUnfixed: scan.ignoreUnfixed ?? false,
      ignoreFile: ignoreFile ? path.resolve(projectDir, ignoreFile) : undefined,
      timeout: scan.timeout ?? '10m',
      skipDbUpdate: scan.skipDbUpdate ?? false,
      trivyImage: scan.trivyImage ?? DEFAULT_TRIVY_IMAGE,
      reportsDir: path.resolve(projectDir, scan.reportsDir ?? 'reports'),
      config: scan.config ?? true,
      requireScratch: scan.requireScratch ?? true,
      maxAge: scan.maxAge ?? '24h',
    },
    compose: config.compose
      ? {
          file: path.resolve(projectDir, config.compose.file ?? 'docker-compose.yml'),
          service: config.compose.service ?? name,
        }
      : undefined,
    ...resolveDevAndIncident(config, projectDir, name, containerName),
    env: { file: config.env?.file ?? '.env', example: config.env?.example, environment },
    default: typeof config.default === 'string' ? [config.default] : [...(config.default ?? [])],
    projectName: projectNamed,
    notify: {
      webhook: config.notify?.webhook,
      on: config.notify?.on ?? ['failure'],
      timeoutMs: durationMs(config.notify?.timeout ?? '10s'),
    },
    ...resolveBeyondOneHost(config, projectDir),
  };
}

// -- beyond one host (issue 13): deploy target, Swarm, Kubernetes --
function resolveBeyondOneHost(
  config: Config,
  projectDir: string,
): Pick<ResolvedConfig, 'deploy' | 'swarm' | 'kubernetes'> {
  const deploy = config.deploy ?? {};
  const swarm = config.swarm ?? {};
  const k8s = config.kubernetes ?? {};
  const memory = config.container?.memory ?? DEFAULT_HARDENING.memory;
  return {
    deploy: {
      order: deploy.order ?? 'auto',
      target: deploy.target ?? 'engine',
      hosts: deploy.hosts ?? [],
      parallel: deploy.parallel ?? 1,
      rollbackAll: deploy.rollbackAll ?? false,
      replicas: deploy.replicas ?? 1,
      reservations: {
        memory: deploy.reservations?.memory ?? memory,
        cpus: deploy.reservations?.cpus === undefined ? '0.25' : String(deploy.reservations.cpus),
      },
    },
    swarm: {
      allowUnsupported: swarm.allowUnsupported ?? [],
      updateMonitorSeconds: swarm.updateMonitorSeconds ?? 30,
      restartMaxAttempts: swarm.restartMaxAttempts ?? 5,
      nodeHosts: swarm.nodeHosts ?? [],
    },
    kubernetes: {
      namespace: k8s.namespace,
      outDir: path.resolve(projectDir, k8s.outDir ?? 'k8s'),
      storage: k8s.storage ?? '1Gi',
      storageClassName: k8s.storageClassName,
      serviceType: k8s.serviceType ?? 'ClusterIP',
    },
  };
}

// ---- compose profiles, dev stack, incident (issue 12) ----

/** The pinned Ollama image of the `ollama` profile (a floating tag would change under the user). */
export const DEFAULT_OLLAMA_IMAGE = 'ollama/ollama:0.5.7';

function resolveDevAndIncident(
  config: Config,
  projectDir: string,
  imageName: string,
  containerName: string,
): Pick<ResolvedConfig, 'dev' | 'incident'> {
  const dev = config.dev ?? {};
  const ollama = dev.ollama ?? {};
  return {
    dev: {
      file: path.resolve(projectDir, dev.file ?? config.compose?.file ?? 'docker-compose.yml'),
      project: dev.project ?? composeName(`${containerName}-dev`),
      service: dev.service ?? config.compose?.service ?? (composeName(containerName) || composeName(imageName)),
      profiles: dev.profiles ?? ['development'],
      ollama: {
        image: ollama.image ?? DEFAULT_OLLAMA_IMAGE,
        memory: ollama.memory ?? '4g',
        cpus: ollama.cpus === undefined ? '2.0' : String(ollama.cpus),
        pidsLimit: ollama.pidsLimit ?? 256,
      },
    },
    incident: { dir: path.resolve(projectDir, config.incident?.dir ?? 'incidents') },
  };
}

/** A name compose accepts for projects and services: lower-case letters, digits, `-` and `_`. */
function composeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
}
// ---- end of issue 12 ----

function resolveContainer(c: Config['container'] = {}, name: string, projectDir: string): HardeningPolicy {
  const d = { ...DEFAULT_HARDENING, name, volumes: defaultVolumes(name) };
  const memory = c.memory ?? d.memory;
  const network: HardeningPolicy['network'] =
    c.network === undefined || c.network === 'none'
      ? { mode: 'none' }
      : { mode: 'network', name: c.network.name, internal: c.network.internal ?? false, icc: false, masquerade: false };
  return {
    ...d,
    ...stripUndefined(c),
    memory,
    // Swap capped at the memory limit unless set: `--memory` alone allows as much swap again.
    memorySwap: c.memorySwap ?? memory,
    // Half the limit unless set, so a smaller memory limit never falls below the default reservation.
    memoryReservation: c.memoryReservation ?? halfOf(memory),
    cpus: c.cpus === undefined ? d.cpus : String(c.cpus),
    network,
    env: c.env ?? {},
    ...(c.envFile === undefined ? {} : { envFile: path.resolve(projectDir, c.envFile) }),
  };
}

/** The `name` of the project's package.json (scope dropped), else the directory's name. */
function projectName(projectDir: string): string {
  try {
    const name = (JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { name?: unknown }).name;
    if (typeof name === 'string' && name.trim() !== '') return name.replace(/^@[^/]+\//, '');
  } catch {
    // no package.json, or not JSON: the directory's name
  }
  return path.basename(projectDir);
}

/** Half a docker size, in MiB (`512m` → `256m`); the size itself when it cannot be parsed (refused later). */
/** Half the limit, but never below docker's minimum reservation (6m), which a limit of 6m–12m would give. */
function halfOf(size: string): string {
  const bytes = parseMemory(size);
  return bytes === undefined ? size : `${Math.max(MIN_MEMORY_BYTES / 1024 ** 2, Math.floor(bytes / 2 / 1024 ** 2))}m`;
}

export { durationMs };

/** With no config file, the project is the nearest directory with a package.json (else cwd). */
export function projectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
