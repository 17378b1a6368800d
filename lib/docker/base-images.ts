/**
 * Which base images a project has, and what digest each resolves to. Used by
 * `update-base-images` (pull and compare) and `rebuild-no-cache --if-changed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { TaskFailure } from '../failure.js';
import { referenceProblem } from './reference.js';

export interface BaseImageUpdate {
  readonly image: string;
  /** Digest recorded by the previous check (or found locally on first sight); null: none. */
  readonly before: string | null;
  /** Digest after this pull; null under --dry-run. */
  readonly after: string | null;
  readonly changed: boolean;
}

/**
 * The configured base images united with the Dockerfile's FROM images (ARG defaults resolved).
 * A FROM image is only known after ARG substitution, so it is checked here, before `docker pull`
 * sees it: an ARG default of `--help` would otherwise reach docker as an option.
 */
export async function projectBaseImages(config: ResolvedConfig): Promise<string[]> {
  const images = [...config.baseImages];
  if (existsSync(config.image.dockerfile)) {
    const { parseDockerfile } = await import('./dockerfile.js');
    const model = parseDockerfile(readFileSync(config.image.dockerfile, 'utf8'), config.image.buildArgs);
    for (const { from } of model.stages) {
      if (from.kind !== 'image' || from.image === '') continue;
      const problem = referenceProblem(from.image);
      if (problem !== undefined) {
        const where = `${path.basename(config.image.dockerfile)}:${from.line}`;
        const written = from.raw === from.image ? '' : ` (written ${from.raw})`;
        throw new TaskFailure({
          reason: 'task-error',
          message: `${where}: FROM ${JSON.stringify(from.image)}${written} is not an image reference: ${problem}`,
          hint: 'fix the FROM line, or the ARG default or build arg it uses',
        });
      }
      images.push(from.image);
    }
  }
  return [...new Set(images)];
}
