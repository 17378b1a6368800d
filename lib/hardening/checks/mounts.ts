/**
 * Inspect checks on what is mounted into the container: sensitive host paths, the Docker socket,
 * shared mount propagation and drift from the configured volumes. They work on the top-level
 * `Mounts[]` list, read once into a small {@link Mount} shape, and reuse the policy's volume
 * parsing (../volumes.ts).
 */

import { at, bool, list, str } from '../../util/json-path.js';
import type { HardeningPolicy } from '../policy.js';
import { hostPathRisk, parseVolume } from '../volumes.js';
import type { Check } from './common.js';
import { check, listText, passIf } from './common.js';

/** The top-level `Mounts[]` covers both `-v` (HostConfig.Binds) and `--mount` (HostConfig.Mounts). */
type Mount = {
  readonly type: string;
  readonly name: string;
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
  readonly propagation: string;
};

function readMounts(c: unknown): Mount[] {
  return list(at(c, 'Mounts')).map((m) => ({
    type: str(at(m, 'Type')) ?? '',
    name: str(at(m, 'Name')) ?? '',
    source: str(at(m, 'Source')) ?? '',
    destination: str(at(m, 'Destination')) ?? '',
    rw: bool(at(m, 'RW')) ?? false,
    propagation: str(at(m, 'Propagation')) ?? '',
  }));
}

const mountText = (m: Mount): string =>
  `${m.type === 'volume' ? m.name : m.source}:${m.destination}${m.rw ? '' : ':ro'}`;

export function mountChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const mounts = readMounts(c);
  // Volume sources live under the engine's data root; only host paths chosen by the user matter.
  const hostMounts = mounts.filter((m) => m.type === 'bind' || m.type === '');
  const sensitive = hostMounts.filter((m) => hostPathRisk(m.source) === 'sensitive');
  const socket = mounts.filter(
    (m) =>
      m.source.includes('docker.sock') ||
      m.destination.includes('docker.sock') ||
      (hostMounts.includes(m) && hostPathRisk(m.source) === 'docker-socket'),
  );
  const shared = mounts.filter((m) => m.propagation === 'shared' || m.propagation === 'rshared');

  const missing = policy.volumes.filter((spec) => {
    const v = parseVolume(spec);
    if (v === undefined) return true;
    const wantRw = !v.options.split(',').includes('ro');
    return !mounts.some(
      (m) =>
        m.destination === v.target &&
        m.rw === wantRw &&
        (v.bind ? m.type === 'bind' && m.source === v.source : m.type === 'volume' && m.name === v.source),
    );
  });
  const targets = new Set(policy.volumes.map((spec) => parseVolume(spec)?.target));
  const extra = mounts.filter((m) => !targets.has(m.destination));
  const volumesActual =
    listText(mounts.map(mountText)) + (extra.length > 0 ? `; unexpected: ${listText(extra.map(mountText))}` : '');
  return [
    check(
      'sensitive-mounts',
      '5.6',
      'No sensitive host directories mounted',
      'none of / /boot /dev /etc /lib /proc /sys /usr',
      listText(sensitive.map(mountText)),
      passIf(sensitive.length === 0),
    ),
    check(
      'docker-socket',
      '5.32',
      'Docker socket not mounted',
      'no docker.sock mount',
      listText(socket.map(mountText)),
      passIf(socket.length === 0),
    ),
    check(
      'mount-propagation',
      '5.20',
      'Mount propagation not shared',
      'no shared/rshared',
      listText(shared.map((m) => `${m.destination} ${m.propagation}`)),
      passIf(shared.length === 0),
    ),
    // A mount the policy does not list (e.g. an image VOLUME) is drift, not necessarily a hole.
    check(
      'volumes',
      '-',
      'Configured volumes mounted',
      listText(policy.volumes),
      volumesActual,
      missing.length > 0 ? 'fail' : extra.length > 0 ? 'warn' : 'pass',
    ),
  ];
}
