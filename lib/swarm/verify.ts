/**
 * After a Swarm deploy converged: read the service back and inspect every running task container
 * on the engine of its node, and run the checks of ./checks.ts. A task whose node's engine cannot
 * be reached is a failing check, never a skipped one: "deployed" means verified on every node.
 */

import { docker } from '../docker/cli.js';
import type { TaskContext } from '../engine/task.js';
import { check } from '../hardening/checks/common.js';
import type { Check } from '../hardening/checks/index.js';
import { overlayCheck, serviceChecks, taskContainerChecks } from './checks.js';
import { inspectOn, inspectService, nodeEngines, nodeName, type SwarmTask } from './engine.js';
import { type ServicePlan, type Shape, shapeOf } from './spec.js';
import type { Unsupported } from './unsupported.js';

export type VerifyInput = {
  readonly plan: ServicePlan;
  readonly want: Shape;
  readonly accepted: readonly Unsupported[];
  readonly tasks: readonly SwarmTask[];
  readonly imageId: string;
  readonly localNodeId: string;
  /** Overlay networks and whether each must be internal. */
  readonly networks: readonly { readonly name: string; readonly internal: boolean }[];
};

export async function verifySwarm(ctx: TaskContext, v: VerifyInput): Promise<Check[]> {
  const service = await inspectService(ctx, v.plan.name);
  const checks = serviceChecks(v.want, shapeOf(service), v.accepted);
  for (const n of v.networks) {
    const r = await docker(ctx, ['network', 'inspect', n.name], { nothrow: true, silent: true });
    checks.push(overlayCheck(r.exitCode === 0 ? JSON.parse(r.stdout) : undefined, n.name, n.internal));
  }
  const engines = await nodeEngines(ctx, v.localNodeId);
  for (const task of [...v.tasks].sort((a, b) => a.slot - b.slot)) {
    const label = `task.${task.slot}`;
    const host = engines.get(task.nodeId);
    const node = await nodeName(ctx, task.nodeId);
    if (host === undefined) {
      checks.push(
        check(
          `${label}:inspect`,
          '-',
          'Task container inspected on its node',
          `an engine endpoint for node ${node}`,
          'none: add that node engine to swarm.nodeHosts',
          'fail',
        ),
      );
      continue;
    }
    const info = await inspectOn(ctx, host, task.containerId);
    if (!info) {
      checks.push(
        check(
          `${label}:inspect`,
          '-',
          'Task container inspected on its node',
          task.containerId,
          `not found on ${node}`,
          'fail',
        ),
      );
      continue;
    }
    checks.push(
      check(
        `${label}:node`,
        '-',
        'Task container inspected on its node',
        'the engine of its node',
        `${node} via ${host || 'the manager'}`,
        'pass',
      ),
      ...taskContainerChecks(info, {
        policy: v.plan.policy,
        expectedImageId: v.imageId,
        // Published ports (routing mesh) attach each task to the ingress network as well (observed).
        networks: [...v.networks.map((n) => n.name), ...(v.plan.policy.ports.length > 0 ? ['ingress'] : [])],
        accepted: v.accepted,
        label,
      }),
    );
  }
  return checks;
}

/**
 * Why the new tasks failed, for the report: the failed task's error, or the last health-check
 * output of its container (read on its node when the node's engine is known).
 */
export async function failedTaskReason(
  ctx: TaskContext,
  tasks: readonly SwarmTask[],
  image: string,
  localNodeId: string,
): Promise<string> {
  const failed = tasks
    .filter((t) => t.image === image && t.desired !== 'running' && t.state !== 'running')
    .sort((a, b) => Number(b.error !== '') - Number(a.error !== ''));
  const task = failed[0];
  if (!task) return 'no task of the new spec stayed running';
  const engines = await nodeEngines(ctx, localNodeId);
  const host = engines.get(task.nodeId);
  const info = host === undefined || task.containerId === '' ? undefined : await inspectOn(ctx, host, task.containerId);
  const health = (info?.['State'] as { Health?: { Log?: { ExitCode?: number; Output?: string }[] } } | undefined)
    ?.Health;
  const last = health?.Log?.at(-1);
  const probe = last && last.ExitCode !== 0 ? (last.Output?.trim().split('\n')[0] ?? '') : undefined;
  const why = task.error
    ? `${task.error}${/no such image/i.test(task.error) ? ' (that node has no copy of the image: set image.registry so every node pulls it by digest, or load it on every node)' : ''}`
    : probe !== undefined
      ? `health check failed: ${probe || '(no output)'}`
      : `stopped by Swarm (exit code ${task.exitCode})`;
  return `task ${task.slot} on ${await nodeName(ctx, task.nodeId)}: ${why} (${failed.length} failed task${failed.length === 1 ? '' : 's'})`;
}
