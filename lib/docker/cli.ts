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

/**
 * Lines docker prints that are never the cause of a failure: the legacy builder's deprecation
 * banner (printed before the real error, so "the first line" was the banner), BuildKit hints,
 * build progress, and the CLI's usage hint.
 */
const NOISE = [
  /^DEPRECATED: The legacy builder is deprecated/i,
  /^\s*(Install the buildx component|BuildKit is currently disabled|Learn more at https:\/\/docs\.docker\.com)/i,
  /^Sending build context to Docker daemon/i,
  /^See 'docker .* --help'\.$/i,
  /^Run 'docker .* --help' for more information/i,
  /^time="[^"]*" level=(warning|info|debug)/i,
];

/** docker's stderr without the lines that are never the cause. */
export function meaningfulLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !NOISE.some((re) => re.test(l.trim())));
}

type Rule = { readonly match: (line: string) => boolean; readonly failure: (line: string, command: string) => Failure };
const has =
  (...words: string[]) =>
  (line: string) =>
    words.some((w) => line.toLowerCase().includes(w));

/**
 * Known causes, most specific first; each is matched against every meaningful line and reports
 * the line it matched. Content trust comes before the daemon: with DOCKER_CONTENT_TRUST=1 an
 * unreachable notary server is reported by docker as "error during connect".
 */
const RULES: readonly Rule[] = [
  {
    match: has('notary', 'trust data', 'content trust'),
    failure: (line) => ({
      reason: 'task-error',
      message: `image signature check failed (DOCKER_CONTENT_TRUST is on): ${clean(line)}`,
      hint: 'images built or imported locally have no trust data: unset DOCKER_CONTENT_TRUST for this build, or sign and push the base image',
    }),
  },
  {
    match: has('cannot connect to the docker daemon', 'is the docker daemon running', 'error during connect'),
    failure: (line) => ({ reason: 'daemon-unreachable', detail: clean(line) }),
  },
  {
    match: (l) => has('permission denied')(l) && has('docker.sock')(l),
    failure: () => ({
      reason: 'daemon-unreachable',
      detail: 'permission denied on the docker socket; add your user to the docker group or use sudo',
    }),
  },
  {
    match: (l) => has('command not found')(l) && /\bdocker\b/.test(l.toLowerCase()),
    failure: () => ({
      reason: 'tool-missing',
      tool: 'docker',
      fix: 'install the Docker CLI (e.g. apt-get install docker.io) and make sure `docker` is on PATH',
    }),
  },
  {
    match: has('no space left on device'),
    failure: (_line, command) => ({
      reason: 'task-error',
      message: `disk full while running: ${command}`,
      hint: 'free space (docker system prune) and retry; nothing was changed',
    }),
  },
  {
    match: has('is already in use by container', 'conflict. the container name'),
    failure: (line) => ({
      reason: 'task-error',
      message: `container name conflict: ${clean(line)}`,
      hint: 'remove or rename that container, or set container.name',
    }),
  },
  {
    match: has('unauthorized', 'authentication required', 'denied: requested access'),
    failure: (line) => ({
      reason: 'task-error',
      message: `registry refused access: ${clean(line)}`,
      hint: 'docker login to that registry first',
    }),
  },
  {
    match: (l) =>
      has('manifest unknown', 'not found: manifest')(l) || (has('pull access denied')(l) && has('does not exist')(l)),
    failure: (line) => ({
      reason: 'task-error',
      message: `image not found in its registry: ${clean(line)}`,
      hint: 'check the image name and tag',
    }),
  },
  {
    match: has('connection refused', 'no such host', 'i/o timeout', 'tls handshake timeout'),
    failure: (line) => ({
      reason: 'task-error',
      message: `registry unreachable: ${clean(line)}`,
      hint: 'check the network, the registry address, or use a mirror',
    }),
  },
  {
    match: has('no such image', 'unable to find image'),
    failure: (line) => ({
      reason: 'task-error',
      message: `image missing: ${clean(line)}`,
      hint: 'build it first (cloudy-tasks docker)',
    }),
  },
];

/** Map docker's stderr to a failure with a fix, when the cause is recognisable. */
export function classifyDockerError(stderr: string, command: string): Failure | undefined {
  const lines = meaningfulLines(stderr);
  for (const rule of RULES) {
    const line = lines.find(rule.match);
    if (line !== undefined) return rule.failure(line, command);
  }
  return undefined;
}

/** One line of docker's stderr as a cause: without docker's "Error response from daemon:" prefix. */
function clean(line: string): string {
  return line
    .trim()
    .replace(/^Error( response from daemon)?:\s*/i, '')
    .slice(0, 300);
}

/**
 * How long a docker command that only talks to the daemon may take before it is killed (its
 * process group) and the task fails `timed-out`: a hung engine must not hold the run (and, from
 * cron, the run lock) for ever. `stop` waits up to the container's stop timeout (10 s by default)
 * before the daemon kills it, so it gets that on top. Builds, pulls, pushes, `run` (which may pull)
 * and compose are not bounded here: they can legitimately take long; README "Time bounds" says so.
 */
const QUERY_BOUND_MS = 30_000;
const BOUNDS_MS: Readonly<Record<string, number>> = {
  inspect: QUERY_BOUND_MS,
  logs: QUERY_BOUND_MS,
  ps: QUERY_BOUND_MS,
  version: QUERY_BOUND_MS,
  info: QUERY_BOUND_MS,
  tag: QUERY_BOUND_MS,
  rename: QUERY_BOUND_MS,
  start: 60_000,
  stop: 60_000,
  rm: 60_000,
  rmi: 60_000,
};
/** Subcommands of `docker <object>` bounded like their short forms (`container inspect`). */
const OBJECTS = new Set(['container', 'image', 'network', 'volume']);

/** The bound {@link docker} applies to `args` when the caller sets none; undefined: unbounded. */
export function dockerBoundMs(args: readonly string[]): number | undefined {
  const [first, second] = args;
  if (first === undefined) return undefined;
  if (OBJECTS.has(first)) {
    if (second === 'create' || second === 'prune') return 60_000;
    return second === undefined ? undefined : (BOUNDS_MS[second] ?? (second === 'ls' ? QUERY_BOUND_MS : undefined));
  }
  return BOUNDS_MS[first];
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
  const bound = shell.timeoutMs ?? dockerBoundMs(args);
  const result = await ctx.$.with({
    ...shell,
    nothrow: true,
    ...(bound !== undefined ? { timeoutMs: bound } : {}),
  })`docker ${argv}`;
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
    stderrTail: meaningfulLines(result.stderr).slice(-12).join('\n'),
  };
  throw new TaskFailure(failure);
}
