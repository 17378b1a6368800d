/**
 * The compose file the resolved config generates, with the Dockerfile read for its
 * HEALTHCHECK: one function for compose-file (which writes it) and dev-up (which checks that the
 * file on disk was generated from the same config before it starts anything).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { parseDockerfile } from '../docker/dockerfile.js';
import { messageOf } from '../util/errors.js';
import { type GeneratedCompose, generateCompose } from './generate.js';
import { type ComposeHealthcheck, healthcheckFromDockerfile } from './healthcheck.js';

/** The generated compose for `config`; a Dockerfile that cannot be read adds a note, not an error. */
export async function composeFromConfig(config: ResolvedConfig): Promise<GeneratedCompose> {
  let healthcheck: ComposeHealthcheck | undefined;
  let problem: string | undefined;
  try {
    const text = await readFile(config.image.dockerfile, 'utf8');
    healthcheck = healthcheckFromDockerfile(parseDockerfile(text, config.image.buildArgs));
  } catch (error) {
    problem = `cannot read ${path.relative(config.projectDir, config.image.dockerfile)}: ${messageOf(error)}`;
  }
  const generated = generateCompose(config, healthcheck);
  return problem ? { ...generated, notes: [problem, ...generated.notes] } : generated;
}
