/**
 * The hardening settings a Swarm service cannot carry, found on a real Docker Engine 20.10.24
 * (API 1.41) with the docker CLI 28.2 (observations in docs/growing-beyond-one-host.md):
 *
 * - `no-new-privileges` and every other `--security-opt`: `docker service create` has no such
 *   flag, and the engine drops `ContainerSpec.Privileges.NoNewPrivileges` (and Seccomp/AppArmor)
 *   when sent through the API: the task ran with `NoNewPrivs: 0` in /proc/<pid>/status.
 * - `memory-swap`: no flag; a task limited to 512m had `HostConfig.MemorySwap` 1073741824 (twice
 *   the memory), and the API's `Resources.Limits.MemorySwap` was dropped.
 * - `network-none`: "network none not found"; a service without networks lands on the default
 *   bridge (NetworkMode default, Networks [bridge]). The nearest is an internal overlay of its own.
 * - `icc`: overlay networks have no inter-container switch: a task reached another task's address
 *   on an internal overlay ("connection refused", not "unreachable").
 * - `masquerade`: a non-internal overlay gives tasks outbound NAT through docker_gwbridge; only an
 *   internal overlay has no route out (observed: "Network is unreachable").
 * - `tmpfs-options`: a tmpfs mount takes only a size and a mode, and is always mounted
 *   `rw,nosuid,nodev,noexec` (observed in /proc/mounts), so any other option (exec, uid=...) is lost.
 * - `port-host-ip`: `--publish` has no host IP: a published port listens on every node's interfaces.
 * - `volume-options`: `--mount` carries `ro` but not the other `-v` options (z, Z, propagation...).
 *
 * Applied on this engine, and checked after every deploy: user, read-only root, cap drop/add,
 * memory and CPU limits and reservations, PIDs limit, ulimits, log options, volumes, internal
 * overlay, health check, restart policy (at the service level). Capabilities, the PIDs limit and
 * ulimits need API 1.41 (Engine 20.10): older engines drop them, see {@link engineUnsupported}.
 * Pure: no I/O.
 */
import { isNoNewPrivileges } from '../hardening/options.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { parseVolume } from '../hardening/volumes.js';

/** Ids users name in `swarm.allowUnsupported` to deploy without that setting. */
export const SWARM_UNSUPPORTED_IDS = [
  'no-new-privileges',
  'security-opt',
  'memory-swap',
  'network-none',
  'icc',
  'masquerade',
  'tmpfs-options',
  'port-host-ip',
  'volume-options',
  'capabilities',
  'pids-limit',
  'ulimits',
] as const;
export type SwarmUnsupportedId = (typeof SWARM_UNSUPPORTED_IDS)[number];

/** One setting of the policy that a Swarm service would not apply. */
export type Unsupported = {
  readonly id: SwarmUnsupportedId;
  /** The config key and value, e.g. `container.securityOpt "no-new-privileges:true"`. */
  readonly setting: string;
  /** What Swarm does instead, in a few words. */
  readonly instead: string;
};

/** tmpfs options a Swarm tmpfs mount carries: size and mode as fields, the rest always on. */
const TMPFS_IMPLIED = new Set(['rw', 'noexec', 'nosuid', 'nodev']);

/** Every setting of `policy` that a Swarm service cannot apply, whatever the engine version. */
export function swarmUnsupported(policy: HardeningPolicy): Unsupported[] {
  const found: Unsupported[] = [];
  for (const opt of policy.securityOpt) {
    found.push(
      isNoNewPrivileges(opt)
        ? {
            id: 'no-new-privileges',
            setting: `container.securityOpt ${JSON.stringify(opt)}`,
            instead: 'tasks run with NoNewPrivs 0 (setuid binaries can gain privileges)',
          }
        : {
            id: 'security-opt',
            setting: `container.securityOpt ${JSON.stringify(opt)}`,
            instead: 'services take no --security-opt; the engine default profile applies',
          },
    );
  }
  found.push({
    id: 'memory-swap',
    setting: `container.memorySwap ${JSON.stringify(policy.memorySwap)}`,
    instead: 'swap is not capped (the engine allows as much swap again as memory)',
  });
  if (policy.network.mode === 'none') {
    found.push({
      id: 'network-none',
      setting: 'container.network "none"',
      instead: 'the service gets an internal overlay network of its own (no route out, but an interface)',
    });
  }
  found.push({
    id: 'icc',
    setting: 'inter-container communication off (container.network)',
    instead: 'tasks on the same overlay network can reach each other',
  });
  if (policy.network.mode === 'network' && !policy.network.internal) {
    found.push({
      id: 'masquerade',
      setting: `container.network { name: ${JSON.stringify(policy.network.name)}, internal: false }`,
      instead: 'a non-internal overlay gives tasks outbound NAT; set internal: true to have no route out',
    });
  }
  for (const spec of policy.tmpfs) {
    const lost = tmpfsOptions(spec).lost;
    if (lost.length > 0) {
      found.push({
        id: 'tmpfs-options',
        setting: `container.tmpfs ${JSON.stringify(spec)}`,
        instead: `tmpfs mounts are always rw,nosuid,nodev,noexec with a size and mode; lost: ${lost.join(',')}`,
      });
    }
  }
  for (const port of policy.ports) {
    if (portHostIp(port) !== undefined) {
      found.push({
        id: 'port-host-ip',
        setting: `container.ports ${JSON.stringify(port)}`,
        instead: 'a published port listens on every interface of every node',
      });
    }
  }
  for (const spec of policy.volumes) {
    const options = (parseVolume(spec)?.options ?? '').split(',').filter((o) => o !== '' && o !== 'ro' && o !== 'rw');
    if (options.length > 0) {
      found.push({
        id: 'volume-options',
        setting: `container.volumes ${JSON.stringify(spec)}`,
        instead: `mounts carry only read-only; lost: ${options.join(',')}`,
      });
    }
  }
  return found;
}

/**
 * Settings an engine older than API 1.41 (Docker 20.10) silently drops from a service spec:
 * capabilities (`CapabilityAdd/Drop`), the PIDs limit and ulimits were added to the service API in 1.41.
 */
export function engineUnsupported(policy: HardeningPolicy, apiVersion: string): Unsupported[] {
  const [major = 0, minor = 0] = apiVersion.split('.').map(Number);
  if (major > 1 || (major === 1 && minor >= 41)) return [];
  const old = `on this engine (API ${apiVersion} < 1.41)`;
  const found: Unsupported[] = [
    { id: 'capabilities', setting: 'cap drop ALL (container.capAdd)', instead: `dropped ${old}` },
    { id: 'pids-limit', setting: `container.pidsLimit ${policy.pidsLimit}`, instead: `dropped ${old}` },
  ];
  if (Object.keys(policy.ulimits).length > 0)
    found.push({ id: 'ulimits', setting: 'container.ulimits', instead: `dropped ${old}` });
  return found;
}

/** The unsupported settings that `allowed` does not name: each one refuses the deploy. */
export function refusedBy(unsupported: readonly Unsupported[], allowed: readonly string[]): Unsupported[] {
  return unsupported.filter((u) => !allowed.includes(u.id));
}

/** One line per refused setting, for the refusal at load time and at deploy time. */
export function refusalProblems(refused: readonly Unsupported[]): string[] {
  return refused.map(
    (u) =>
      `deploy.target "swarm" cannot apply ${u.setting}: ${u.instead}; accept it with swarm.allowUnsupported: ["${u.id}"], or deploy to a Docker engine (deploy.target "engine")`,
  );
}

/** A tmpfs spec as Swarm can carry it: size in bytes, mode, and the options it would lose. */
export function tmpfsOptions(spec: string): {
  readonly path: string;
  readonly sizeBytes: number | undefined;
  readonly mode: number | undefined;
  readonly lost: readonly string[];
} {
  const colon = spec.indexOf(':');
  const path = colon < 0 ? spec : spec.slice(0, colon);
  const options = colon < 0 ? [] : spec.slice(colon + 1).split(',');
  let sizeBytes: number | undefined;
  let mode: number | undefined;
  const lost: string[] = [];
  for (const raw of options) {
    const option = raw.trim();
    if (option === '' || TMPFS_IMPLIED.has(option)) continue;
    const size = /^size=(\d+)([kmg]?)$/i.exec(option);
    const octal = /^mode=([0-7]{3,4})$/.exec(option);
    if (size)
      sizeBytes = Number(size[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size[2]!.toLowerCase()] ?? 1);
    else if (octal) mode = Number.parseInt(octal[1]!, 8);
    else lost.push(option);
  }
  return { path, sizeBytes, mode, lost };
}

/** The host IP of a `-p` spec (`127.0.0.1:8080:80`), or undefined when it has none. */
export function portHostIp(spec: string): string | undefined {
  const withoutProto = spec.split('/')[0] ?? '';
  if (withoutProto.startsWith('[')) return withoutProto.slice(1, withoutProto.indexOf(']'));
  const parts = withoutProto.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}
