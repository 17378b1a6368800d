/**
 * `docker build` of the configured image, with the guide's BUILD_DATE, VCS_REF and VERSION
 * build args and our labels, and the typed result the `docker` and `rebuild-no-cache` tasks
 * output. A successful build is recorded (lib/docker/build-record.ts) with the fingerprint of
 * the inputs it was made from, which is what lets the next run say "up to date".
 */
import path from 'node:path';
import type { TaskContext } from '../engine/task.js';
import { recordBuild, stageImagesOf } from './build-record.js';
import { buildInputFlags } from './builder.js';
import { docker } from './cli.js';
import { baseImageIds, buildInputs, type ContextInputs, fingerprintOf } from './fingerprint.js';
import { inspectImage } from './image.js';
import { LABELS, labelArgs, ownerLabels } from './labels.js';
import { isSecretArgName, withoutSecretValues } from './secret-names.js';

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
  /** True when nothing was built: the image an earlier build made from the same inputs. */
  readonly upToDate: boolean;
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
  // Side by side: two read-only queries, and on every build and dry run.
  const [ref, version] = await Promise.all([probe`git rev-parse --short HEAD`, probe`git describe --tags --always`]);
  return {
    BUILD_DATE: buildDate(),
    VCS_REF: ref.exitCode === 0 && ref.stdout.trim() ? ref.stdout.trim() : 'unknown',
    VERSION: version.exitCode === 0 && version.stdout.trim() ? version.stdout.trim() : '0.0.0-dev',
  };
}

/**
 * The configured build args plus BUILD_DATE/VCS_REF/VERSION, as `--build-arg` flags. A
 * secret-looking one goes by name only (`--build-arg NPM_TOKEN`, docker reads the value from its
 * environment), so the value is never in the argv that `ps` shows for the whole build; `env`
 * holds those values for the docker child alone.
 */
export async function buildArgsFor(
  ctx: TaskContext,
): Promise<{ buildArgs: Record<string, string>; flags: string[]; env: Record<string, string> }> {
  const buildArgs: Record<string, string> = { ...ctx.config.image.buildArgs, ...(await buildMetadata(ctx)) };
  const env: Record<string, string> = {};
  const flags = Object.entries(buildArgs).flatMap(([k, v]) => {
    if (!isSecretArgName(k)) return ['--build-arg', `${k}=${v}`];
    env[k] = v;
    return ['--build-arg', k];
  });
  return { buildArgs: withoutSecretValues(buildArgs), flags, env };
}

/** How to build, and what the up-to-date check read (recorded with the result). */
export interface BuildRequest {
  readonly noCache: boolean;
  /**
   * The inputs read before the build (lib/docker/up-to-date.ts). Without them (`--dry-run`, an
   * unreadable context) the build runs but is not recorded, so the next run builds again.
   */
  readonly context?: ContextInputs;
  /** The fingerprint the inputs had before the build, put on the image as a label. */
  readonly fingerprint?: string;
}

/** `docker build` of the configured image, then `docker image inspect` for its id and labels. */
export async function buildImage(ctx: TaskContext, request: BuildRequest): Promise<ImageBuild> {
  const { image } = ctx.config;
  const { buildArgs, flags, env } = await buildArgsFor(ctx);
  // A context or Dockerfile named like an option (`--network=host`, `-`) must stay a path.
  const rel = (p: string) => {
    const relative = path.relative(ctx.projectDir, p) || '.';
    return relative.startsWith('-') ? `./${relative}` : relative;
  };
  const labels: Record<string, string> = ownerLabels(ctx.projectDir, image.name);
  // A --pull build may start from newer bases than the inputs read before it: no fingerprint
  // label then, so an image is never found by inputs it was not built from.
  if (request.fingerprint && !request.noCache) labels[LABELS.buildFingerprint] = request.fingerprint;
  const args = [
    'build',
    '--file',
    rel(image.dockerfile),
    '--tag',
    image.ref,
    ...flags,
    ...labelArgs(labels),
    ...(request.noCache ? ['--no-cache', '--pull'] : []),
    ...buildInputFlags(image),
    rel(image.context),
  ];
  ctx.progress(`building ${image.ref}${request.noCache ? ' without cache' : ''}`);
  // Secrets need BuildKit (checked before the run: secretsNeedBuildKit); the rest builds with
  // whatever builder the environment selects. `env` holds secret build args, passed by name.
  const secrets = Object.keys(image.secrets).length > 0;
  const built = await docker(ctx, args, { env: secrets ? { ...env, DOCKER_BUILDKIT: '1' } : env });
  if (ctx.flags.dryRun)
    return {
      imageId: image.ref,
      ref: image.ref,
      tags: [image.ref],
      labels: {},
      buildArgs,
      noCache: request.noCache,
      upToDate: false,
    };
  const inspected = await inspectImage(ctx, image.ref);
  if (!inspected)
    ctx.fail({
      reason: 'task-error',
      message: `docker build succeeded but ${image.ref} cannot be inspected`,
      hint: 'check `docker image ls`',
    });
  await record(ctx, request, inspected.id, buildArgs, built.stdout);
  return {
    imageId: inspected.id,
    ref: image.ref,
    tags: inspected.repoTags,
    labels: inspected.labels,
    buildArgs,
    noCache: request.noCache,
    upToDate: false,
    ...(inspected.size !== undefined ? { size: inspected.size } : {}),
  };
}

/**
 * Record the build: its generation (with the stage images, for retention) always; its inputs
 * only when they were read before the build. Base image ids are read after it: a `--pull` build
 * may have moved them, and the record must say what the image was really built from. A record
 * that cannot be written costs a rebuild next time, never this build.
 */
async function record(
  ctx: TaskContext,
  request: BuildRequest,
  imageId: string,
  buildArgs: Record<string, string>,
  output: string,
): Promise<void> {
  const { ref } = ctx.config.image;
  const stages = stageImagesOf(output);
  const at = new Date().toISOString();
  let last: Parameters<typeof recordBuild>[1];
  if (request.context) {
    const inputs = buildInputs(request.context, await baseImageIds(ctx, request.context.fromImages));
    last = { fingerprint: fingerprintOf(inputs), inputs, imageId, ref, at, buildArgs, noCache: request.noCache };
  }
  await recordBuild(ctx.projectDir, last, ref, {
    imageId,
    at,
    producedStages: stages.produced,
    usedStages: stages.used,
  }).catch((error: unknown) =>
    ctx.progress(
      `could not record the build (${error instanceof Error ? error.message : String(error)}); the next run builds again`,
    ),
  );
}
