/**
 * Container lifecycle on the docker CLI, for deploy-secure and audit: inspect, wait for
 * health, and the hardening verification (inspect JSON, never grep).
 */
import type { HardeningPolicy } from './hardening.js';
import { docker } from './docker.js';
import type { ShellOptions } from './exec.js';
import { checksFailed, formatChecksTable, verifyContainer, type Check } from './inspect-checks.js';
import { TaskFailure } from './failure.js';
import type { TaskContext } from './task.js';

/** `docker inspect <name>` element [0], or undefined when no such container exists. */
export async function inspectContainer(ctx: TaskContext, name: string, options: ShellOptions = {}): Promise<Record<string, unknown> | undefined> {
  const result = await docker(ctx, ['container', 'inspect', name], { ...options, nothrow: true, silent: true });
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout) as Record<string, unknown>[])[0];
}

interface ContainerState {
  readonly Status?: string;
  readonly Running?: boolean;
  readonly Restarting?: boolean;
  readonly ExitCode?: number;
  readonly Health?: { readonly Status?: string; readonly Log?: readonly { readonly Output?: string }[] } | null;
}

/**
 * Poll until the container is healthy. Fails early when it exits, becomes unhealthy, has no
 * health check, or the timeout passes; stops waiting on SIGINT/SIGTERM.
 */
export async function waitHealthy(ctx: TaskContext, name: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    if (ctx.signal.aborted) throw new TaskFailure({ reason: 'aborted', signal: ctx.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' });
    const info = await inspectContainer(ctx, name);
    const state = (info?.['State'] ?? {}) as ContainerState;
    const health = state.Health?.Status;
    if (!info) ctx.fail({ reason: 'task-error', message: `container ${name} disappeared while waiting for it to become healthy` });
    if (!state.Running && !state.Restarting) {
      ctx.fail({ reason: 'task-error', message: `container ${name} exited with code ${state.ExitCode ?? '?'} before becoming healthy`, hint: `see docker logs ${name}` });
    }
    if (state.Health === null || state.Health === undefined) {
      ctx.fail({ reason: 'task-error', message: `image of ${name} has no HEALTHCHECK, so the deploy cannot be verified`, hint: 'add an exec-form HEALTHCHECK to the Dockerfile' });
    }
    if (health === 'healthy') return;
    if (health === 'unhealthy') {
      const probe = state.Health?.Log?.at(-1)?.Output?.trim().split('\n')[0];
      ctx.fail({ reason: 'task-error', message: `container ${name} is unhealthy${probe ? `: ${probe}` : ''}`, hint: `see docker inspect ${name} (State.Health)` });
    }
    if (health !== last) ctx.report(`waiting for ${name} to become healthy (${health ?? 'no status'})`);
    last = health ?? '';
    if (Date.now() > deadline) {
      ctx.fail({ reason: 'task-error', message: `container ${name} not healthy after ${timeoutSeconds}s (status: ${health ?? 'none'})`, hint: 'raise container.healthTimeoutSeconds or fix the health check' });
    }
    await sleep(1000, ctx.signal);
  }
}

/** Every hardening check against the running container; the network is inspected when used. */
export async function hardeningChecks(ctx: TaskContext, name: string, policy: HardeningPolicy, expectedImageId?: string): Promise<Check[] | undefined> {
  const info = await inspectContainer(ctx, name);
  if (!info) return undefined;
  let networkInspect: unknown;
  if (policy.network.mode === 'network') {
    const net = await docker(ctx, ['network', 'inspect', policy.network.name], { nothrow: true, silent: true });
    if (net.exitCode === 0) networkInspect = (JSON.parse(net.stdout) as unknown[])[0];
  }
  return verifyContainer(info, policy, { ...(expectedImageId ? { expectedImageId } : {}), ...(networkInspect ? { networkInspect } : {}) });
}

/** A `checks-failed` failure for the failing checks, with the table. */
export function checksFailure(what: string, checks: readonly Check[]): TaskFailure | undefined {
  const failed = checksFailed(checks);
  if (failed.length === 0) return undefined;
  return new TaskFailure({ reason: 'checks-failed', what, failed: failed.map((c) => `${c.id}${c.cis !== '-' ? ` (CIS ${c.cis})` : ''}`), details: formatChecksTable(failed) });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
