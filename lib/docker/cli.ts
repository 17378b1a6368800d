/**
 * The docker CLI adapter: how to call `docker` through the task shell, and what its errors mean.
 * Every docker error that has a known cause becomes one clear failure naming the fix; anything
 * else is an `exit-non-zero` with the command and the end of stderr.
 */

import type { CommandResult, ShellOptions } from '../engine/spawn.js';
import type { TaskContext } from '../engine/task.js';
import { type Failure, TaskFailure } from '../failure.js';
import type { DockerTarget } from './target.js';

/** Shell options plus the engine to talk to (default: the one the environment selects). */
export interface DockerOptions extends ShellOptions {
  readonly target?: DockerTarget;
}

/** Map docker's stderr to a failure with a fix, when the cause is recognisable. */
export function classifyDockerError(stderr: string, command: string): Failure | undefined {
  const s = stderr.toLowerCase();
  if (
    s.includes('cannot connect to the docker daemon') ||
    s.includes('is the docker daemon running') ||
    s.includes('error during connect')
  ) {
    return { reason: 'daemon-unreachable', detail: firstLine(stderr) };
  }
  if (s.includes('permission denied') && s.includes('docker.sock')) {
    return {
      reason: 'daemon-unreachable',
      detail: 'permission denied on the docker socket; add your user to the docker group or use sudo',
    };
  }
  if (s.includes('command not found') && /\bdocker\b/.test(s)) {
    return {
      reason: 'tool-missing',
      tool: 'docker',
      fix: 'install the Docker CLI (e.g. apt-get install docker.io) and make sure `docker` is on PATH',
    };
  }
  if (s.includes('no space left on device')) {
    return {
      reason: 'task-error',
      message: `disk full while running: ${command}`,
      hint: 'free space (docker system prune) and retry; nothing was changed',
    };
  }
  if (s.includes('is already in use by container') || s.includes('conflict. the container name')) {
    return {
      reason: 'task-error',
      message: `container name conflict: ${firstLine(stderr)}`,
      hint: 'remove or rename that container, or set container.name',
    };
  }
  if (s.includes('unauthorized') || s.includes('authentication required') || s.includes('denied: requested access')) {
    return {
      reason: 'task-error',
      message: `registry refused access: ${firstLine(stderr)}`,
      hint: 'docker login to that registry first',
    };
  }
  if (
    s.includes('manifest unknown') ||
    s.includes('not found: manifest') ||
    (s.includes('pull access denied') && s.includes('does not exist'))
  ) {
    return {
      reason: 'task-error',
      message: `image not found in its registry: ${firstLine(stderr)}`,
      hint: 'check the image name and tag',
    };
  }
  if (
    s.includes('connection refused') ||
    s.includes('no such host') ||
    s.includes('i/o timeout') ||
    s.includes('tls handshake timeout')
  ) {
    return {
      reason: 'task-error',
      message: `registry unreachable: ${firstLine(stderr)}`,
      hint: 'check the network, the registry address, or use a mirror',
    };
  }
  if (s.includes('no such image') || s.includes('unable to find image')) {
    return {
      reason: 'task-error',
      message: `image missing: ${firstLine(stderr)}`,
      hint: 'build it first (cloudy-tasks docker)',
    };
  }
  return undefined;
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .find((l) => l.trim()) ?? ''
  )
    .replace(/^Error( response from daemon)?:\s*/i, '')
    .slice(0, 300);
}

/**
 * Run `docker <args>` (on `options.target` when given). A failure ends the task with the
 * classified failure. With `nothrow` the result is returned as is (for commands whose failure is
 * expected, like inspecting a container that may not exist).
 */
export async function docker(
  ctx: TaskContext,
  args: readonly string[],
  options: DockerOptions = {},
): Promise<CommandResult> {
  const { target, ...shell } = options;
  const argv = target && target.globalArgs.length > 0 ? [...target.globalArgs, ...args] : args;
  const result = await ctx.$.with({ ...shell, nothrow: true })`docker ${argv}`;
  if (result.exitCode === 0) return result;
  const known = classifyDockerError(
    `${result.stderr}\n${result.exitCode === 127 ? 'docker: command not found' : ''}`,
    result.command,
  );
  // Even an expected failure (`nothrow`) cannot be "expected" when there is no daemon at all.
  if (known && (known.reason === 'daemon-unreachable' || known.reason === 'tool-missing')) throw new TaskFailure(known);
  if (options.nothrow) return result;
  const failure = known ?? {
    reason: 'exit-non-zero',
    command: result.command,
    exitCode: result.exitCode ?? -1,
    stderrTail: result.stderr.trim().split('\n').slice(-12).join('\n'),
  };
  throw new TaskFailure(failure);
}
