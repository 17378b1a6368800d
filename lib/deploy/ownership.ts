/**
 * Whose a container is. Every container a deploy starts carries the project's ownership labels
 * (lib/docker/labels.ts); a container under the service's names (`<name>`, `<name>-previous`,
 * `<name>-next`) that carries another project's id, or none, is never renamed, stopped or
 * removed: two projects with the same `container.name` (any two projects left at a default name)
 * would otherwise take over each other's service and volumes. `--adopt` takes one over on purpose.
 */
import { LABELS, ownerLabels } from '../docker/labels.js';
import type { Failure } from '../failure.js';

type Inspected = Readonly<Record<string, unknown>>;

/** The first container of `found` that is not this project's, as a `not-ours` failure; undefined when all are. */
export function ownershipProblem(
  found: ReadonlyMap<string, Inspected>,
  projectDir: string,
  imageName: string,
  adopt: boolean,
): Extract<Failure, { reason: 'not-ours' }> | undefined {
  if (adopt) return undefined;
  const ours = ownerLabels(projectDir, imageName);
  for (const [container, info] of found) {
    const labels = ((info['Config'] as { Labels?: Record<string, string> | null } | undefined)?.Labels ?? {}) as Record<
      string,
      string
    >;
    const owner = labels[LABELS.project];
    if (owner === ours[LABELS.project]) continue;
    return {
      reason: 'not-ours',
      container,
      ...(owner !== undefined ? { owner } : {}),
      ...(labels[LABELS.projectDir] !== undefined ? { ownerDir: labels[LABELS.projectDir] } : {}),
      ours: ours[LABELS.project]!,
      oursDir: ours[LABELS.projectDir]!,
    };
  }
  return undefined;
}
