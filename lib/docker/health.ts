/**
 * Containers on the docker CLI: `docker container inspect`, and waiting for a container's
 * health to settle (healthy, unhealthy, exited, timed out), with the reason when it is not healthy.
 */

import type { TaskContext } from '../engine/task.js';
import { TaskFailure } from '../failure.js';
import { sleep } from '../util/sleep.js';
import { unreachable } from '../util/unreachable.js';
import { type DockerOptions, docker } from './cli.js';
import type { DockerTarget } from './target.js';

/** `docker inspect <name>` element [0], or undefined when no such container exists. */
export async function inspectContainer(
  ctx: TaskContext,
  name: string,
  options: DockerOptions = {},
): Promise<Record<string, unknown> | undefined> {
  const result = await docker(ctx, ['container', 'inspect', name], { ...options, nothrow: true, silent: true });
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout) as Record<string, unknown>[])[0];
}

interface ContainerState {
  readonly Status?: string;
  readonly Running?: boolean;
  readonly Restarting?: boolean;
  readonly ExitCode?: number;
  readonly Health?: {
    readonly Status?: string;
    readonly FailingStreak?: number;
    readonly Log?: readonly { readonly ExitCode?: number; readonly Output?: string }[];
  } | null;
}

/** Where a container's health ended up. */
export type HealthOutcome =
  | { readonly kind: 'healthy' }
  | {
      readonly kind: 'unhealthy';
      /** The last health probe's first output line, if it printed anything. */
      readonly probe: string | undefined;
      readonly probeExitCode: number | undefined;
      /** Probes failed in a row. */
      readonly streak: number | undefined;
    }
  | { readonly kind: 'exited'; readonly exitCode: number | undefined; readonly restarts?: number }
  | { readonly kind: 'gone' }
  | { readonly kind: 'no-healthcheck' }
  | { readonly kind: 'timeout'; readonly status: string | undefined }
  | { readonly kind: 'interrupted' };

/**
 * Poll `docker inspect` until the health status settles or the timeout passes. With
 * `critical` (rollback), it keeps waiting through SIGINT/SIGTERM and its commands are not killed.
 */
export async function awaitHealth(
  ctx: TaskContext,
  name: string,
  timeoutSeconds: number,
  options: { critical?: boolean; target?: DockerTarget } = {},
): Promise<HealthOutcome> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: string | undefined = '';
  for (;;) {
    if (ctx.signal.aborted && !options.critical) return { kind: 'interrupted' };
    const info = await inspectContainer(ctx, name, {
      poll: true,
      ...(options.critical ? { critical: true } : {}),
      ...(options.target ? { target: options.target } : {}),
    });
    if (!info) return { kind: 'gone' };
    const state = (info['State'] ?? {}) as ContainerState;
    if (!state.Running && !state.Restarting) return { kind: 'exited', exitCode: state.ExitCode };
    // A new container that crashed and was restarted by its restart policy is not "starting":
    // waiting for the health timeout would only end in a misleading "unhealthy".
    const restarts = typeof info['RestartCount'] === 'number' ? info['RestartCount'] : 0;
    if (!options.critical && restarts > 0 && state.ExitCode)
      return { kind: 'exited', exitCode: state.ExitCode, restarts };
    if (state.Health === null || state.Health === undefined) return { kind: 'no-healthcheck' };
    const status = state.Health.Status;
    if (status === 'healthy') return { kind: 'healthy' };
    if (status === 'unhealthy') {
      const probe = state.Health.Log?.at(-1);
      const output = probe?.Output?.trim().split('\n')[0]?.slice(0, 300);
      return {
        kind: 'unhealthy',
        probe: output || undefined,
        probeExitCode: probe?.ExitCode,
        streak: state.Health.FailingStreak,
      };
    }
    if (status !== last) ctx.progress(`waiting for ${name} to become healthy (${status ?? 'no status'})`);
    last = status;
    if (Date.now() > deadline) return { kind: 'timeout', status };
    await sleep(1000, options.critical ? undefined : ctx.signal);
  }
}

/** Wait until the container is healthy; anything else ends the task with the reason. */
export async function waitHealthy(
  ctx: TaskContext,
  name: string,
  timeoutSeconds: number,
  options: { target?: DockerTarget } = {},
): Promise<void> {
  const outcome = await awaitHealth(ctx, name, timeoutSeconds, options);
  switch (outcome.kind) {
    case 'healthy':
      return;
    case 'interrupted':
      throw new TaskFailure({ reason: 'aborted', signal: ctx.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' });
    case 'gone':
      return ctx.fail({
        reason: 'task-error',
        message: `container ${name} disappeared while waiting for it to become healthy`,
      });
    case 'exited': {
      // Read now: a failed new container is removed by the rollback, and its name then belongs
      // to the previous one, so "see docker logs <name>" would show the wrong container.
      const log = await lastLogLine(ctx, name, options.target);
      return ctx.fail({
        reason: 'task-error',
        message: `container ${name} exited with code ${outcome.exitCode ?? '?'}${outcome.restarts ? ` (restarted ${outcome.restarts} time${outcome.restarts === 1 ? '' : 's'} by its restart policy)` : ''} before becoming healthy${log ? `; its last log line: ${log}` : ', logging nothing'}`,
        ...hintFor(log),
      });
    }
    case 'no-healthcheck':
      return ctx.fail({
        reason: 'task-error',
        message: `the image of ${name} has no HEALTHCHECK, so the deploy cannot be verified`,
        hint: 'add an exec-form HEALTHCHECK to the Dockerfile',
      });
    case 'unhealthy': {
      const log = await lastLogLine(ctx, name, options.target);
      const times =
        outcome.streak === undefined ? '' : ` ${outcome.streak} time${outcome.streak === 1 ? '' : 's'} in a row`;
      const code = outcome.probeExitCode === undefined ? '' : ` with exit code ${outcome.probeExitCode}`;
      const said = outcome.probe ? `: ${outcome.probe}` : ' and printed nothing';
      return ctx.fail({
        reason: 'task-error',
        message: `container ${name} is unhealthy: its health check failed${times}${code}${said}${log ? `; its last log line: ${log}` : ''}`,
        ...hintFor(outcome.probe ?? log),
      });
    }
    case 'timeout':
      return ctx.fail({
        reason: 'task-error',
        message: `container ${name} not healthy after ${timeoutSeconds}s (status: ${outcome.status ?? 'none'})`,
        hint: 'raise container.healthTimeoutSeconds or fix the health check',
      });
    default:
      return unreachable(outcome);
  }
}

/**
 * After {@link waitHealthy}: watch the container for `seconds` more and fail unless it stays
 * running and healthy all along, without a restart (Swarm's update monitor). A version that
 * crashes a few seconds after its first good probe is then rolled back instead of committed.
 */
export async function waitStable(
  ctx: TaskContext,
  name: string,
  seconds: number,
  options: { target?: DockerTarget } = {},
): Promise<void> {
  if (seconds <= 0) return;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let restartsBefore: number | undefined;
  ctx.progress(`watching ${name}: it must stay healthy for ${seconds}s before the old container is removed`);
  for (;;) {
    if (ctx.signal.aborted)
      throw new TaskFailure({ reason: 'aborted', signal: ctx.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' });
    const info = await inspectContainer(ctx, name, {
      poll: true,
      ...(options.target ? { target: options.target } : {}),
    });
    const after = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (!info)
      return ctx.fail({
        reason: 'task-error',
        message: `container ${name} disappeared ${after} after turning healthy`,
      });
    const state = (info['State'] ?? {}) as ContainerState;
    const restarts = typeof info['RestartCount'] === 'number' ? info['RestartCount'] : 0;
    restartsBefore ??= restarts;
    const status = state.Health?.Status;
    const problem =
      !state.Running || state.Restarting || restarts > restartsBefore
        ? `it exited${state.ExitCode ? ` with code ${state.ExitCode}` : ''}${restarts > restartsBefore ? ' and was restarted by its restart policy' : ''}`
        : status !== 'healthy'
          ? `its health became ${status ?? 'unknown'}`
          : undefined;
    if (problem) {
      const log = await lastLogLine(ctx, name, options.target);
      return ctx.fail({
        reason: 'task-error',
        message: `container ${name} turned healthy but did not stay so for container.stableSeconds (${seconds}s): ${problem} ${after} later${log ? `; its last log line: ${log}` : ''}`,
        ...hintFor(log),
      });
    }
    if (Date.now() >= deadline) return;
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())), ctx.signal);
  }
}

/** The last line the container logged (stdout or stderr), to say why it failed. */
async function lastLogLine(ctx: TaskContext, name: string, target?: DockerTarget): Promise<string | undefined> {
  const logs = await docker(ctx, ['logs', '--tail', '5', name], {
    nothrow: true,
    silent: true,
    ...(target ? { target } : {}),
  });
  return `${logs.stdout}\n${logs.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1)
    ?.slice(0, 300);
}

/** The fix for the commonest reason a hardened container dies: a volume it cannot write. */
function hintFor(line: string | undefined): { hint?: string } {
  if (line && /permission denied|not writable|read-only file system/i.test(line)) {
    return {
      hint: 'a volume or path is not writable by the container user; volumes created before the image made its directories are root-owned: chown them to the container user (e.g. docker run --rm -v VOLUME:/v busybox chown -R 1001:1001 /v) or use fresh volumes',
    };
  }
  return {};
}
