/**
 * Knowledge of the docker CLI: how to call it through the task shell, and what its errors mean.
 * Every docker error that has a known cause becomes one clear failure naming the fix; anything
 * else is an `exit-non-zero` with the command and the end of stderr.
 */
import path from 'node:path';
import type { CommandResult, ShellOptions } from './exec.js';
import { TaskFailure, type Failure } from './failure.js';
import type { TaskContext } from './task.js';

/** What the `docker` and `rebuild-no-cache` tasks output; `deploy-secure` runs `imageId`. */
export interface ImageBuild {
  /** `sha256:…` — what gets scanned and deployed (never a moving tag). In `--dry-run`: the tag. */
  readonly imageId: string;
  /** The tag applied, `name:tag`. */
  readonly ref: string;
  /** Every tag the image has (RepoTags). */
  readonly tags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** True when this came from a rebuild without cache. */
  readonly noCache: boolean;
}

/** Map docker's stderr to a failure with a fix, when the cause is recognisable. */
export function classifyDockerError(stderr: string, command: string): Failure | undefined {
  const s = stderr.toLowerCase();
  if (s.includes('cannot connect to the docker daemon') || s.includes('is the docker daemon running') || s.includes('error during connect')) {
    return { reason: 'daemon-unreachable', detail: firstLine(stderr) };
  }
  if (s.includes('permission denied') && s.includes('docker.sock')) {
    return { reason: 'daemon-unreachable', detail: 'permission denied on the docker socket; add your user to the docker group or use sudo' };
  }
  if (s.includes('command not found') && /\bdocker\b/.test(s)) {
    return { reason: 'tool-missing', tool: 'docker', fix: 'install the Docker CLI (e.g. apt-get install docker.io) and make sure `docker` is on PATH' };
  }
  if (s.includes('no space left on device')) {
    return { reason: 'task-error', message: `disk full while running: ${command}`, hint: 'free space (docker system prune) and retry; nothing was changed' };
  }
  if (s.includes('is already in use by container') || s.includes('conflict. the container name')) {
    return { reason: 'task-error', message: `container name conflict: ${firstLine(stderr)}`, hint: 'remove or rename that container, or set container.name' };
  }
  if (s.includes('unauthorized') || s.includes('authentication required') || s.includes('denied: requested access')) {
    return { reason: 'task-error', message: `registry refused access: ${firstLine(stderr)}`, hint: 'docker login to that registry first' };
  }
  if (s.includes('manifest unknown') || s.includes('not found: manifest') || (s.includes('pull access denied') && s.includes('does not exist'))) {
    return { reason: 'task-error', message: `image not found in its registry: ${firstLine(stderr)}`, hint: 'check the image name and tag' };
  }
  if (s.includes('connection refused') || s.includes('no such host') || s.includes('i/o timeout') || s.includes('tls handshake timeout')) {
    return { reason: 'task-error', message: `registry unreachable: ${firstLine(stderr)}`, hint: 'check the network, the registry address, or use a mirror' };
  }
  if (s.includes('no such image') || s.includes('unable to find image')) {
    return { reason: 'task-error', message: `image missing: ${firstLine(stderr)}`, hint: 'build it first (cloudy-tasks docker)' };
  }
  return undefined;
}

function firstLine(text: string): string {
  return (text.trim().split('\n').find((l) => l.trim()) ?? '').replace(/^Error( response from daemon)?:\s*/i, '').slice(0, 300);
}

/**
 * Run `docker <args>`. A failure ends the task with the classified failure. With `nothrow`
 * the result is returned as is (for commands whose failure is expected, like inspecting a
 * container that may not exist).
 */
export async function docker(ctx: TaskContext, args: readonly string[], options: ShellOptions = {}): Promise<CommandResult> {
  const result = await ctx.$.with({ ...options, nothrow: true })`docker ${args}`;
  if (result.exitCode === 0) return result;
  const known = classifyDockerError(`${result.stderr}\n${result.exitCode === 127 ? 'docker: command not found' : ''}`, result.command);
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

/** RFC 3339 UTC, seconds precision, as the guide's `date -u +'%Y-%m-%dT%H:%M:%SZ'`. */
export function buildDate(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * BUILD_DATE, VCS_REF and VERSION. The git queries are probes: they also run under `--dry-run`
 * so the printed build command carries the real values. Outside a git repository the values
 * are `unknown` / `0.0.0-dev` rather than a failed build.
 */
export async function buildMetadata(ctx: TaskContext): Promise<Record<'BUILD_DATE' | 'VCS_REF' | 'VERSION', string>> {
  const probe = ctx.$.with({ probe: true, nothrow: true, silent: true });
  const ref = await probe`git rev-parse --short HEAD`;
  const version = await probe`git describe --tags --always`;
  return {
    BUILD_DATE: buildDate(),
    VCS_REF: ref.exitCode === 0 && ref.stdout.trim() ? ref.stdout.trim() : 'unknown',
    VERSION: version.exitCode === 0 && version.stdout.trim() ? version.stdout.trim() : '0.0.0-dev',
  };
}

/** The configured build args plus BUILD_DATE/VCS_REF/VERSION, and as `--build-arg` flags. */
export async function buildArgsFor(ctx: TaskContext): Promise<{ buildArgs: Record<string, string>; flags: string[] }> {
  const buildArgs: Record<string, string> = { ...ctx.config.image.buildArgs, ...(await buildMetadata(ctx)) };
  return { buildArgs, flags: Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]) };
}

/** `docker build` of the configured image, then `docker image inspect` for its id and labels. */
export async function buildImage(ctx: TaskContext, options: { noCache: boolean }): Promise<ImageBuild> {
  const { image } = ctx.config;
  const { buildArgs, flags } = await buildArgsFor(ctx);
  const rel = (p: string) => path.relative(ctx.projectDir, p) || '.';
  const args = [
    'build',
    '--file',
    rel(image.dockerfile),
    '--tag',
    image.ref,
    ...flags,
    ...(options.noCache ? ['--no-cache', '--pull'] : []),
    rel(image.context),
  ];
  ctx.report(`building ${image.ref}${options.noCache ? ' without cache' : ''}`);
  await docker(ctx, args);
  if (ctx.flags.dryRun) return { imageId: image.ref, ref: image.ref, tags: [image.ref], labels: {}, buildArgs, noCache: options.noCache };
  const inspected = await inspectImage(ctx, image.ref);
  if (!inspected) ctx.fail({ reason: 'task-error', message: `docker build succeeded but ${image.ref} cannot be inspected`, hint: 'check `docker image ls`' });
  ctx.report(`built ${inspected.id.slice(0, 19)}`);
  return { imageId: inspected.id, ref: image.ref, tags: inspected.repoTags, labels: inspected.labels, buildArgs, noCache: options.noCache };
}

/** Id, labels and repo digests of a local image, or undefined when it does not exist. */
export async function inspectImage(ctx: TaskContext, ref: string): Promise<{ id: string; labels: Record<string, string>; repoDigests: string[]; repoTags: string[] } | undefined> {
  const result = await docker(ctx, ['image', 'inspect', ref], { nothrow: true, silent: true });
  if (result.exitCode !== 0) return undefined;
  const parsed = JSON.parse(result.stdout) as { Id: string; Config?: { Labels?: Record<string, string> | null }; RepoDigests?: string[] | null; RepoTags?: string[] | null }[];
  const first = parsed[0];
  if (!first) return undefined;
  return { id: first.Id, labels: first.Config?.Labels ?? {}, repoDigests: first.RepoDigests ?? [], repoTags: first.RepoTags ?? [] };
}
