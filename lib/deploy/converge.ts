/**
 * Converge-only deploy: is the service already what this deploy would make it? Yes when the
 * container under `container.name` runs the desired image id, carries the desired run-spec label,
 * is running and healthy, and passes every hardening check. Otherwise the answer names the first
 * difference, so `--explain` can say why the container is replaced.
 */
import { awaitHealth } from '../docker/health.js';
import { LABELS } from '../docker/labels.js';
import { type Check, failingChecks, verifyContainer } from '../hardening/checks/index.js';
import { type Engine, stateOf } from './engine.js';
import type { DeployRecord } from './record.js';
import { describeSettingChanges, type RunSettings } from './run-spec.js';

/** What the deploy wants to be running. */
export interface Desired {
  readonly imageId: string;
  readonly runSpec: string;
  readonly settings: RunSettings;
}

export type Assessment =
  | { readonly upToDate: true; readonly why: string; readonly checks: Check[]; readonly containerId: string }
  | { readonly upToDate: false; readonly why: string };

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * Compare the service with `desired` (`known`: its inspect document, when just read). A container
 * whose health is still `starting` (just restarted by its restart policy) is waited for, up to the
 * health timeout, before judging it.
 */
export async function assess(
  engine: Engine,
  name: string,
  desired: Desired,
  record: DeployRecord | undefined,
  networkInspect: unknown,
  known?: Record<string, unknown>,
): Promise<Assessment> {
  const { ctx } = engine;
  const policy = ctx.config.container;
  let info = known ?? (await engine.inspect(name));
  if (!info) return { upToDate: false, why: `no container named ${name} yet` };
  let state = stateOf(info);
  if (state.Running && state.Health?.Status === 'starting') {
    ctx.progress(`${name} is starting; waiting for its health before comparing`);
    await awaitHealth(ctx, name, policy.healthTimeoutSeconds, { target: engine.target });
    info = (await engine.inspect(name)) ?? info;
    state = stateOf(info);
  }
  if (!state.Running || state.Restarting) {
    const how = state.Restarting
      ? 'restarting'
      : `${state.Status ?? 'not running'}${state.ExitCode !== undefined && state.Status === 'exited' ? ` with code ${state.ExitCode}` : ''}`;
    return { upToDate: false, why: `container ${name} was stopped (${how})` };
  }
  const image = info['Image'] as string | undefined;
  if (image !== desired.imageId)
    return { upToDate: false, why: `image changed (${shortId(image ?? '?')} → ${shortId(desired.imageId)})` };
  const labels = ((info['Config'] as { Labels?: Record<string, string> | null } | undefined)?.Labels ?? {}) as Record<
    string,
    string
  >;
  const spec = labels[LABELS.runSpec];
  if (spec !== desired.runSpec) return { upToDate: false, why: settingsChanged(spec, desired, record) };
  const health = state.Health?.Status;
  if (health !== 'healthy')
    return { upToDate: false, why: `container ${name} is ${health ? health : 'without a health check'}` };
  const checks = verifyContainer(info, policy, {
    expectedImageId: desired.imageId,
    ...(networkInspect ? { networkInspect } : {}),
  });
  const failed = failingChecks(checks);
  if (failed.length > 0) {
    const first = failed[0]!;
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
    return {
      upToDate: false,
      why: `hardening check ${first.id} fails: expected ${first.expected}, actual ${first.actual}${more}`,
    };
  }
  const passed = checks.filter((c) => c.status === 'pass').length;
  return {
    upToDate: true,
    why: `${name} runs ${shortId(desired.imageId)} with the same run settings, healthy, ${passed} checks passed`,
    checks,
    containerId: info['Id'] as string,
  };
}

function settingsChanged(label: string | undefined, desired: Desired, record: DeployRecord | undefined): string {
  if (label === undefined) return 'the container has no run-spec label (started by hand or by an older cloudy-tasks)';
  if (record && record.runSpec === label) {
    const changes = describeSettingChanges(record.settings, desired.settings);
    if (changes.length > 0) return changes.join('; ');
  }
  return `the run settings changed (run spec ${label} → ${desired.runSpec})`;
}
