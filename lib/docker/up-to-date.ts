/**
 * "Is the image up to date?": the `docker` task's check before it builds. The image is up to date
 * when the fingerprint of the inputs now (lib/docker/fingerprint.ts) equals the last successful
 * build's and that image still exists, or when an image of this project carries the same
 * fingerprint label (a revert to inputs an older, kept generation was built from; a `.cloudy/`
 * that was wiped). Otherwise the answer says what changed.
 */
import type { TaskContext } from '../engine/task.js';
import { FileHashCache } from '../store/file-hashes.js';
import { storePath } from '../store/records.js';
import { messageOf } from '../util/errors.js';
import type { ImageBuild } from './build.js';
import { type BuildRecord, readImageHistory } from './build-record.js';
import { docker } from './cli.js';
import {
  type BuildInputs,
  baseImageDetails,
  buildInputs,
  type ContextInputs,
  describeChanges,
  dockerfileBaseImages,
  fingerprintOf,
  readContextInputs,
  short,
} from './fingerprint.js';
import { inspectImage } from './image.js';
import { LABELS, labelFilter, projectId } from './labels.js';

/** The answer: an existing image to output, or why a build is needed (with what was read). */
export type BuildCheck =
  | { readonly upToDate: true; readonly why: string; readonly image: ImageBuild }
  | {
      readonly upToDate: false;
      readonly why: string;
      /** The inputs read now, recorded with the build's result; absent when they could not be read. */
      readonly context?: ContextInputs;
      readonly fingerprint?: string;
    };

/** The cache of context file hashes for the project. */
export function contextHashCacheFile(projectDir: string): string {
  return storePath(projectDir, 'cache/context-hashes.json');
}

/**
 * Decide whether the `docker` task must build. Under `--dry-run` nothing is read (the dry run
 * prints the whole pipeline); with `--force` (or `options.force`: a caller that builds anyway and
 * only wants the inputs) they are still read, so the build is recorded and the next run is up to date.
 */
export async function checkBuild(ctx: TaskContext, options: { force?: boolean } = {}): Promise<BuildCheck> {
  if (ctx.flags.dryRun) return { upToDate: false, why: 'dry run: inputs not checked' };
  const { ref } = ctx.config.image;
  let context: ContextInputs;
  let inputs: BuildInputs;
  let history: Awaited<ReturnType<typeof readImageHistory>>;
  let lastImage: Promise<Inspected | undefined> = Promise.resolve(undefined);
  try {
    const [cache, read] = await Promise.all([
      FileHashCache.open(contextHashCacheFile(ctx.projectDir)),
      readImageHistory(ctx.projectDir, ref),
    ]);
    history = read;
    // Asked now, answered while the context is hashed: the no-change path waits for one docker call, not two in a row.
    if (history.last) {
      lastImage = inspectImage(ctx, history.last.imageId);
      lastImage.catch(() => undefined); // awaited below; never an unhandled rejection if we return first
    }
    // The base image ids (a docker call) are asked for while the context is hashed.
    const basesAsked = baseImageDetails(ctx, await dockerfileBaseImages(ctx.config));
    basesAsked.catch(() => undefined);
    context = await readContextInputs(ctx.config, cache);
    const bases = await basesAsked;
    if (bases.onBuild) context = await readContextInputs(ctx.config, cache, { allFiles: true });
    inputs = buildInputs(context, bases.ids);
    await cache.save().catch(() => undefined); // a cache that cannot be written only costs re-reading
  } catch (error) {
    return { upToDate: false, why: `the build context could not be fingerprinted (${messageOf(error)})` };
  }
  const fingerprint = fingerprintOf(inputs);
  if (options.force ?? ctx.flags.force) return { upToDate: false, why: '--force', context, fingerprint };
  const last = history.last;
  if (last?.fingerprint === fingerprint) {
    const image = await existing(ctx, await lastImage, last);
    if (image) return { upToDate: true, why: unchangedSince(inputs, last), image };
  }
  const labelled = await findByFingerprint(ctx, fingerprint);
  if (labelled)
    return {
      upToDate: true,
      why: `an image built from the same inputs exists (${short(labelled.imageId)})`,
      image: labelled,
    };
  const why =
    last === undefined
      ? 'no earlier build recorded'
      : last.fingerprint === fingerprint
        ? `the image ${short(last.imageId)} built from these inputs no longer exists`
        : describeChanges(last.inputs, inputs).join('; ') || 'the inputs changed';
  return { upToDate: false, why, context, fingerprint };
}

function unchangedSince(inputs: BuildInputs, last: BuildRecord): string {
  const files = Object.keys(inputs.files).length + 1;
  const bases = Object.keys(inputs.baseImages).length;
  return `${files} build file${files === 1 ? '' : 's'} (the Dockerfile and what it copies), build args${bases > 0 ? ` and ${bases} base image${bases === 1 ? '' : 's'}` : ''} unchanged since ${short(last.imageId)} was built at ${last.at}`;
}

type Inspected = NonNullable<Awaited<ReturnType<typeof inspectImage>>>;

/** The image as the `docker` task outputs it, re-tagged when its tag moved to another image. */
async function existing(
  ctx: TaskContext,
  image: Inspected | undefined,
  last?: BuildRecord,
): Promise<ImageBuild | undefined> {
  const { ref } = ctx.config.image;
  if (!image) return undefined;
  let tags = image.repoTags;
  if (!tags.includes(ref)) {
    // Someone built or tagged another image under our ref: the tag follows our inputs again.
    await docker(ctx, ['tag', image.id, ref]);
    ctx.progress(`re-tagged ${short(image.id)} as ${ref}`);
    tags = [...tags, ref];
  }
  return {
    imageId: image.id,
    ref,
    tags,
    labels: image.labels,
    buildArgs: last?.buildArgs ?? { ...ctx.config.image.buildArgs },
    noCache: last?.noCache ?? false,
    upToDate: true,
  };
}

/** The newest image of this project labelled with `fingerprint`, if any. */
async function findByFingerprint(ctx: TaskContext, fingerprint: string): Promise<ImageBuild | undefined> {
  const { projectDir, image } = ctx.config;
  const listed = await docker(
    ctx,
    [
      'image',
      'ls',
      '--quiet',
      '--no-trunc',
      ...labelFilter(LABELS.project, projectId(projectDir, image.name)),
      ...labelFilter(LABELS.buildFingerprint, fingerprint),
    ],
    { nothrow: true, silent: true },
  );
  const id = listed.exitCode === 0 ? listed.stdout.trim().split('\n')[0]?.trim() : undefined;
  return id ? existing(ctx, await inspectImage(ctx, id)) : undefined;
}
