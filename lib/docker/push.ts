/**
 * Pushing an image by id to the configured registry and learning the digest the registry stored,
 * so deploys to other hosts name the image by digest (`repo@sha256:…`), never by a tag that can
 * move. The tag is only the vehicle of `docker push`; the digest is checked against the image's
 * own RepoDigests afterwards, so a tag moved by a concurrent build between `tag` and `push` is
 * caught instead of reported as ours.
 */
import type { TaskContext } from '../engine/task.js';
import { docker } from './cli.js';
import { inspectImage } from './image.js';

/** What `push` outputs. */
export interface PushResult {
  /** The pushed image's id (`sha256:…`, the scanned one). */
  readonly imageId: string;
  /** `<registry>/<name>`. */
  readonly repository: string;
  /** The tag pushed with it (`image.tag`). */
  readonly tag: string;
  /** The manifest digest the registry stored (`sha256:…`). */
  readonly digest: string;
  /** `<repository>@<digest>`: what deploys use. In `--dry-run`: the tagged reference. */
  readonly ref: string;
}

const DIGEST = /\bdigest: (sha256:[a-f0-9]{64})\b/;

/** Tag `imageId` as `<registry>/<name>:<tag>`, push it, and return the verified digest. */
export async function pushImage(ctx: TaskContext, imageId: string, registry: string): Promise<PushResult> {
  if (imageId === '' || imageId.startsWith('-'))
    throw new Error(`Internal error: invalid image id ${JSON.stringify(imageId)}`);
  const repository = `${registry}/${ctx.config.image.name}`;
  const tag = ctx.config.image.tag;
  const tagged = `${repository}:${tag}`;
  ctx.progress(`pushing ${imageId.slice(0, 19)} to ${tagged}`);
  await docker(ctx, ['tag', imageId, tagged]);
  const pushed = await docker(ctx, ['push', tagged]);
  if (ctx.flags.dryRun) return { imageId, repository, tag, digest: '', ref: tagged };
  const digest = DIGEST.exec(pushed.stdout)?.[1];
  const image = await inspectImage(ctx, imageId);
  const recorded = image?.repoDigests.some((d) => d === `${repository}@${digest}`) ?? false;
  if (digest === undefined || !recorded) {
    return ctx.fail({
      reason: 'task-error',
      message: digest
        ? `the registry stored ${digest} for ${tagged}, which is not image ${imageId.slice(0, 19)} (the tag moved during the push)`
        : `docker push ${tagged} printed no digest`,
      hint: 'push again; never retag the image while it is being pushed',
    });
  }
  ctx.progress(`pushed ${repository}@${digest}`);
  return { imageId, repository, tag, digest, ref: `${repository}@${digest}` };
}
