/**
 * The dev stack's containers: finding the ones compose started for a project (by label, never
 * by name), and deciding before `up` whether the file on disk may be started at all: every
 * active service must be one compose-file generates, from this config (its config hash), and
 * pass compose-audit. Nothing starts when any of that does not hold.
 */
import { docker } from '../docker/cli.js';
import { LABELS } from '../docker/labels.js';
import type { TaskContext } from '../engine/task.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { type AuditContext, auditCompose, type ComposeFinding } from './audit.js';
import type { EffectiveConfig, EffectiveService } from './effective.js';
import type { GeneratedCompose } from './generate.js';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, CONFIG_HASH_LABEL } from './labels.js';
import { scopedPolicy } from './project.js';

/** Names of the containers of `project` (optionally of one service), running or not. */
export async function projectContainers(ctx: TaskContext, project: string, service?: string): Promise<string[]> {
  const filters = [
    `label=${COMPOSE_PROJECT_LABEL}=${project}`,
    ...(service ? [`label=${COMPOSE_SERVICE_LABEL}=${service}`] : []),
  ];
  const result = await docker(
    ctx,
    ['ps', '--all', '--format', '{{.Names}}', ...filters.flatMap((f) => ['--filter', f])],
    {
      silent: true,
    },
  );
  return result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A service dev-up may start, with the policy its container is verified against. */
export interface PlannedService {
  readonly name: string;
  readonly policy: HardeningPolicy;
}

export type Plan =
  | { readonly ok: true; readonly services: readonly PlannedService[] }
  | { readonly ok: false; readonly problems: readonly string[]; readonly findings: readonly ComposeFinding[] };

/**
 * Check the active services of the effective config against what the config generates. The
 * policy of each is the generated one with the project's names (./project.ts).
 */
export function planStart(
  active: readonly EffectiveService[],
  effective: EffectiveConfig,
  expected: GeneratedCompose,
  project: string,
  audit: AuditContext,
): Plan {
  const problems: string[] = [];
  const services: PlannedService[] = [];
  for (const s of active) {
    const generated = expected.services.find((g) => g.name === s.name);
    if (!generated) {
      problems.push(`service ${s.name} is not one compose-file generates, so it has no policy to be verified against`);
      continue;
    }
    if (s.labels[LABELS.project] !== expected.owner) {
      problems.push(
        `service ${s.name} lacks the label ${LABELS.project}=${expected.owner} that compose-file puts on it`,
      );
      continue;
    }
    if (s.labels[CONFIG_HASH_LABEL] !== generated.hash) {
      problems.push(
        `service ${s.name} was generated from another config or Dockerfile (its ${CONFIG_HASH_LABEL} differs)`,
      );
      continue;
    }
    services.push({ name: s.name, policy: scopedPolicy(generated.policy, project) });
  }
  const findings = auditCompose({ services: active, networks: effective.networks }, audit).filter(
    (f) => f.status === 'fail',
  );
  return problems.length > 0 || findings.length > 0 ? { ok: false, problems, findings } : { ok: true, services };
}
