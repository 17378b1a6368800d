/**
 * The hardening policy for the deployed container: its type and defaults, the refusal of unsafe
 * settings before anything runs, and its translation into `docker run` / `docker network create`
 * argv. Pure: nothing here spawns a process. Why each setting exists, with the CIS Docker Benchmark
 * 1.6.0 ids and the values observed on a real engine: /work/shared/docs/docker-hardening.md.
 */
import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { parseCpus, parseMemory } from './util/units.js';

/**
 * Where the container is attached. `none` gives it only a loopback interface. `network` attaches
 * it to a user-defined bridge that the deploy creates (see {@link networkCreateArgs}). There is no
 * variant for `host`, `bridge`/`default` (docker0, CIS 5.30) or `container:<id>`.
 */
export type NetworkPolicy =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'network';
      /** Name of the user-defined bridge network, e.g. `cloudy_net`. */
      readonly name: string;
      /** `--internal`: no route off the host. Disabling masquerade alone leaves forwarding on. */
      readonly internal: boolean;
      /** Inter-container communication on the bridge: always off. */
      readonly icc: false;
      /** Outbound NAT on the bridge: always off. */
      readonly masquerade: false;
    };

/**
 * The resolved `container` section of the user config: every default filled in.
 *
 * On purpose there is no field for `--privileged`, `--pid/--ipc/--uts/--userns host`, `--device`
 * or `--cgroup-parent`: the hardened deploy never uses them, so they cannot be configured (and
 * {@link refuseUnsafe} rejects such keys if a plain-JS config smuggles them in).
 */
export type HardeningPolicy = {
  /** Default container name (`--name`). */
  readonly name: string;
  /** `--user`, numeric `uid:gid`: a FROM-scratch image has no /etc/passwd to resolve names. */
  readonly user: string;
  /** `--read-only` root filesystem (CIS 5.13). Must be true. */
  readonly readOnly: boolean;
  /** `--memory`, docker size notation (`512m`). */
  readonly memory: string;
  /** `--memory-swap`; must equal `memory`, or the engine allows as much swap again on top. */
  readonly memorySwap: string;
  /** `--cpus`, decimal (`1.0`). */
  readonly cpus: string;
  /** `--pids-limit`, > 0. The engine stores 0 and -1 as null, which means unlimited. */
  readonly pidsLimit: number;
  /** `--restart`: `no`, `always`, `unless-stopped` or `on-failure[:N]`. CIS 5.15 prefers `on-failure:5`. */
  readonly restart: string;
  /**
   * `-v` specs `source:target[:options]`. A source starting with `/`, `.` or `~`, or containing `/`,
   * is a host bind mount (see {@link parseVolume}); anything else is a named volume.
   * {@link resolveBindSources} makes every bind source absolute before {@link refuseUnsafe}.
   */
  readonly volumes: readonly string[];
  /** Network attachment; see {@link NetworkPolicy}. */
  readonly network: NetworkPolicy;
  /** `--tmpfs` specs `path[:options]`, giving the read-only container writable scratch space. */
  readonly tmpfs: readonly string[];
  /** `--ulimit name=soft[:hard]`, keyed by limit name (`nofile` → `1024:1024`). */
  readonly ulimits: Readonly<Record<string, string>>;
  /** `--log-opt key=value` for the log driver; `max-size` is what bounds the log on disk. */
  readonly logOpts: Readonly<Record<string, string>>;
  /** `--cap-add` after `--cap-drop ALL`: the explicit allowlist, `[]` = no capabilities at all. */
  readonly capAdd: readonly string[];
  /** `--security-opt` entries; must include no-new-privileges. */
  readonly securityOpt: readonly string[];
  /** `-p` specs `[ip:][hostPort:]containerPort[/proto]`; `[]` publishes nothing. */
  readonly ports: readonly string[];
  /** How long the deploy waits for `State.Health.Status` to become `healthy`. */
  readonly healthTimeoutSeconds: number;
};

/** The guide's production `docker run` line, with the gaps the audit found closed. */
export const DEFAULT_HARDENING: HardeningPolicy = deepFreeze({
  name: 'cloudy-mc-codeface',
  user: '1001:1001',
  readOnly: true,
  memory: '512m',
  memorySwap: '512m',
  cpus: '1.0',
  pidsLimit: 64,
  restart: 'unless-stopped',
  volumes: ['cloudy_data:/app/data', 'cloudy_config:/app/config', 'cloudy_logs:/app/logs'],
  network: { mode: 'none' },
  tmpfs: ['/tmp:rw,noexec,nosuid,nodev,size=16m'],
  ulimits: { nofile: '1024:1024' },
  logOpts: { 'max-size': '10m', 'max-file': '3' },
  capAdd: [],
  securityOpt: ['no-new-privileges:true'],
  ports: [],
  healthTimeoutSeconds: 60,
});

/**
 * Capabilities `capAdd` may contain. A subset of Docker's 14 defaults that cannot bypass file
 * permissions or reach the kernel/network stack in bulk. Left out on purpose, although Docker
 * grants them by default: DAC_OVERRIDE (reads/writes any file on a mounted volume), NET_RAW (packet
 * spoofing, CVE-2020-14386), MKNOD, SETFCAP, SETPCAP, SYS_CHROOT, AUDIT_WRITE. Everything else
 * (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, …) is refused.
 */
export const SAFE_CAPABILITIES: readonly string[] = Object.freeze([
  'NET_BIND_SERVICE',
  'CHOWN',
  'FOWNER',
  'FSETID',
  'SETUID',
  'SETGID',
  'KILL',
]);

/** docker-bench's CIS 5.6 list. A mount of one of these, or of anything below it, is refused. */
export const SENSITIVE_HOST_PATHS: readonly string[] = Object.freeze([
  '/',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/proc',
  '/sys',
  '/usr',
]);

/** The engine stores `--cap-add net_bind_service` as `CAP_NET_BIND_SERVICE` and `all` as `ALL`. */
export function normalizeCapability(cap: string): string {
  return cap.trim().toUpperCase().replace(/^CAP_/, '');
}

/** The engine stores security options as typed, with either separator. */
const SECCOMP_UNCONFINED = /^seccomp[:=]unconfined$/i;
const APPARMOR_UNCONFINED = /^apparmor[:=]unconfined$/i;
const SELINUX_DISABLED = /^label[:=]disable$/i;
const SYSTEMPATHS_UNCONFINED = /^systempaths[:=]unconfined$/i;
const NO_NEW_PRIVILEGES = /^no-new-privileges(?:[:=](.*))?$/i;
/** The engine parses the value with Go's strconv.ParseBool; anything else is refused at `docker run`. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export const isSeccompUnconfined = (opt: string): boolean => SECCOMP_UNCONFINED.test(opt.trim());
export const isAppArmorUnconfined = (opt: string): boolean => APPARMOR_UNCONFINED.test(opt.trim());

/**
 * The value of a `no-new-privileges[:|=bool]` security option: `true`/`false`, `'invalid'` for a
 * value the engine would refuse, or undefined when `opt` is some other option. Bare
 * `no-new-privileges` means true. With several such entries the engine applies the LAST one
 * (observed on Engine 20.10: `:true` then `:false` runs with NoNewPrivs 0).
 */
export function noNewPrivilegesValue(opt: string): boolean | 'invalid' | undefined {
  const match = NO_NEW_PRIVILEGES.exec(opt.trim());
  if (match === null) return undefined;
  const value = match[1];
  if (value === undefined) return true;
  return GO_TRUE.has(value) ? true : GO_FALSE.has(value) ? false : 'invalid';
}

/** True for an entry that turns no-new-privileges on (`no-new-privileges`, `:true`, `=1`, …). */
export const isNoNewPrivileges = (opt: string): boolean => noNewPrivilegesValue(opt) === true;

/** A `-v` spec split up. `bind` is true when the source is a host path rather than a volume name. */
export type VolumeSpec = { readonly source: string; readonly target: string; readonly options: string; readonly bind: boolean };

/**
 * Splits a `-v` spec. Like the Docker CLI / compose, a source starting with `/`, `.` or `~` is a
 * host path, and so is any source containing `/` (a volume name cannot), so `../../etc:/x` is a bind
 * of the host's /etc relative to wherever it is resolved.
 */
export function parseVolume(spec: string): VolumeSpec | undefined {
  const [source, target, options, ...rest] = spec.split(':');
  if (source === undefined || source === '' || target === undefined || !target.startsWith('/') || rest.length > 0) {
    return undefined;
  }
  const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || source.includes('/');
  return { source, target, options: options ?? '', bind };
}

/**
 * The policy with every bind source of `volumes` made absolute and free of symlinks: `~` and `~/…`
 * against `os.homedir()`, anything else relative against `projectDir`, then the real path, so
 * neither `../../etc` nor a symlink to /etc or docker.sock can hide what is mounted. Target and
 * options are kept; named volumes and malformed specs are left as they are (for
 * {@link refuseUnsafe} to judge). Call it before `refuseUnsafe`, which refuses relative bind
 * sources. Reads the file system; everything else in this module is pure.
 */
export function resolveBindSources(policy: HardeningPolicy, projectDir: string): HardeningPolicy {
  const volumes = policy.volumes.map((spec) => {
    const volume = parseVolume(spec);
    if (volume === undefined || !volume.bind) return spec;
    const { source, target, options } = volume;
    const home = source === '~' || source.startsWith('~/') ? join(homedir(), source.slice(1)) : undefined;
    const absolute = home ?? resolve(projectDir, source);
    const real = realpathLenient(absolute);
    return options === '' ? `${real}:${target}` : `${real}:${target}:${options}`;
  });
  return { ...policy, volumes };
}

/**
 * `realpathSync`, also for a path that does not exist (yet): its longest existing ancestor is
 * resolved and the rest appended, and a dangling symlink is followed to its target. The engine
 * creates a missing bind source with MkdirAll, which follows the symlinks on the way.
 */
function realpathLenient(absolute: string, hops = 0): string {
  if (existsSync(absolute)) {
    try {
      return realpathSync(absolute);
    } catch {
      return absolute;
    }
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  const candidate = join(realpathLenient(parent, hops), basename(absolute));
  if (hops >= 40) return candidate; // a symlink loop; the engine fails on it too
  let link: string;
  try {
    link = readlinkSync(candidate);
  } catch {
    return candidate; // not a symlink: simply missing
  }
  return realpathLenient(isAbsolute(link) ? link : resolve(dirname(candidate), link), hops + 1);
}

/**
 * Why mounting this host path into the container is dangerous, or undefined when it is not.
 * `/run` and `/var/run` count as the socket too: mounting the directory exposes `docker.sock`.
 */
export function hostPathRisk(hostPath: string): 'docker-socket' | 'sensitive' | undefined {
  const p = posix.normalize(hostPath).replace(/(.)\/+$/, '$1');
  if (p.includes('docker.sock') || p === '/run' || p === '/var/run' || p === '/var/lib/docker') return 'docker-socket';
  const sensitive = SENSITIVE_HOST_PATHS.some((dir) => p === dir || (dir !== '/' && p.startsWith(`${dir}/`)));
  return sensitive ? 'sensitive' : undefined;
}

/** `uid[:gid]` when both parts are numeric; undefined for names, which scratch images cannot resolve. */
export function parseNumericUser(user: string): { readonly uid: number; readonly gid: number | undefined } | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  if (match === null) return undefined;
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}

/** `--restart` value as the engine stores it in `HostConfig.RestartPolicy`. */
export function parseRestart(restart: string): { readonly name: string; readonly maximumRetryCount: number } | undefined {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(restart.trim());
  if (match === null || (match[2] !== undefined && match[1] !== 'on-failure')) return undefined;
  return { name: match[1]!, maximumRetryCount: match[2] === undefined ? 0 : Number(match[2]) };
}

/** Keys a plain-JS config might carry although the type has no such field (see {@link HardeningPolicy}). */
const FORBIDDEN_KEYS: Readonly<Record<string, string>> = {
  privileged: 'privileged mode gives the container every capability and all host devices (CIS 5.5)',
  pid: 'sharing the host PID namespace (CIS 5.16)',
  ipc: 'sharing the host IPC namespace (CIS 5.17)',
  uts: 'sharing the host UTS namespace (CIS 5.21)',
  userns: 'sharing the host user namespace (CIS 5.31)',
  devices: 'host devices in the container (CIS 5.18)',
  cgroupParent: 'a custom cgroup parent (CIS 5.25)',
};

/**
 * Every reason the policy is unsafe to deploy, one line each, naming the config key and the fix.
 * `[]` means safe. Reports all problems at once so the user fixes them in one go.
 */
export function refuseUnsafe(policy: HardeningPolicy): string[] {
  const problems: string[] = [];
  const key = (k: string): string => `container.${k}`;

  for (const [k, why] of Object.entries(FORBIDDEN_KEYS)) {
    if (Object.hasOwn(policy, k)) problems.push(`${key(k)}: not supported on purpose (${why}); remove the key`);
  }

  const user = parseNumericUser(policy.user);
  if (user === undefined) {
    problems.push(
      `${key('user')}: '${policy.user}' is not a numeric uid[:gid]; a name cannot be resolved in a scratch image and cannot be proven non-root (CIS 4.1); use e.g. '1001:1001'`,
    );
  } else if (user.uid === 0) {
    problems.push(`${key('user')}: '${policy.user}' runs as root (CIS 4.1); use a non-zero uid such as '1001:1001'`);
  }

  if (policy.readOnly !== true) {
    problems.push(`${key('readOnly')}: the root filesystem must be read-only (CIS 5.13); set readOnly: true and add tmpfs/volumes for writable paths`);
  }

  const memory = parseMemory(policy.memory);
  if (memory === undefined || memory <= 0) {
    problems.push(`${key('memory')}: '${policy.memory}' is not a positive docker size (CIS 5.11); use e.g. '512m'`);
  }
  const swap = parseMemory(policy.memorySwap);
  if (swap === undefined || swap !== memory) {
    problems.push(
      `${key('memorySwap')}: '${policy.memorySwap}' must equal memory '${policy.memory}', otherwise the container may also use swap; set memorySwap: '${policy.memory}'`,
    );
  }
  if (parseCpus(policy.cpus) === undefined) {
    problems.push(`${key('cpus')}: '${policy.cpus}' is not a positive decimal with at most 9 fractional digits (CIS 5.12); use e.g. '1.0'`);
  }
  if (!Number.isInteger(policy.pidsLimit) || policy.pidsLimit <= 0) {
    problems.push(`${key('pidsLimit')}: ${String(policy.pidsLimit)} means unlimited processes (CIS 5.29); use a positive integer such as 64`);
  }

  problems.push(...networkProblems(policy.network, key('network')));

  policy.volumes.forEach((spec, i) => {
    const volume = parseVolume(spec);
    const at = `${key('volumes')}[${i}]`;
    if (volume === undefined) {
      problems.push(`${at}: '${spec}' is not 'source:/target[:options]'; use e.g. 'cloudy_data:/app/data'`);
      return;
    }
    if (volume.bind && !volume.source.startsWith('/')) {
      problems.push(
        `${at}: '${spec}' binds the relative host path '${volume.source}', which cannot be checked until it is resolved against the project directory; use an absolute host path or a named volume`,
      );
      return;
    }
    const risk = volume.bind ? hostPathRisk(volume.source) : undefined;
    if (risk === 'docker-socket') {
      problems.push(`${at}: '${spec}' exposes the Docker socket, which is root on the host (CIS 5.32); remove it`);
    } else if (risk === 'sensitive') {
      problems.push(`${at}: '${spec}' mounts the sensitive host path '${volume.source}' (CIS 5.6); use a named volume instead`);
    }
  });

  policy.capAdd.forEach((cap, i) => {
    const name = normalizeCapability(cap);
    const at = `${key('capAdd')}[${i}]`;
    if (name === 'ALL') {
      problems.push(`${at}: 'ALL' undoes --cap-drop ALL (CIS 5.4); list only the capabilities the app needs`);
    } else if (!SAFE_CAPABILITIES.includes(name)) {
      problems.push(`${at}: '${cap}' is not in the allowlist ${SAFE_CAPABILITIES.join(', ')} (CIS 5.4); remove it`);
    }
  });

  policy.securityOpt.forEach((opt, i) => {
    const at = `${key('securityOpt')}[${i}]`;
    const nnp = noNewPrivilegesValue(opt);
    if (nnp === false) {
      problems.push(
        `${at}: '${opt}' turns no-new-privileges off, and the engine applies the last such entry (CIS 5.26); remove it and keep only 'no-new-privileges:true'`,
      );
    } else if (nnp === 'invalid') {
      problems.push(`${at}: '${opt}' is not a valid no-new-privileges value; the engine refuses it; use 'no-new-privileges:true'`);
    } else if (isSeccompUnconfined(opt)) {
      problems.push(`${at}: '${opt}' disables the default seccomp filter (CIS 5.22); remove it, or ship a custom profile with 'seccomp=<profile.json>'`);
    } else if (isAppArmorUnconfined(opt)) {
      problems.push(`${at}: '${opt}' disables AppArmor confinement (CIS 5.2); remove it`);
    } else if (SELINUX_DISABLED.test(opt.trim())) {
      problems.push(`${at}: '${opt}' disables SELinux labelling (CIS 5.3); remove it`);
    } else if (SYSTEMPATHS_UNCONFINED.test(opt.trim())) {
      problems.push(`${at}: '${opt}' unmasks /proc and /sys paths; remove it`);
    }
  });
  if (!policy.securityOpt.some(isNoNewPrivileges)) {
    problems.push(`${key('securityOpt')}: no-new-privileges is missing (CIS 5.26); add 'no-new-privileges:true'`);
  }

  return problems;
}

function networkProblems(network: NetworkPolicy, at: string): string[] {
  // The type rules out other modes, but a plain-JS config is only checked at run time.
  const mode: string = network.mode;
  if (mode === 'none') return [];
  if (network.mode !== 'network') {
    return [`${at}.mode: '${mode}' is not allowed (host shares the host's network stack, bridge/default is docker0, CIS 5.10/5.30); use 'none' or 'network'`];
  }
  const problems: string[] = [];
  const name = network.name;
  if (name === '' || ['host', 'bridge', 'default', 'none'].includes(name) || name.startsWith('container:')) {
    problems.push(`${at}.name: '${name}' is not a user-defined network (CIS 5.10/5.30); use a dedicated name such as 'cloudy_net'`);
  }
  if ((network.icc as boolean) !== false) problems.push(`${at}.icc: inter-container communication must be false`);
  if ((network.masquerade as boolean) !== false) problems.push(`${at}.masquerade: IP masquerading must be false`);
  return problems;
}

/**
 * `docker run` argv for the policy, without the leading `docker`. Each value is its own element:
 * nothing here is ever joined into a shell string. The order is fixed so that logs and tests can
 * compare argv verbatim.
 *
 * Precondition: `refuseUnsafe(policy)` returned `[]` (config loading does that); a caller that
 * skipped it is a bug, so an unsafe policy throws rather than being deployed.
 */
export function runArgs(policy: HardeningPolicy, imageId: string, containerName: string): string[] {
  const problems = refuseUnsafe(policy);
  if (problems.length > 0) throw new Error(`Internal error: runArgs called with an unsafe policy: ${problems.join('; ')}`);
  // The image is the only positional argument; one starting with '-' would be parsed as a flag.
  if (imageId === '' || imageId.startsWith('-')) throw new Error(`Internal error: invalid image id ${JSON.stringify(imageId)}`);

  const args = ['run', '-d', '--name', containerName, '--user', policy.user];
  if (policy.readOnly) args.push('--read-only');
  for (const t of policy.tmpfs) args.push('--tmpfs', t);
  for (const o of policy.securityOpt) args.push('--security-opt', o);
  args.push('--cap-drop', 'ALL');
  for (const c of policy.capAdd) args.push('--cap-add', c);
  args.push('--memory', policy.memory, '--memory-swap', policy.memorySwap, '--cpus', policy.cpus);
  args.push('--pids-limit', String(policy.pidsLimit), '--restart', policy.restart);
  args.push('--network', policy.network.mode === 'none' ? 'none' : policy.network.name);
  for (const [name, value] of Object.entries(policy.ulimits)) args.push('--ulimit', `${name}=${value}`);
  for (const [name, value] of Object.entries(policy.logOpts)) args.push('--log-opt', `${name}=${value}`);
  for (const v of policy.volumes) args.push('-v', v);
  for (const p of policy.ports) args.push('-p', p);
  args.push(imageId);
  return args;
}

/**
 * `docker network create` argv (without `docker`) for a user-defined network, or undefined for
 * `mode: 'none'`, where there is nothing to create.
 */
export function networkCreateArgs(policy: HardeningPolicy): string[] | undefined {
  const network = policy.network;
  if (network.mode === 'none') return undefined;
  return [
    'network',
    'create',
    '--driver',
    'bridge',
    '-o',
    'com.docker.network.bridge.enable_icc=false',
    '-o',
    'com.docker.network.bridge.enable_ip_masquerade=false',
    ...(network.internal ? ['--internal'] : []),
    network.name,
  ];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
