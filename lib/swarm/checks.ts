/**
 * Verifying a Swarm deploy: the service spec read back against the one asked for, the overlay
 * network's isolation, and the inspect checks of lib/hardening/checks on every running task
 * container, with the few checks whose local meaning does not hold for a task replaced by their
 * Swarm equivalent (restart policy and published ports live on the service; tmpfs mounts are
 * `HostConfig.Mounts` entries; a task's NetworkMode is "default" while it sits only on its overlay).
 * A setting `swarm.allowUnsupported` accepted shows as WARN, never as PASS. Pure: no I/O.
 */
import { type Check, type CheckStatus, check, passIf } from '../hardening/checks/common.js';
import { verifyContainer } from '../hardening/checks/index.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { at, bool, list, num, record, show, str } from '../util/json-path.js';
import { type Shape, type ShapeField, shapeDrift } from './spec.js';
import { tmpfsOptions, type Unsupported } from './unsupported.js';

const FIELD_CHECKS: Readonly<Record<ShapeField, { readonly cis: string; readonly title: string }>> = {
  image: { cis: '5.28', title: 'Service runs the scanned image by id or digest' },
  user: { cis: '4.1', title: 'Service user is the non-root numeric user' },
  readOnly: { cis: '5.13', title: 'Service root filesystem read-only' },
  capAdd: { cis: '5.4', title: 'Service adds only the allowlisted capabilities' },
  capDrop: { cis: '5.4', title: 'Service drops all capabilities' },
  limits: { cis: '5.11', title: 'Service memory, CPU and PIDs limits' },
  reservations: { cis: '-', title: 'Service memory and CPU reservations' },
  ulimits: { cis: '5.19', title: 'Service ulimits' },
  mounts: { cis: '-', title: 'Service volumes and tmpfs mounts' },
  networks: { cis: '5.30', title: 'Service attached to its overlay networks only' },
  ports: { cis: '5.9', title: 'Service publishes only the configured ports' },
  placement: { cis: '-', title: 'Replicas spread over nodes' },
  log: { cis: '-', title: 'Service log driver and rotation' },
  labels: { cis: '-', title: 'Service labels' },
  env: { cis: '-', title: 'Environment (container.env)' },
  containerLabels: { cis: '-', title: 'Task container labels' },
  restart: { cis: '5.15', title: 'Restart condition on-failure with bounded attempts' },
  update: { cis: '-', title: 'Update start-first, rolled back on failure, monitored' },
  rollback: { cis: '-', title: 'Rollback start-first' },
  replicas: { cis: '-', title: 'Replicas' },
};

/** One check per field of the service spec, plus one WARN per accepted unsupported setting. */
export function serviceChecks(want: Shape, actual: Shape, accepted: readonly Unsupported[]): Check[] {
  const drift = new Set(shapeDrift(want, actual));
  const text = (v: unknown) => (Array.isArray(v) ? (v.length === 0 ? '(none)' : v.join(', ')) : String(v));
  // A check's expected/actual is printed: values of secret-looking names are not.
  const masked = (field: ShapeField, v: unknown) =>
    field === 'env' && Array.isArray(v)
      ? v.map((e: string) =>
          /TOKEN|KEY|SECRET|PASSWORD|PASS/i.test(e.split('=')[0] ?? '') ? `${e.split('=')[0]}=***` : e,
        )
      : v;
  const checks = (Object.keys(FIELD_CHECKS) as ShapeField[]).map((field) =>
    check(
      `swarm-${field}`,
      FIELD_CHECKS[field].cis,
      FIELD_CHECKS[field].title,
      text(masked(field, want[field])),
      text(masked(field, actual[field])),
      passIf(!drift.has(field)),
    ),
  );
  for (const u of accepted)
    checks.push(
      check(
        `swarm-not-applied:${u.id}`,
        '-',
        `Accepted: Swarm cannot apply ${u.setting}`,
        u.setting,
        u.instead,
        'warn',
      ),
    );
  return checks;
}

/** The overlay network's isolation: overlay, swarm scope, not attachable, internal as configured. */
export function overlayCheck(networkInspect: unknown, name: string, internal: boolean): Check {
  const n: unknown = Array.isArray(networkInspect) && networkInspect.length === 1 ? networkInspect[0] : networkInspect;
  const driver = str(at(n, 'Driver')) ?? '';
  const scope = str(at(n, 'Scope')) ?? '';
  const isInternal = bool(at(n, 'Internal')) ?? false;
  const attachable = bool(at(n, 'Attachable')) ?? false;
  const ok = driver === 'overlay' && scope === 'swarm' && isInternal === internal && !attachable;
  return check(
    'swarm-network-isolation',
    '-',
    'Overlay network: internal as configured, not attachable',
    `${name}: overlay swarm Internal=${internal} Attachable=false`,
    n === undefined
      ? '(network not found)'
      : `${name}: ${driver} ${scope} Internal=${isInternal} Attachable=${attachable}`,
    passIf(ok),
  );
}

/** Checks whose subject is the service, not the task container: skipped there, with where to look. */
const ON_THE_SERVICE: Readonly<Record<string, string>> = {
  'restart-policy': 'Swarm restarts tasks itself: see swarm-restart',
  'network-isolation': 'see swarm-network-isolation',
  'published-ports': 'ports are published by the routing mesh: see swarm-ports',
  'privileged-ports': 'see swarm-ports',
  'port-interface': 'see swarm-ports',
  // Swarm has no per-container soft memory minimum or CPU weight: its reservations
  // (deploy.reservations) are for scheduling and are checked on the service spec.
  'memory-reservation': 'Swarm reserves memory for scheduling: see the service reservations',
  'cpu-shares': 'Swarm has no per-task CPU weight: see the service reservations',
};

/** Container checks that fail for an accepted unsupported setting: WARN instead, saying so. */
const ACCEPTED_BY: Readonly<Record<string, Unsupported['id']>> = {
  'no-new-privileges': 'no-new-privileges',
  'memory-swap': 'memory-swap',
  capabilities: 'capabilities',
  'pids-limit': 'pids-limit',
  ulimits: 'ulimits',
};

export type TaskCheckOptions = {
  readonly policy: HardeningPolicy;
  readonly expectedImageId: string;
  /** Names of the overlay networks the task must be on, and only those. */
  readonly networks: readonly string[];
  readonly accepted: readonly Unsupported[];
  /** Prefix of every check id, e.g. `task.1` (ids stay unique across tasks). */
  readonly label: string;
};

/** Every inspect check on one task container (`docker inspect` element [0]). */
export function taskContainerChecks(inspect: unknown, o: TaskCheckOptions): Check[] {
  const c: unknown = Array.isArray(inspect) && inspect.length === 1 ? inspect[0] : inspect;
  // tmpfs mounts are checked below from HostConfig.Mounts; out of Mounts they are not volume drift.
  const withoutTmpfs =
    typeof c === 'object' && c !== null
      ? { ...c, Mounts: list(at(c, 'Mounts')).filter((m) => str(at(m, 'Type')) !== 'tmpfs') }
      : c;
  const accepted = new Set(o.accepted.map((u) => u.id));
  const checks = verifyContainer(withoutTmpfs, o.policy, { expectedImageId: o.expectedImageId }).map((ch): Check => {
    const onService = ON_THE_SERVICE[ch.id];
    if (onService) return { ...ch, expected: 'n/a for a task', actual: onService, status: 'skip' };
    if (ch.id === 'tmpfs') return tmpfsCheck(c, o.policy);
    if (ch.id === 'network') return networkCheck(c, o.networks);
    const by = ACCEPTED_BY[ch.id];
    if (ch.status === 'fail' && by && accepted.has(by))
      return {
        ...ch,
        actual: `${ch.actual} (not applied by Swarm; accepted by swarm.allowUnsupported)`,
        status: 'warn',
      };
    return ch;
  });
  return checks.map((ch) => ({ ...ch, id: `${o.label}:${ch.id}` }));
}

function tmpfsCheck(c: unknown, policy: HardeningPolicy): Check {
  const mounts = list(at(c, 'HostConfig', 'Mounts')).filter((m) => str(at(m, 'Type')) === 'tmpfs');
  const shown = mounts.map(
    (m) =>
      `${str(at(m, 'Target')) ?? ''} size=${num(at(m, 'TmpfsOptions', 'SizeBytes')) ?? 0} mode=${(num(at(m, 'TmpfsOptions', 'Mode')) ?? 0).toString(8)}`,
  );
  const ok = policy.tmpfs.every((spec) => {
    const t = tmpfsOptions(spec);
    return mounts.some(
      (m) =>
        str(at(m, 'Target')) === t.path &&
        (t.sizeBytes === undefined || num(at(m, 'TmpfsOptions', 'SizeBytes')) === t.sizeBytes) &&
        (t.mode === undefined || num(at(m, 'TmpfsOptions', 'Mode')) === t.mode),
    );
  });
  return check(
    'tmpfs',
    '-',
    'Writable tmpfs for scratch paths (Swarm mounts them rw,nosuid,nodev,noexec)',
    policy.tmpfs.join(', ') || '(none)',
    shown.join(', ') || '(none)',
    passIf(ok),
  );
}

function networkCheck(c: unknown, want: readonly string[]): Check {
  const mode = str(at(c, 'HostConfig', 'NetworkMode')) ?? '';
  const networks = Object.keys(record(at(c, 'NetworkSettings', 'Networks'))).sort();
  const ok = mode !== 'host' && JSON.stringify(networks) === JSON.stringify([...want].sort());
  const status: CheckStatus = passIf(ok);
  return check(
    'network',
    '5.30',
    'Task on its overlay networks only (not the default bridge)',
    `Networks=[${want.join(', ')}]`,
    `NetworkMode=${show(mode)} Networks=[${networks.join(', ')}]`,
    status,
  );
}
