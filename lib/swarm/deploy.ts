/**
 * `deploy-secure` with `deploy.target: 'swarm'`: the scanned image as a Swarm service, hardened as
 * far as Swarm can carry it (the rest was refused at load time unless `swarm.allowUnsupported`
 * accepts it), updated start-first with Swarm's own rollback on failure, and verified on every
 * running task container once the service converged.
 *
 * Rollback is Swarm's: a new task that fails or turns unhealthy within the monitor window makes
 * Swarm put the previous spec back (`--update-failure-action rollback`), and the deploy reports
 * it. When the update converged but a check fails, when the wait times out or on SIGINT/SIGTERM,
 * the deploy asks Swarm for the same rollback (`docker service rollback`); a service this deploy
 * created is removed instead. Volumes and networks are never removed.
 */
import { docker } from '../docker/cli.js';
import { LABELS, ownerLabels, projectId } from '../docker/labels.js';
import { pushImage } from '../docker/push.js';
import type { TaskContext } from '../engine/task.js';
import { type Failure, TaskFailure } from '../failure.js';
import type { Check } from '../hardening/checks/index.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { verificationFailure } from '../hardening/verify.js';
import { apiVersion, ensureOverlay, inspectService, serviceTasks, swarmState } from './engine.js';
import {
  createArgs,
  desiredShape,
  type ServicePlan,
  type ShapeField,
  shapeDrift,
  shapeOf,
  updateArgs,
} from './spec.js';
import { engineUnsupported, refusalProblems, refusedBy, swarmUnsupported } from './unsupported.js';
import { failedTaskReason, verifySwarm } from './verify.js';
import { awaitConvergence, updateRun } from './wait.js';

/** The same shape as a container deploy's output (lib/deploy/deploy.ts), so tasks depending on deploy-secure see one type. */
export type SwarmDeployed = {
  container: string;
  imageId: string;
  replaced: boolean;
  /** True when the service's spec already was the desired one (it is still verified). */
  upToDate: boolean;
  checks: Check[];
  /** `swarm:<service>`. */
  engine: string;
};

/** Spec fields whose change makes Swarm replace the tasks (the rest are service-level). */
const ROLLING: ReadonlySet<ShapeField> = new Set<ShapeField>([
  'image',
  'user',
  'readOnly',
  'capAdd',
  'capDrop',
  'limits',
  'reservations',
  'ulimits',
  'env',
  'mounts',
  'networks',
  'ports',
  'placement',
  'log',
  'containerLabels',
  'restart',
]);

/** The overlay networks the service is attached to: the configured one, or one of its own for `none`. */
export function overlayNetworks(policy: HardeningPolicy): { name: string; internal: boolean }[] {
  return policy.network.mode === 'network'
    ? [{ name: policy.network.name, internal: policy.network.internal }]
    : [{ name: `${policy.name}_isolated`, internal: true }];
}

export async function deploySwarm(ctx: TaskContext, imageId: string): Promise<SwarmDeployed> {
  const { config } = ctx;
  const policy = config.container;
  const name = policy.name;
  const allow = config.swarm.allowUnsupported;
  const labelValue = projectId(config.projectDir, config.image.name);
  const networks = overlayNetworks(policy);
  const plan = (image: string, ids: readonly string[]): ServicePlan => ({
    name,
    image,
    policy,
    replicas: config.deploy.replicas,
    reservations: config.deploy.reservations,
    restartMaxAttempts: config.swarm.restartMaxAttempts,
    monitorSeconds: config.swarm.updateMonitorSeconds,
    networks: networks.map((n, i) => ({ name: n.name, id: ids[i] ?? n.name })),
    // The service and (through --container-label) its tasks carry both ownership labels.
    labels: ownerLabels(config.projectDir, config.image.name),
  });
  if (ctx.flags.dryRun) {
    for (const n of networks) await ensureOverlay(ctx, n.name, n.internal, `${LABELS.project}=${labelValue}`);
    await docker(ctx, createArgs(plan(imageId, []), { printOnly: true }));
    return { container: name, imageId, replaced: false, upToDate: false, checks: [], engine: `swarm:${name}` };
  }

  const swarm = await swarmState(ctx);
  if (!swarm.active || !swarm.manager)
    return ctx.fail({
      reason: 'task-error',
      message: `deploy.target is "swarm" but this Docker engine is ${swarm.active ? 'a swarm worker, not a manager' : 'not in a swarm'}`,
      hint: 'run docker swarm init for a one-node swarm, or point DOCKER_HOST at a swarm manager',
    });
  const forEngine = engineUnsupported(policy, await apiVersion(ctx));
  const refused = refusedBy(forEngine, allow);
  if (refused.length > 0) return ctx.fail({ reason: 'task-error', message: refusalProblems(refused).join('; ') });
  const accepted = [...swarmUnsupported(policy), ...forEngine].filter((u) => allow.includes(u.id));

  const current = await inspectService(ctx, name);
  const owner = (current?.['Spec'] as { Labels?: Record<string, string> } | undefined)?.Labels?.[LABELS.project];
  if (current && owner !== labelValue)
    return ctx.fail({
      reason: 'task-error',
      message: `service ${name} exists and was not created by this project (${LABELS.project}=${owner ?? '(none)'}, this project is ${labelValue})`,
      hint: 'set container.name to another service name, or remove that service',
    });

  const image = config.image.registry ? (await pushImage(ctx, imageId, config.image.registry)).ref : imageId;
  const ids: string[] = [];
  for (const n of networks) ids.push(await ensureOverlay(ctx, n.name, n.internal, `${LABELS.project}=${labelValue}`));
  const p = plan(image, ids);
  const want = desiredShape(p);
  const before = current ? shapeOf(current) : undefined;
  const drift = before ? shapeDrift(want, before) : [];
  const runBefore = current ? updateRun(current)?.startedAt : undefined;
  if (!before) {
    ctx.progress(
      `creating service ${name} (${config.deploy.replicas} replica${config.deploy.replicas === 1 ? '' : 's'})`,
    );
    await docker(ctx, createArgs(p));
  } else if (drift.length > 0) {
    ctx.progress(`updating service ${name} start-first (changed: ${drift.join(', ')})`);
    await docker(ctx, updateArgs(p, before, current));
  } else if (ctx.flags.force) {
    ctx.progress(`updating service ${name} start-first (unchanged, but --force)`);
    await docker(ctx, updateArgs(p, before, current, true));
  } else ctx.progress(`service ${name} is up to date; verifying it`);

  const replaced = before !== undefined && (drift.length > 0 || ctx.flags.force);
  const changed = !before || replaced;
  const timeoutSeconds =
    config.deploy.replicas * (policy.healthTimeoutSeconds + config.swarm.updateMonitorSeconds) + 60;
  try {
    const outcome = await awaitConvergence(ctx, {
      name,
      image,
      replicas: config.deploy.replicas,
      runBefore,
      expectRun: replaced && drift.some((f) => ROLLING.has(f)),
      timeoutSeconds,
    });
    if (outcome.kind === 'rolled-back') {
      const all = await serviceTasks(ctx, name);
      const why = await failedTaskReason(ctx, all, image, swarm.nodeId);
      const back = await awaitConvergence(ctx, {
        name,
        image: before?.image ?? '',
        replicas: config.deploy.replicas,
        expectRun: false,
        rollback: true,
        timeoutSeconds,
        critical: true,
      });
      throw new TaskFailure({
        reason: 'deploy-failed',
        cause: { reason: 'task-error', message: `Swarm rolled back the update of service ${name}: ${why}` },
        rollback: restoredText(name, before?.image, back, config.deploy.replicas),
      });
    }
    if (outcome.kind === 'interrupted')
      throw new TaskFailure({ reason: 'aborted', signal: ctx.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' });
    if (outcome.kind !== 'converged') {
      const detail = outcome.kind === 'paused' ? `Swarm ${outcome.state}: ${outcome.message}` : outcome.detail;
      throw new TaskFailure({
        reason: 'task-error',
        message: `service ${name} did not converge within ${timeoutSeconds}s (${detail})`,
      });
    }
    const checks = await verifySwarm(ctx, {
      plan: p,
      want,
      accepted,
      tasks: outcome.tasks,
      imageId,
      localNodeId: swarm.nodeId,
      networks,
    });
    const failure = verificationFailure(`hardening verification of service ${name}`, checks);
    if (failure) throw failure;
    const passed = checks.filter((c) => c.status === 'pass').length;
    const warned = checks.filter((c) => c.status === 'warn').length;
    ctx.progress(
      `service ${name}: ${outcome.tasks.length} task${outcome.tasks.length === 1 ? '' : 's'} running ${imageId.slice(0, 19)}, ${passed} checks passed, ${warned} warnings`,
    );
    return { container: name, imageId, replaced, upToDate: !changed, checks, engine: `swarm:${name}` };
  } catch (error) {
    if (error instanceof TaskFailure && error.failure.reason === 'deploy-failed') throw error;
    const cause: Failure =
      error instanceof TaskFailure
        ? error.failure
        : { reason: 'task-error', message: error instanceof Error ? error.message : String(error) };
    // Nothing changed: nothing to roll back (the checks failed on the service as it was).
    if (!changed) throw error;
    const rollback = await undo(ctx, name, before?.image, config.deploy.replicas, timeoutSeconds);
    throw new TaskFailure({ reason: 'deploy-failed', cause, rollback });
  }
}

/**
 * Put the previous spec back (Swarm's rollback), or remove a service this deploy created. Runs as
 * critical commands: they start and finish even after SIGINT/SIGTERM.
 */
async function undo(
  ctx: TaskContext,
  name: string,
  previousImage: string | undefined,
  replicas: number,
  timeoutSeconds: number,
): Promise<string> {
  const critical = { critical: true, nothrow: true } as const;
  if (previousImage === undefined) {
    const rm = await docker(ctx, ['service', 'rm', name], critical);
    return rm.exitCode === 0
      ? `the new service ${name} was removed (there was no previous one); its volumes and networks were kept`
      : `THE NEW SERVICE COULD NOT BE REMOVED (${rm.stderr.trim().split('\n')[0]}); run: docker service rm ${name}`;
  }
  const runBefore = updateRun(await inspectService(ctx, name, { critical: true }))?.startedAt;
  const r = await docker(ctx, ['service', 'rollback', '--detach', '--quiet', name], critical);
  if (r.exitCode !== 0)
    return `THE SERVICE COULD NOT BE ROLLED BACK (${r.stderr.trim().split('\n')[0]}); run: docker service rollback ${name}`;
  const back = await awaitConvergence(ctx, {
    name,
    image: previousImage,
    replicas,
    runBefore,
    expectRun: true,
    rollback: true,
    timeoutSeconds,
    critical: true,
  });
  return restoredText(name, previousImage, back, replicas);
}

function restoredText(
  name: string,
  previousImage: string | undefined,
  back: Awaited<ReturnType<typeof awaitConvergence>>,
  replicas: number,
): string {
  const image = previousImage ? (previousImage.split('sha256:').at(-1) ?? '').slice(0, 12) : '?';
  return back.kind === 'converged'
    ? `Swarm put service ${name} back on its previous spec (image ${image}), ${back.tasks.length}/${replicas} tasks running`
    : `service ${name} was rolled back to its previous spec (image ${image}) but has not converged (${back.kind === 'timeout' ? back.detail : back.kind}); see docker service ps ${name}`;
}
