/**
 * `trivy image` on exactly one image id, for security-scan (the image just built) and incident
 * (the image the container runs). Trivy is given a temporary tag that names exactly that id: a
 * moving tag could be rebuilt by someone else between build and scan, and Trivy's handling of
 * bare image ids varies. The tag is removed afterwards, but never the image.
 */
import { docker } from '../docker/cli.js';
import type { TaskContext } from '../engine/task.js';
import { runTrivy } from './run.js';
import type { TrivyScanOptions } from './trivy-args.js';

export interface ImageScan {
  /** argv prefix running Trivy (see trivyCommand). */
  readonly trivy: readonly string[];
  /** `sha256:…` */
  readonly imageId: string;
  /** Repository for the temporary tag (`<repository>:<purpose>-<12 hex>`). */
  readonly repository: string;
  /** What the tag says the scan is for: `scan`, `incident`. */
  readonly purpose: string;
  readonly options: Omit<TrivyScanOptions, 'outputFile'>;
  /** Where Trivy writes its JSON report. */
  readonly outputFile: string;
}

/** Run the scan; the parsed report JSON (undefined under --dry-run, where `dryRunRef` is scanned). */
export async function scanImageId(ctx: TaskContext, scan: ImageScan, dryRunRef?: string): Promise<unknown> {
  const { trivyImageArgs } = await import('./trivy-args.js');
  const ref = ctx.flags.dryRun
    ? (dryRunRef ?? scan.imageId)
    : `${scan.repository}:${scan.purpose}-${scan.imageId.replace(/^sha256:/, '').slice(0, 12)}`;
  if (!ctx.flags.dryRun) await docker(ctx, ['tag', scan.imageId, ref], { silent: true });
  try {
    return await runTrivy(
      ctx,
      scan.trivy,
      trivyImageArgs({ ...scan.options, image: ref, outputFile: scan.outputFile }),
      scan.outputFile,
    );
  } finally {
    if (!ctx.flags.dryRun) await untag(ctx, scan.imageId, ref);
  }
}

/**
 * Remove the scan tag, but never the image: when the scan tag is the image's only tag (its
 * name:tag moved to another build meanwhile), `docker rmi` would delete the image itself.
 */
async function untag(ctx: TaskContext, imageId: string, scanRef: string): Promise<void> {
  const tags = await docker(ctx, ['image', 'inspect', '--format', '{{json .RepoTags}}', imageId], {
    nothrow: true,
    silent: true,
    critical: true,
  });
  const repoTags = tags.exitCode === 0 ? ((JSON.parse(tags.stdout || 'null') as string[] | null) ?? []) : [];
  if (repoTags.some((t) => t !== scanRef))
    await docker(ctx, ['rmi', scanRef], { nothrow: true, silent: true, critical: true });
  else ctx.progress(`kept the tag ${scanRef}: it is the only name of the scanned image`);
}
