/**
 * `docker build` of the configured image, with the guide's BUILD_DATE, VCS_REF and VERSION
 * build args, and the typed result the `docker` and `rebuild-no-cache` tasks output.
 */
import path from 'node:path';
import type { TaskContext } from '../engine/task.js';
import { docker } from './cli.js';
import { inspectImage } from './image.js';

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
  /** Bytes, as `docker image inspect` reports `Size` (absent under `--dry-run`). */
  readonly size?: number;
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
  // A context or Dockerfile named like an option (`--network=host`, `-`) must stay a path.
  const rel = (p: string) => {
    const relative = path.relative(ctx.projectDir, p) || '.';
    return relative.startsWith('-') ? `./${relative}` : relative;
  };
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
  ctx.progress(`building ${image.ref}${options.noCache ? ' without cache' : ''}`);
  await docker(ctx, args);
  if (ctx.flags.dryRun)
    return { imageId: image.ref, ref: image.ref, tags: [image.ref], labels: {}, buildArgs, noCache: options.noCache };
  const inspected = await inspectImage(ctx, image.ref);
  if (!inspected)
    ctx.fail({
      reason: 'task-error',
      message: `docker build succeeded but ${image.ref} cannot be inspected`,
      hint: 'check `docker image ls`',
    });
  return {
    imageId: inspected.id,
    ref: image.ref,
    tags: inspected.repoTags,
    labels: inspected.labels,
    buildArgs,
    noCache: options.noCache,
    ...(inspected.size !== undefined ? { size: inspected.size } : {}),
  };
}
