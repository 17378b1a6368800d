/**
 * compose-audit's judgement: what in the effective compose config weakens the guide's
 * hardening, per service, with the same check ids (and CIS Docker Benchmark 1.6.0 ids) as the
 * inspect checks that deploy-secure runs on a container, so a finding here names the check that
 * would fail on the running container. Pure: ./run.ts gets the config from compose.
 */
import { type Check, check, listText, passIf } from '../hardening/checks/common.js';
import {
  isAppArmorUnconfined,
  isSeccompUnconfined,
  noNewPrivilegesValue,
  normalizeCapability,
  parseNumericUser,
  SAFE_CAPABILITIES,
  SELINUX_DISABLED,
  SYSTEMPATHS_UNCONFINED,
} from '../hardening/options.js';
import { hostPathRisk } from '../hardening/volumes.js';
import type { EffectiveConfig, EffectiveService } from './effective.js';

/** A check of one service's effective config. */
export type ComposeFinding = Check & { readonly service: string };

export interface AuditContext {
  /** Compose v2 applies `deploy.resources.limits`; v1 ignores them without `--compatibility`. */
  readonly appliesDeployResources: boolean;
  /** `docker-compose 1.29.2`, for the messages. */
  readonly tool: string;
}

/** The security guide's compose snippet has `seccomp:unconfined`: say so where it is found. */
export const GUIDE_SECCOMP_NOTE = "the security guide's own compose file has seccomp:unconfined";

/** Every check for every service, in service order then a fixed check order. */
export function auditCompose(config: EffectiveConfig, ctx: AuditContext): ComposeFinding[] {
  return config.services.flatMap((s) =>
    [
      ...identity(s),
      ...privileges(s),
      ...limits(s, ctx),
      ...network(s, config),
      ...namespaces(s),
      ...mounts(s),
      ...ports(s),
      ...runtime(s),
    ].map((c) => ({ ...c, service: s.name })),
  );
}

function identity(s: EffectiveService): Check[] {
  const user = s.user?.trim();
  const parsed = user === undefined ? undefined : parseNumericUser(user);
  const status =
    user === undefined
      ? 'warn'
      : user === 'root' || user.startsWith('root:') || parsed?.uid === 0
        ? 'fail'
        : parsed === undefined
          ? 'warn'
          : 'pass';
  return [
    check(
      'non-root-user',
      '4.1',
      'Runs as a non-root numeric user',
      'user: a numeric non-zero uid such as 1001:1001',
      user === undefined ? "(absent: the image's USER applies)" : user,
      status,
    ),
    check(
      'read-only-rootfs',
      '5.13',
      'Root filesystem is read-only',
      'read_only: true',
      String(s.readOnly),
      passIf(s.readOnly),
    ),
  ];
}

function privileges(s: EffectiveService): Check[] {
  const drop = s.capDrop.map(normalizeCapability);
  const extra = s.capAdd.filter((c) => !SAFE_CAPABILITIES.includes(normalizeCapability(c)));
  const opts = listText(s.securityOpt);
  const nnp = s.securityOpt.map(noNewPrivilegesValue).filter((v) => v !== undefined);
  const seccompOff = s.securityOpt.filter(isSeccompUnconfined);
  const seccompActual =
    seccompOff.length > 0
      ? `${seccompOff.join(', ')} turns the syscall filter off (${GUIDE_SECCOMP_NOTE})`
      : s.privileged
        ? 'privileged: true (seccomp is off for privileged containers)'
        : opts;
  return [
    check(
      'capabilities',
      '5.4',
      'All capabilities dropped, only allowlisted ones added',
      `cap_drop: [ALL], cap_add within [${SAFE_CAPABILITIES.join(', ')}]`,
      `cap_drop: [${s.capDrop.join(', ')}] cap_add: [${s.capAdd.join(', ')}]`,
      passIf(drop.includes('ALL') && extra.length === 0 && !s.privileged),
    ),
    check(
      'not-privileged',
      '5.5',
      'Not running privileged',
      'privileged: false',
      String(s.privileged),
      passIf(!s.privileged),
    ),
    check(
      'no-new-privileges',
      '5.26',
      'no-new-privileges set',
      'security_opt: [no-new-privileges:true] (the last such entry wins)',
      opts,
      passIf(nnp.at(-1) === true),
    ),
    check(
      'seccomp',
      '5.22',
      'Default seccomp profile not disabled',
      'no seccomp:unconfined, not privileged',
      seccompActual,
      passIf(seccompOff.length === 0 && !s.privileged),
    ),
    check(
      'apparmor',
      '5.2',
      'AppArmor profile not disabled',
      'no apparmor:unconfined',
      opts,
      passIf(!s.securityOpt.some(isAppArmorUnconfined)),
    ),
    check(
      'selinux',
      '5.3',
      'SELinux labelling not disabled',
      'no label:disable',
      opts,
      passIf(!s.securityOpt.some((o) => SELINUX_DISABLED.test(o.trim()))),
    ),
    check(
      'systempaths',
      '-',
      '/proc and /sys stay masked',
      'no systempaths=unconfined',
      opts,
      passIf(!s.securityOpt.some((o) => SYSTEMPATHS_UNCONFINED.test(o.trim()))),
    ),
  ];
}

function limits(s: EffectiveService, ctx: AuditContext): Check[] {
  const limit = (
    id: string,
    cis: string,
    title: string,
    key: string,
    own: number | undefined,
    deployed: number | undefined,
    deployKey: string,
  ): { check: Check; effective: number | undefined } => {
    if (own !== undefined) return { check: check(id, cis, title, key, `${key} ${own}`, 'pass'), effective: own };
    if (deployed === undefined)
      return { check: check(id, cis, title, key, '(absent: unlimited)', 'fail'), effective: undefined };
    // Only deploy.resources: compose v2 applies it, compose v1 silently does not.
    return ctx.appliesDeployResources
      ? {
          check: check(id, cis, title, key, `only ${deployKey} ${deployed}; compose v1 would ignore it`, 'warn'),
          effective: deployed,
        }
      : {
          check: check(
            id,
            cis,
            title,
            key,
            `only ${deployKey}: ignored by ${ctx.tool} (no --compatibility), so no limit applies`,
            'fail',
          ),
          effective: undefined,
        };
  };
  const memory = limit(
    'memory',
    '5.11',
    'Memory limited',
    'mem_limit',
    s.memLimit,
    s.deployLimits.memory,
    'deploy.resources.limits.memory',
  );
  const swapOk = memory.effective !== undefined && s.memswapLimit === memory.effective;
  return [
    memory.check,
    check(
      'memory-swap',
      '5.11',
      'Swap capped at the memory limit',
      'memswap_limit = mem_limit',
      s.memswapLimit === undefined
        ? '(absent: as much swap again as memory)'
        : `memswap_limit ${s.memswapLimit}, memory ${memory.effective ?? 'unlimited'}`,
      passIf(swapOk),
    ),
    limit('cpus', '5.12', 'CPU limited', 'cpus', s.nanoCpus, s.deployLimits.nanoCpus, 'deploy.resources.limits.cpus')
      .check,
    limit(
      'pids-limit',
      '5.29',
      'PIDs limit set',
      'pids_limit',
      s.pidsLimit,
      s.deployLimits.pids,
      'deploy.resources.limits.pids',
    ).check,
  ];
}

function network(s: EffectiveService, config: EffectiveConfig): Check[] {
  const mode = s.networkMode;
  const joined = mode === undefined ? (s.networks.length > 0 ? s.networks : ['default']) : [];
  const open = joined.filter((n) => !config.networks.find((net) => net.name === n)?.internal);
  const networkStatus =
    mode === 'none'
      ? 'pass'
      : mode === 'bridge' || mode === 'default'
        ? 'fail'
        : mode !== undefined
          ? 'warn'
          : open.length === 0
            ? 'pass'
            : 'warn';
  const actual =
    mode !== undefined
      ? `network_mode: ${mode}`
      : `networks: [${joined.join(', ')}]${open.length > 0 ? `; not internal (a route off the host): ${open.join(', ')}` : ''}`;
  return [
    check(
      'host-network',
      '5.10',
      'Host network namespace not shared',
      'network_mode not host',
      mode ?? '(absent)',
      passIf(mode !== 'host'),
    ),
    check(
      'network',
      '5.30',
      'No default bridge; no network, or only internal ones',
      'network_mode: none, or internal networks',
      actual,
      mode === 'host' ? 'fail' : networkStatus,
    ),
  ];
}

function namespaces(s: EffectiveService): Check[] {
  const ns = (id: string, cis: string, what: string, key: string, value: string | undefined): Check =>
    check(
      id,
      cis,
      `Host ${what} namespace not shared`,
      `${key} not host`,
      value ?? '(absent)',
      passIf(value !== 'host'),
    );
  return [
    ns('host-pid', '5.16', 'PID', 'pid', s.pid),
    ns('host-ipc', '5.17', 'IPC', 'ipc', s.ipc),
    ns('host-uts', '5.21', 'UTS', 'uts', s.uts),
    ns('host-userns', '5.31', 'user', 'userns_mode', s.usernsMode),
    check('no-devices', '5.18', 'No host devices', 'devices: []', listText(s.devices), passIf(s.devices.length === 0)),
    check(
      'cgroup-parent',
      '5.25',
      'cgroup parent not overridden',
      'no cgroup_parent',
      s.cgroupParent ?? '(absent)',
      passIf(s.cgroupParent === undefined || s.cgroupParent === ''),
    ),
  ];
}

function mounts(s: EffectiveService): Check[] {
  const binds = s.mounts.filter((m) => m.type === 'bind' && m.source !== undefined);
  const text = (ms: typeof binds) => listText(ms.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`));
  const socket = binds.filter((m) => hostPathRisk(m.source!) === 'docker-socket' || m.target.includes('docker.sock'));
  const sensitive = binds.filter((m) => hostPathRisk(m.source!) === 'sensitive');
  return [
    check(
      'sensitive-mounts',
      '5.6',
      'No sensitive host directories mounted',
      'none of / /boot /dev /etc /lib /proc /sys /usr',
      text(sensitive),
      passIf(sensitive.length === 0),
    ),
    check(
      'docker-socket',
      '5.32',
      'Docker socket not mounted',
      'no docker.sock mount',
      text(socket),
      passIf(socket.length === 0),
    ),
  ];
}

function ports(s: EffectiveService): Check[] {
  const shown = s.ports.map(
    (p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.published || '(any)'}->${p.target}/${p.protocol}`,
  );
  const low = s.ports.filter((p) => /^\d+$/.test(p.published) && Number(p.published) > 0 && Number(p.published) < 1025);
  const anyInterface = s.ports.filter((p) => p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::');
  return [
    check(
      'published-ports',
      '5.9',
      'No ports published (only what is needed)',
      'ports: []',
      listText(shown),
      s.ports.length === 0 ? 'pass' : 'warn',
    ),
    check(
      'privileged-ports',
      '5.8',
      'No privileged host ports (<1025)',
      'host ports >= 1025',
      listText(low.map((p) => p.published)),
      low.length === 0 ? 'pass' : 'warn',
    ),
    check(
      'port-interface',
      '5.14',
      'Published ports bound to one interface',
      'host_ip set, not 0.0.0.0 or ::',
      listText(anyInterface.map((p) => `${p.published || '(any)'}->${p.target}`)),
      anyInterface.length === 0 ? 'pass' : 'warn',
    ),
  ];
}

function runtime(s: EffectiveService): Check[] {
  const driver = s.logging.driver;
  const rotates = driver !== undefined && driver !== 'json-file' ? true : s.logging.options['max-size'] !== undefined;
  const health = s.healthcheck;
  const disabled = health !== undefined && (health.disabled || health.test[0] === 'NONE');
  return [
    check(
      'ulimits',
      '5.19',
      'nofile ulimit set',
      'ulimits: { nofile: ... }',
      listText(Object.keys(s.ulimits)),
      'nofile' in s.ulimits ? 'pass' : 'warn',
    ),
    check(
      'log-rotation',
      '-',
      'Container logs rotated',
      'logging.options.max-size (json-file)',
      `${driver ?? '(default driver)'} {${Object.entries(s.logging.options)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}}`,
      rotates ? 'pass' : 'warn',
    ),
    check(
      'health',
      '5.27',
      'Health check not disabled',
      'a healthcheck (here or in the image)',
      health === undefined
        ? "(absent: the image's HEALTHCHECK applies, if any)"
        : disabled
          ? 'disabled'
          : health.test.join(' '),
      disabled ? 'fail' : health === undefined ? 'skip' : 'pass',
    ),
  ];
}
