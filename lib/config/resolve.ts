/**
 * Defaults: turns what the user wrote (`Config`) into what tasks read (`ResolvedConfig`). Pure but
 * for `existsSync` probes of the project directory (is there a `.trivyignore`, a `package.json`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_HARDENING, type HardeningPolicy } from '../hardening/policy.js';
import { SEVERITIES, type Severity } from '../scan/severity.js';
import { DEFAULT_TRIVY_IMAGE } from '../scan/trivy-args.js';
import type { Config } from './input.js';
import type { ResolvedConfig } from './types.js';

/** Defaults from the security guide (see README "Configuration"). */
export const DEFAULT_BASE_IMAGES = ['golang:1.21-alpine', 'alpine:latest'] as const;

/** Apply defaults. Exported for tests and for programmatic use. */
export function resolveConfig(config: Config, projectDir: string, file?: string): ResolvedConfig {
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
  const name = image.name ?? 'cloudy-mc-codeface';
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
      registry: image.registry?.replace(/\/+$/, ''),
    },
    container: resolveContainer(config.container),
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
    },
    compose: config.compose
      ? {
          file: path.resolve(projectDir, config.compose.file ?? 'docker-compose.yml'),
          service: config.compose.service ?? name,
        }
      : undefined,
    env: { file: config.env?.file ?? '.env', example: config.env?.example },
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
      target: deploy.target ?? 'engine',
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

function resolveContainer(c: Config['container'] = {}): HardeningPolicy {
  const d = DEFAULT_HARDENING;
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
    cpus: c.cpus === undefined ? d.cpus : String(c.cpus),
    network,
  };
}

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
