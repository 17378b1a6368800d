/**
 * The Swarm service the hardening policy asks for: `docker service create` argv, the same
 * service as a normalised {@link Shape}, the shape of a service that exists (`docker service
 * inspect` JSON), and `docker service update` argv that turns one into the other.
 *
 * Shapes exist because `docker service update` edits lists by adding and removing entries
 * (observed on 20.10 with CLI 28: `--mount-rm` applies after `--mount-add`, so removing and adding
 * the same target removes it; `--publish-rm` removes by target port; `--log-opt` replaces all
 * options and needs `--log-driver`), so an update is computed from the difference, and the shape
 * read back after the deploy must equal the one asked for (a field the engine dropped shows up).
 * Pure: no I/O.
 */
import { parseCpus, parseMemory } from '../docker/units.js';
import { normalizeCapability, parseRestart } from '../hardening/options.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { at, bool, list, num, record, str, strings } from '../util/json-path.js';
import { mountArgs, portArgs, ulimitPair } from './flags.js';

/** Everything a service is made from. */
export type ServicePlan = {
  readonly name: string;
  /** A registry digest (`repo@sha256:…`) or an image id (`sha256:…`): never a tag. */
  readonly image: string;
  readonly policy: HardeningPolicy;
  readonly replicas: number;
  readonly reservations: { readonly memory: string; readonly cpus: string };
  readonly restartMaxAttempts: number;
  readonly monitorSeconds: number;
  /** Overlay networks by name, with their ids once they exist (ids are what specs record). */
  readonly networks: readonly { readonly name: string; readonly id: string }[];
  /** Service and container labels (the project label among them). */
  readonly labels: Readonly<Record<string, string>>;
};

/** A service reduced to comparable values; every list sorted. */
export type Shape = {
  readonly image: string;
  readonly user: string;
  readonly readOnly: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly limits: string;
  readonly reservations: string;
  readonly ulimits: readonly string[];
  readonly mounts: readonly string[];
  readonly networks: readonly string[];
  readonly ports: readonly string[];
  /** Placement preferences: `spread=node.id`, so replicas land on different nodes. */
  readonly placement: readonly string[];
  readonly log: string;
  readonly labels: readonly string[];
  /** `NAME=value`, sorted: `container.env` (an env file is refused for Swarm at load time). */
  readonly env: readonly string[];
  readonly containerLabels: readonly string[];
  readonly restart: string;
  readonly update: string;
  readonly rollback: string;
  readonly replicas: number;
};
export type ShapeField = keyof Shape;

/** Nanoseconds per second: Swarm stores durations in nanoseconds. */
export const NS = 1e9;
/** Replicas spread over nodes (`--replicas-max-per-node 1` would deadlock start-first updates on one node). */
const SPREAD = 'spread=node.id';
const sorted = (items: Iterable<string>): string[] => [...items].sort();
const pairs = (r: Readonly<Record<string, unknown>>): string[] =>
  sorted(Object.entries(r).map(([k, v]) => `${k}=${String(v)}`));

/** `on-failure` with the configured attempts: `on-failure:N` wins, else `swarm.restartMaxAttempts`. */
export function restartOf(plan: ServicePlan): { condition: string; maxAttempts: number } {
  const r = parseRestart(plan.policy.restart);
  const n = r?.name === 'on-failure' && r.maximumRetryCount > 0 ? r.maximumRetryCount : plan.restartMaxAttempts;
  return { condition: 'on-failure', maxAttempts: n };
}

const memoryBytes = (text: string): number => parseMemory(text) ?? 0;
const nanoCpus = (text: string): number => parseCpus(text) ?? 0;

/** The shape the plan asks for. */
export function desiredShape(plan: ServicePlan): Shape {
  const p = plan.policy;
  const restart = restartOf(plan);
  return {
    image: plan.image,
    user: p.user,
    readOnly: p.readOnly,
    capAdd: sorted(p.capAdd.map(normalizeCapability)),
    capDrop: ['ALL'],
    limits: `memory=${memoryBytes(p.memory)} cpus=${nanoCpus(p.cpus)} pids=${p.pidsLimit}`,
    reservations: `memory=${memoryBytes(plan.reservations.memory)} cpus=${nanoCpus(plan.reservations.cpus)}`,
    ulimits: sorted(Object.entries(p.ulimits).map(([n, v]) => `${n}=${ulimitPair(v)}`)),
    mounts: sorted(mountArgs(p).map((m) => m.shape)),
    networks: sorted(plan.networks.map((n) => n.id)),
    ports: sorted(portArgs(p).map((x) => x.shape)),
    placement: [SPREAD],
    log: `json-file ${pairs(p.logOpts).join(' ')}`,
    labels: pairs(plan.labels),
    env: pairs(p.env),
    containerLabels: pairs(plan.labels),
    restart: `${restart.condition}:${restart.maxAttempts}`,
    update: `start-first rollback monitor=${plan.monitorSeconds * NS} parallelism=1`,
    rollback: `start-first pause monitor=${plan.monitorSeconds * NS}`,
    replicas: plan.replicas,
  };
}

/** The shape of `docker service inspect` element [0]. */
export function shapeOf(service: unknown): Shape {
  const spec = at(service, 'Spec');
  const task = at(spec, 'TaskTemplate');
  const c = at(task, 'ContainerSpec');
  const limits = at(task, 'Resources', 'Limits');
  const reserve = at(task, 'Resources', 'Reservations');
  const mounts = list(at(c, 'Mounts')).map((m) => {
    const type = str(at(m, 'Type')) ?? '';
    const target = str(at(m, 'Target')) ?? '';
    if (type === 'tmpfs')
      return `tmpfs:${target}:${num(at(m, 'TmpfsOptions', 'SizeBytes')) ?? 0}:${num(at(m, 'TmpfsOptions', 'Mode')) ?? 0}`;
    return `${type}:${str(at(m, 'Source')) ?? ''}:${target}${bool(at(m, 'ReadOnly')) ? ':ro' : ''}`;
  });
  const ports = list(at(spec, 'EndpointSpec', 'Ports')).map(
    (p) => `${num(at(p, 'PublishedPort')) ?? '*'}:${num(at(p, 'TargetPort')) ?? 0}/${str(at(p, 'Protocol')) ?? 'tcp'}`,
  );
  const u = at(spec, 'UpdateConfig');
  const r = at(spec, 'RollbackConfig');
  return {
    image: str(at(c, 'Image')) ?? '',
    user: str(at(c, 'User')) ?? '',
    readOnly: bool(at(c, 'ReadOnly')) ?? false,
    capAdd: sorted(strings(at(c, 'CapabilityAdd')).map(normalizeCapability)),
    capDrop: sorted(strings(at(c, 'CapabilityDrop')).map(normalizeCapability)),
    limits: `memory=${num(at(limits, 'MemoryBytes')) ?? 0} cpus=${num(at(limits, 'NanoCPUs')) ?? 0} pids=${num(at(limits, 'Pids')) ?? 0}`,
    reservations: `memory=${num(at(reserve, 'MemoryBytes')) ?? 0} cpus=${num(at(reserve, 'NanoCPUs')) ?? 0}`,
    ulimits: sorted(
      list(at(c, 'Ulimits')).map(
        (x) => `${str(at(x, 'Name')) ?? ''}=${num(at(x, 'Soft')) ?? 0}:${num(at(x, 'Hard')) ?? 0}`,
      ),
    ),
    mounts: sorted(mounts),
    networks: sorted(list(at(task, 'Networks')).map((n) => str(at(n, 'Target')) ?? '')),
    ports: sorted(ports),
    placement: sorted(
      list(at(task, 'Placement', 'Preferences')).map((x) => `spread=${str(at(x, 'Spread', 'SpreadDescriptor')) ?? ''}`),
    ),
    log: `${str(at(task, 'LogDriver', 'Name')) ?? ''} ${pairs(record(at(task, 'LogDriver', 'Options'))).join(' ')}`,
    labels: pairs(record(at(spec, 'Labels'))),
    env: sorted(strings(at(c, 'Env'))),
    containerLabels: pairs(record(at(c, 'Labels'))),
    restart: `${str(at(task, 'RestartPolicy', 'Condition')) ?? 'any'}:${num(at(task, 'RestartPolicy', 'MaxAttempts')) ?? 0}`,
    update: `${str(at(u, 'Order')) ?? ''} ${str(at(u, 'FailureAction')) ?? ''} monitor=${num(at(u, 'Monitor')) ?? 0} parallelism=${num(at(u, 'Parallelism')) ?? 0}`,
    rollback: `${str(at(r, 'Order')) ?? ''} ${str(at(r, 'FailureAction')) ?? ''} monitor=${num(at(r, 'Monitor')) ?? 0}`,
    replicas: num(at(spec, 'Mode', 'Replicated', 'Replicas')) ?? 0,
  };
}

/** The fields where `actual` is not what `want` asks (a `*` published port matches any). */
export function shapeDrift(want: Shape, actual: Shape): ShapeField[] {
  return (Object.keys(want) as ShapeField[]).filter((field) => {
    if (field === 'ports') return !portsMatch(want.ports, actual.ports);
    return JSON.stringify(want[field]) !== JSON.stringify(actual[field]);
  });
}

function portsMatch(want: readonly string[], actual: readonly string[]): boolean {
  if (want.length !== actual.length) return false;
  const rest = [...actual];
  return want.every((w) => {
    const i = rest.findIndex((a) => a === w || (w.startsWith('*:') && a.endsWith(w.slice(1))));
    return i >= 0 && rest.splice(i, 1).length === 1;
  });
}

/** The settings both create and update pass whole (scalars, and lists the CLI replaces). */
function scalarArgs(plan: ServicePlan): string[] {
  const p = plan.policy;
  const restart = restartOf(plan);
  const monitor = `${plan.monitorSeconds}s`;
  return [
    '--user',
    p.user,
    `--read-only=${p.readOnly}`,
    '--limit-memory',
    p.memory,
    '--limit-cpu',
    p.cpus,
    '--limit-pids',
    String(p.pidsLimit),
    '--reserve-memory',
    plan.reservations.memory,
    '--reserve-cpu',
    plan.reservations.cpus,
    '--restart-condition',
    restart.condition,
    '--restart-max-attempts',
    String(restart.maxAttempts),
    '--update-order',
    'start-first',
    '--update-failure-action',
    'rollback',
    '--update-monitor',
    monitor,
    '--update-parallelism',
    '1',
    '--rollback-order',
    'start-first',
    '--rollback-failure-action',
    'pause',
    '--rollback-monitor',
    monitor,
    '--log-driver',
    'json-file',
    ...Object.entries(p.logOpts).flatMap(([k, v]) => ['--log-opt', `${k}=${v}`]),
    '--replicas',
    String(plan.replicas),
  ];
}

/**
 * `docker service create` argv (without `docker`); `--detach`: the deploy waits itself, bounded.
 * `printOnly` (`--dry-run`, where the image is only known by its tag) skips the digest guard.
 */
export function createArgs(plan: ServicePlan, options: { printOnly?: boolean } = {}): string[] {
  if (!options.printOnly) guardImage(plan.image);
  const p = plan.policy;
  return [
    'service',
    'create',
    '--detach',
    '--quiet',
    '--no-resolve-image',
    '--name',
    plan.name,
    ...Object.entries(plan.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`, '--container-label', `${k}=${v}`]),
    ...scalarArgs(plan),
    '--cap-drop',
    'ALL',
    ...p.capAdd.flatMap((c) => ['--cap-add', c]),
    ...Object.entries(p.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...Object.entries(p.ulimits).flatMap(([n, v]) => ['--ulimit', `${n}=${ulimitPair(v)}`]),
    ...mountArgs(p).flatMap((m) => ['--mount', m.value]),
    ...plan.networks.flatMap((n) => ['--network', n.name]),
    ...portArgs(p).flatMap((x) => ['--publish', x.value]),
    '--placement-pref',
    SPREAD,
    ...(plan.image.includes('@') ? ['--with-registry-auth'] : []),
    plan.image,
  ];
}

/**
 * `docker service update` argv turning `current` (the service's spec read back) into the plan:
 * whole values for scalars, removals of what is not wanted and additions of what is, for lists.
 */
export function updateArgs(plan: ServicePlan, current: Shape, currentService: unknown, force = false): string[] {
  guardImage(plan.image);
  const p = plan.policy;
  const args = ['service', 'update', '--detach', '--quiet', '--no-resolve-image', '--image', plan.image];
  // --force (ours) rolls the tasks even when the spec is unchanged; Swarm's --force does just that.
  if (force) args.push('--force');
  const labels = record(at(currentService, 'Spec', 'Labels'));
  const containerLabels = record(at(currentService, 'Spec', 'TaskTemplate', 'ContainerSpec', 'Labels'));
  for (const k of Object.keys(labels)) if (!(k in plan.labels)) args.push('--label-rm', k);
  for (const k of Object.keys(containerLabels)) if (!(k in plan.labels)) args.push('--container-label-rm', k);
  for (const [k, v] of Object.entries(plan.labels))
    args.push('--label-add', `${k}=${v}`, '--container-label-add', `${k}=${v}`);
  args.push(...scalarArgs(plan));
  const wantCaps = new Set(p.capAdd.map(normalizeCapability));
  for (const cap of current.capAdd) if (!wantCaps.has(cap)) args.push('--cap-drop', cap);
  args.push('--cap-drop', 'ALL', ...p.capAdd.flatMap((c) => ['--cap-add', c]));
  // --env-add replaces a name's value; only names no longer wanted are removed.
  for (const e of current.env) {
    const name = e.includes('=') ? e.slice(0, e.indexOf('=')) : e;
    if (!Object.hasOwn(p.env, name)) args.push('--env-rm', name);
  }
  for (const [k, v] of Object.entries(p.env)) args.push('--env-add', `${k}=${v}`);
  for (const u of current.ulimits) args.push('--ulimit-rm', u.slice(0, u.indexOf('=')));
  for (const [n, v] of Object.entries(p.ulimits)) args.push('--ulimit-add', `${n}=${ulimitPair(v)}`);
  const mounts = mountArgs(p);
  const wantTargets = new Set(mounts.map((m) => m.target));
  for (const m of list(at(currentService, 'Spec', 'TaskTemplate', 'ContainerSpec', 'Mounts'))) {
    const target = str(at(m, 'Target')) ?? '';
    if (!wantTargets.has(target)) args.push('--mount-rm', target);
  }
  for (const m of mounts) args.push('--mount-add', m.value);
  const wantIds = new Set(plan.networks.map((n) => n.id));
  for (const id of current.networks) if (!wantIds.has(id)) args.push('--network-rm', id);
  for (const n of plan.networks) if (!current.networks.includes(n.id)) args.push('--network-add', n.name);
  for (const pref of current.placement) if (pref !== SPREAD) args.push('--placement-pref-rm', pref);
  if (!current.placement.includes(SPREAD)) args.push('--placement-pref-add', SPREAD);
  if (!portsMatch(desiredShape(plan).ports, current.ports)) {
    const targets = new Set(current.ports.map((s) => s.slice(s.indexOf(':') + 1, s.indexOf('/'))));
    for (const t of targets) args.push('--publish-rm', t);
    for (const x of portArgs(p)) args.push('--publish-add', x.value);
  }
  args.push(plan.name);
  return args;
}

/** The image is the one positional argument: it must be a digest or an id, and not an option. */
function guardImage(image: string): void {
  if (image === '' || image.startsWith('-') || !(image.startsWith('sha256:') || image.includes('@sha256:')))
    throw new Error(
      `Internal error: a service image must be an image id or a registry digest, got ${JSON.stringify(image)}`,
    );
}
