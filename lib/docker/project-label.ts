/**
 * The label every service, network and task container this project creates carries, so that
 * what is ours can be told apart from what is not (and found and cleaned up by label): the
 * image name and a short hash of the project directory, so two checkouts of one project do not
 * claim each other's objects.
 */
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config/types.js';

export const PROJECT_LABEL = 'io.cloudy-tasks.project';

/** `<image name>.<12 hex of the project directory>`, e.g. `cloudy-mc-codeface.3f2a9c01b7de`. */
export function projectLabelValue(config: Pick<ResolvedConfig, 'projectDir' | 'image'>): string {
  const hash = createHash('sha256').update(config.projectDir).digest('hex').slice(0, 12);
  return `${config.image.name.replace(/[^A-Za-z0-9_.-]/g, '-')}.${hash}`;
}
