/**
 * Which base images a project has, and what digest each resolves to. Used by
 * `update-base-images` (pull and compare) and `rebuild-no-cache --if-changed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ResolvedConfig } from '../config/types.js';

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
