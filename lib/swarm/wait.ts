/**
 * Waiting, bounded, for a service to converge after a create, an update or a rollback.
 *
 * The CLI's own wait is not used: with CLI 28 against Engine 20.10, `docker service update`
 * printed "Service … converged" and exited 0 after Swarm had rolled the update back. Instead the
 * deploy polls `docker service inspect`: an update (or rollback) has ended when `UpdateStatus`
 * shows a run that started after ours began and reached a final state; the service has converged
 * when every slot has exactly one task Swarm wants running, running the wanted image (start-first
 * keeps the old task of a slot until the new one is healthy, so two tasks in a slot mean "not yet").
 */
import type { TaskContext } from '../engine/task.js';
import { at, str } from '../util/json-path.js';
import { sleep } from '../util/sleep.js';
import { inspectService, type SwarmTask, serviceTasks } from './engine.js';

export type UpdateRun = { readonly state: string; readonly startedAt: string; readonly message: string };

/** The service's last update (or rollback) run, if it has had one. */
export function updateRun(service: unknown): UpdateRun | undefined {
  const u = at(service, 'UpdateStatus');
  if (u === undefined || u === null) return undefined;
  return {
    state: str(at(u, 'State')) ?? '',
    startedAt: str(at(u, 'StartedAt')) ?? '',
    message: str(at(u, 'Message')) ?? '',
  };
}

export type Convergence =
  | { readonly kind: 'converged'; readonly tasks: readonly SwarmTask[] }
  | { readonly kind: 'rolled-back'; readonly message: string }
  | { readonly kind: 'paused'; readonly state: string; readonly message: string }
  | { readonly kind: 'timeout'; readonly detail: string }
  | { readonly kind: 'interrupted' };

export type WaitOptions = {
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  /** The `UpdateStatus.StartedAt` seen before our change; undefined when no update run is expected. */
  readonly runBefore?: string | undefined;
  /** True when our change rolls tasks, so an update run must start and end first. */
  readonly expectRun: boolean;
  /** The run we wait for: an update may end `completed`; a rollback we asked for, `rollback_completed`. */
  readonly rollback?: boolean;
  readonly timeoutSeconds: number;
  /** Keep waiting through SIGINT/SIGTERM (our own rollback). */
  readonly critical?: boolean;
};

const FINAL = new Set(['completed', 'paused', 'rollback_completed', 'rollback_paused']);

/** Poll once a second until the service converges, Swarm rolls back or pauses, or time runs out. */
export async function awaitConvergence(ctx: TaskContext, o: WaitOptions): Promise<Convergence> {
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const crit = o.critical ? { critical: true } : {};
  let seen = '';
  for (;;) {
    if (ctx.signal.aborted && !o.critical) return { kind: 'interrupted' };
    const service = await inspectService(ctx, o.name, crit);
    if (!service) return { kind: 'timeout', detail: `service ${o.name} disappeared` };
    const run = updateRun(service);
    const ours = run !== undefined && run.startedAt !== (o.runBefore ?? '') && run.startedAt !== '';
    if (ours && run.state === 'rollback_completed' && !o.rollback) return { kind: 'rolled-back', message: run.message };
    if (ours && (run.state === 'paused' || run.state === 'rollback_paused'))
      return { kind: 'paused', state: run.state, message: run.message };
    const runDone = !o.expectRun || (ours && FINAL.has(run.state));
    const tasks = await serviceTasks(ctx, o.name, { running: true, ...crit });
    const slots = new Map<number, SwarmTask[]>();
    for (const t of tasks) slots.set(t.slot, [...(slots.get(t.slot) ?? []), t]);
    const converged =
      runDone &&
      slots.size === o.replicas &&
      [...slots.values()].every((s) => s.length === 1 && s[0]!.state === 'running' && s[0]!.image === o.image);
    if (converged) return { kind: 'converged', tasks };
    const status = `${run ? `${run.state}${ours ? '' : ' (earlier run)'}` : 'no update run'}; tasks: ${
      tasks.map((t) => `${o.name}.${t.slot} ${t.state}`).join(', ') || 'none'
    }`;
    if (status !== seen) ctx.progress(`waiting for service ${o.name} to converge: ${status}`);
    seen = status;
    if (Date.now() > deadline) return { kind: 'timeout', detail: status };
    await sleep(1000, o.critical ? undefined : ctx.signal);
  }
}
