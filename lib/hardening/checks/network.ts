/**
 * Inspect checks on the container's network exposure: the host network, the attachment to the
 * configured user-defined network (and that network's ICC/NAT/internal options, from
 * `docker network inspect`), and the published ports, with their own parsing (port specs and
 * PortBindings).
 */

import { at, bool, list, record, show, str } from '../../util/json-path.js';
import type { HardeningPolicy } from '../policy.js';
import type { Check } from './common.js';
import { check, hc, listText, passIf } from './common.js';

export function networkChecks(c: unknown, policy: HardeningPolicy, networkInspect: unknown): Check[] {
  const mode = str(hc(c, 'NetworkMode')) ?? '';
  const networks = Object.keys(record(at(c, 'NetworkSettings', 'Networks')));
  const want = policy.network.mode === 'none' ? 'none' : policy.network.name;
  const onDefaultBridge = mode === 'default' || mode === 'bridge' || networks.includes('bridge');
  const networkOk = !onDefaultBridge && mode === want && networks.every((n) => n === want);
  const checks = [
    check(
      'host-network',
      '5.10',
      'Host network namespace not shared',
      'NetworkMode not "host"',
      show(mode),
      passIf(mode !== 'host'),
    ),
    check(
      'network',
      '5.30',
      'Not on the default bridge, attached as configured',
      `NetworkMode=${want}`,
      `NetworkMode=${show(mode)} Networks=[${networks.join(', ')}]`,
      passIf(networkOk),
    ),
  ];
  const title = 'User-defined network: ICC and NAT off';
  if (policy.network.mode === 'none') {
    checks.push(check('network-isolation', '-', title, 'n/a (network none)', 'n/a', 'skip'));
  } else if (networkInspect === undefined) {
    checks.push(check('network-isolation', '-', title, policy.network.name, 'network inspect not provided', 'skip'));
  } else {
    const n: unknown =
      Array.isArray(networkInspect) && networkInspect.length === 1 ? networkInspect[0] : networkInspect;
    const options = record(at(n, 'Options'));
    const icc = str(options['com.docker.network.bridge.enable_icc']) ?? '(unset: true)';
    const masquerade = str(options['com.docker.network.bridge.enable_ip_masquerade']) ?? '(unset: true)';
    const internal = bool(at(n, 'Internal')) ?? false;
    const name = str(at(n, 'Name')) ?? '';
    const ok =
      name === policy.network.name && icc === 'false' && masquerade === 'false' && internal === policy.network.internal;
    checks.push(
      check(
        'network-isolation',
        '-',
        title,
        `${policy.network.name}: enable_icc=false enable_ip_masquerade=false Internal=${policy.network.internal}`,
        `${show(name)}: enable_icc=${icc} enable_ip_masquerade=${masquerade} Internal=${internal}`,
        passIf(ok),
      ),
    );
  }
  return checks;
}

/** `ip:hostPort->containerPort/proto`, the shape both policy specs and PortBindings are reduced to. */
function parsePortSpec(spec: string): string | undefined {
  let rest = spec.trim();
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) [rest, proto] = [rest.slice(0, slash), rest.slice(slash + 1)];
  let ip = '';
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']:');
    if (end < 0) return undefined;
    [ip, rest] = [rest.slice(1, end), rest.slice(end + 2)];
  }
  const parts = rest.split(':');
  const [containerPort = '', hostPort = '', hostIp = ip] = [...parts].reverse();
  if (
    parts.length > 3 ||
    (parts.length === 3 && ip !== '') ||
    !/^\d+$/.test(containerPort) ||
    !/^\d*$/.test(hostPort) ||
    !/^(tcp|udp|sctp)$/.test(proto)
  ) {
    return undefined;
  }
  return `${hostIp}:${hostPort}->${containerPort}/${proto}`;
}

export function portChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const bindings = Object.entries(record(hc(c, 'PortBindings'))).flatMap(([port, list_]) =>
    list(list_).map((b) => ({ port, hostIp: str(at(b, 'HostIp')) ?? '', hostPort: str(at(b, 'HostPort')) ?? '' })),
  );
  const actual = bindings.map((b) => `${b.hostIp}:${b.hostPort}->${b.port}`).sort();
  const wanted = policy.ports.map(parsePortSpec);
  const publishAll = bool(hc(c, 'PublishAllPorts')) ?? false;
  const comparable = wanted.every((w) => w !== undefined);
  const same = comparable && JSON.stringify([...wanted].sort()) === JSON.stringify(actual);
  const lowPorts = bindings.filter(
    (b) => /^\d+$/.test(b.hostPort) && Number(b.hostPort) > 0 && Number(b.hostPort) < 1025,
  );
  const anyInterface = bindings.filter((b) => b.hostIp === '' || b.hostIp === '0.0.0.0' || b.hostIp === '::');
  const describe = (bs: typeof bindings): string => listText(bs.map((b) => `${b.hostIp}:${b.hostPort}->${b.port}`));
  // What the engine really publishes (NetworkSettings.Ports), which is nothing at all when the
  // container has no network or an internal one, whatever HostConfig.PortBindings asks for.
  const published = Object.values(record(at(c, 'NetworkSettings', 'Ports'))).some((v) => list(v).length > 0);
  const portsStatus =
    !comparable || !same || publishAll ? (comparable ? 'fail' : 'warn') : bindings.length === 0 ? 'pass' : 'warn';
  return [
    check(
      'published-ports',
      '5.9',
      'No published ports, or only the configured ones (each is a way in: WARN)',
      listText(policy.ports),
      listText(actual) +
        (publishAll ? ' PublishAllPorts=true' : '') +
        (bindings.length > 0 && !published ? ' (requested, but the engine publishes none)' : '') +
        (comparable ? '' : ' (a configured port spec could not be parsed)'),
      portsStatus,
    ),
    check(
      'privileged-ports',
      '5.8',
      'No privileged host ports (<1025)',
      'host ports >= 1025',
      describe(lowPorts),
      lowPorts.length === 0 ? 'pass' : 'warn',
    ),
    check(
      'port-interface',
      '5.14',
      'Published ports bound to one interface',
      'HostIp not ""/0.0.0.0/::',
      describe(anyInterface),
      anyInterface.length === 0 ? 'pass' : 'warn',
    ),
  ];
}
