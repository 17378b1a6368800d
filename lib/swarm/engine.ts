/**
 * What the deploy reads from the Swarm through the docker CLI: the manager's state, services,
 * tasks, overlay networks, and the nodes' engines (a task container can only be inspected on the
 * engine of the node that runs it). Read-only, but for creating an overlay network.
 */
import { docker } from '../docker/cli.js';
import type { TaskContext } from '../engine/task.js';
import { at, num, str } from '../util/json-path.js';

/** `docker service inspect` element [0], or undefined when there is no such service. */
export async function inspectService(
  ctx: TaskContext,
  name: string,
  options: { critical?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  const r = await docker(ctx, ['service', 'inspect', name], { nothrow: true, silent: true, ...options });
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0];
}

/** A task as the deploy needs it. */
export type SwarmTask = {
  readonly id: string;
  readonly slot: number;
  readonly nodeId: string;
  readonly image: string;
  readonly state: string;
  readonly desired: string;
  readonly error: string;
  readonly containerId: string;
  readonly exitCode: number;
};

/** The service's tasks (all of them, or only those Swarm wants running). */
export async function serviceTasks(
  ctx: TaskContext,
  name: string,
  options: { running?: boolean; critical?: boolean } = {},
): Promise<SwarmTask[]> {
  const filter = options.running ? ['--filter', 'desired-state=running'] : [];
  const crit = options.critical ? { critical: true } : {};
  const ids = await docker(ctx, ['service', 'ps', '--quiet', '--no-trunc', ...filter, name], {
    nothrow: true,
    silent: true,
    ...crit,
  });
  const list = ids.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (ids.exitCode !== 0 || list.length === 0) return [];
  const r = await docker(ctx, ['inspect', '--type', 'task', ...list], { nothrow: true, silent: true, ...crit });
  if (r.exitCode !== 0) return [];
  return (JSON.parse(r.stdout) as unknown[]).map((t) => ({
    id: str(at(t, 'ID')) ?? '',
    slot: num(at(t, 'Slot')) ?? 0,
    nodeId: str(at(t, 'NodeID')) ?? '',
    image: str(at(t, 'Spec', 'ContainerSpec', 'Image')) ?? '',
    state: str(at(t, 'Status', 'State')) ?? '',
    desired: str(at(t, 'DesiredState')) ?? '',
    error: str(at(t, 'Status', 'Err')) ?? '',
    containerId: str(at(t, 'Status', 'ContainerStatus', 'ContainerID')) ?? '',
    exitCode: num(at(t, 'Status', 'ContainerStatus', 'ExitCode')) ?? 0,
  }));
}

/** The engine's swarm role: `{ active, manager, nodeId }`. */
export async function swarmState(ctx: TaskContext): Promise<{ active: boolean; manager: boolean; nodeId: string }> {
  const r = await docker(ctx, ['info', '--format', '{{json .Swarm}}'], { silent: true });
  const s = JSON.parse(r.stdout || '{}') as unknown;
  return {
    active: str(at(s, 'LocalNodeState')) === 'active',
    manager: at(s, 'ControlAvailable') === true,
    nodeId: str(at(s, 'NodeID')) ?? '',
  };
}

/** The engine's API version (`1.41`), which decides what a service spec can carry. */
export async function apiVersion(ctx: TaskContext): Promise<string> {
  const r = await docker(ctx, ['version', '--format', '{{.Server.APIVersion}}'], { silent: true });
  return r.stdout.trim();
}

/**
 * Node id → the `--host` value that reaches that node's engine: `''` for the engine the deploy
 * talks to, then every configured `swarm.nodeHosts` entry, asked for its node id.
 */
export async function nodeEngines(ctx: TaskContext, localNodeId: string): Promise<Map<string, string>> {
  const engines = new Map<string, string>([[localNodeId, '']]);
  for (const host of ctx.config.swarm.nodeHosts) {
    const r = await docker(ctx, [`--host=${host}`, 'info', '--format', '{{.Swarm.NodeID}}'], {
      nothrow: true,
      silent: true,
    });
    const id = r.stdout.trim();
    if (r.exitCode === 0 && id !== '') engines.set(id, host);
    else ctx.progress(`swarm.nodeHosts: ${host} does not answer (${r.stderr.trim().split('\n')[0] ?? ''})`);
  }
  return engines;
}

/** `docker container inspect` of a task container on the engine `host` ('' = the local one). */
export async function inspectOn(
  ctx: TaskContext,
  host: string,
  containerId: string,
  options: { critical?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  const r = await docker(ctx, [...hostArgs(host), 'container', 'inspect', containerId], {
    nothrow: true,
    silent: true,
    ...options,
  });
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0];
}

export const hostArgs = (host: string): string[] => (host === '' ? [] : [`--host=${host}`]);

/** The hostname Swarm knows a node by (for messages), or its id when it cannot be read. */
export async function nodeName(ctx: TaskContext, nodeId: string): Promise<string> {
  if (nodeId === '') return '(no node)';
  const r = await docker(ctx, ['node', 'inspect', '--format', '{{.Description.Hostname}}', nodeId], {
    nothrow: true,
    silent: true,
  });
  return r.exitCode === 0 && r.stdout.trim() ? `${r.stdout.trim()} (${nodeId.slice(0, 12)})` : nodeId.slice(0, 12);
}

/**
 * The overlay network `name`, created (with the project label) when missing; returns its id. A
 * network of that name that is not a swarm-scoped overlay with the wanted `internal` is refused.
 */
export async function ensureOverlay(ctx: TaskContext, name: string, internal: boolean, label: string): Promise<string> {
  const existing = await docker(ctx, ['network', 'inspect', name], { nothrow: true, silent: true });
  if (existing.exitCode === 0 && !ctx.flags.dryRun) {
    const n = (JSON.parse(existing.stdout) as unknown[])[0];
    const driver = str(at(n, 'Driver'));
    if (driver !== 'overlay' || str(at(n, 'Scope')) !== 'swarm' || (at(n, 'Internal') === true) !== internal) {
      return ctx.fail({
        reason: 'task-error',
        message: `network ${name} exists as a ${str(at(n, 'Scope')) ?? '?'} ${driver ?? '?'} network with Internal=${at(n, 'Internal') === true}; a Swarm service needs a swarm overlay with Internal=${internal}`,
        hint: 'set container.network.name to a network name not used by a local deploy, or remove that network',
      });
    }
    return str(at(n, 'Id')) ?? name;
  }
  const created = await docker(ctx, [
    'network',
    'create',
    '--driver',
    'overlay',
    '--label',
    label,
    ...(internal ? ['--internal'] : []),
    name,
  ]);
  return created.stdout.trim() || name;
}
