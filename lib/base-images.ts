/**
 * Which base images a project has, and what digest each resolves to. Used by
 * `update-base-images` (pull and compare) and `rebuild-no-cache --if-changed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ResolvedConfig } from './config-types.js';
import { docker } from './docker.js';
import type { TaskContext } from './task.js';

export interface BaseImageUpdate {
  readonly image: string;
  /** Digest recorded by the previous check (or found locally on first sight); null: none. */
  readonly before: string | null;
  /** Digest after this pull; null under --dry-run. */
  readonly after: string | null;
  readonly changed: boolean;
}

/** The configured base images united with the Dockerfile's FROM images (ARG defaults resolved). */
export async function projectBaseImages(config: ResolvedConfig): Promise<string[]> {
  const images = [...config.baseImages];
  if (existsSync(config.image.dockerfile)) {
    const { parseDockerfile, baseImages } = await import('./dockerfile.js');
    images.push(...baseImages(parseDockerfile(readFileSync(config.image.dockerfile, 'utf8'), config.image.buildArgs)));
  }
  return [...new Set(images)];
}

/** `name` of `name:tag` / `name@digest`, with Docker Hub's implicit prefixes removed. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const name = colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
  return name.replace(/^docker\.io\//, '').replace(/^library\//, '');
}

/** The repo digest of a local image for `ref`'s repository, or null when it has none. */
export async function localDigest(ctx: TaskContext, ref: string): Promise<string | null> {
  const result = await docker(ctx, ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], { nothrow: true, silent: true });
  if (result.exitCode !== 0) return null;
  const digests = (JSON.parse(result.stdout || 'null') as string[] | null) ?? [];
  const repo = repositoryOf(ref);
  const match = digests.find((d) => repositoryOf(d) === repo) ?? digests[0];
  return match ? (match.split('@')[1] ?? null) : null;
}
