/**
 * compose-audit's checks of what a service can reach and what reaches it (network, namespaces,
 * devices, host mounts, published ports) and how it runs (ulimits, log rotation, health), on the
 * effective config. ./audit.ts runs them with the identity, privilege and limit checks.
 */
import { type Check, check, listText, passIf } from '../hardening/checks/common.js';
import { hostPathRisk } from '../hardening/volumes.js';
import type { EffectiveConfig, EffectiveService } from './effective.js';

export function network(s: EffectiveService, config: EffectiveConfig): Check[] {
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

export function namespaces(s: EffectiveService): Check[] {
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

export function mounts(s: EffectiveService): Check[] {
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

export function ports(s: EffectiveService): Check[] {
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

export function runtime(s: EffectiveService): Check[] {
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
