/**
 * Verifying a running container against the policy: read `docker inspect` of the container (and
 * of its network, when it has one) and run every check on that JSON (never grep, never exec: a
 * scratch image has no shell). Used by deploy-secure after every deploy and by audit.
 */
import { docker } from '../docker/cli.js';
import { inspectContainer } from '../docker/health.js';
import type { DockerTarget } from '../docker/target.js';
import type { TaskContext } from '../engine/task.js';
import { TaskFailure } from '../failure.js';
import { formatChecksTable } from '../render/checks.js';
import { type Check, failingChecks, verifyContainer } from './checks/index.js';
import type { HardeningPolicy } from './policy.js';

/** Every hardening check against the running container; the network is inspected when used. */
export async function hardeningChecks(
  ctx: TaskContext,
  name: string,
  policy: HardeningPolicy,
  expectedImageId?: string,
  options: { target?: DockerTarget } = {},
): Promise<Check[] | undefined> {
  const on = options.target ? { target: options.target } : {};
  const info = await inspectContainer(ctx, name, on);
  if (!info) return undefined;
  let networkInspect: unknown;
  if (policy.network.mode === 'network') {
    const net = await docker(ctx, ['network', 'inspect', policy.network.name], { nothrow: true, silent: true, ...on });
    if (net.exitCode === 0) networkInspect = (JSON.parse(net.stdout) as unknown[])[0];
  }
  return verifyContainer(info, policy, {
    ...(expectedImageId ? { expectedImageId } : {}),
    ...(networkInspect ? { networkInspect } : {}),
  });
}

/** A `checks-failed` failure for the failing checks, with the table. */
export function verificationFailure(what: string, checks: readonly Check[]): TaskFailure | undefined {
  const failed = failingChecks(checks);
  if (failed.length === 0) return undefined;
  return new TaskFailure({
    reason: 'checks-failed',
    what,
    failed: failed.map((c) => `${c.id}${c.cis !== '-' ? ` (CIS ${c.cis})` : ''}`),
    details: formatChecksTable(failed),
  });
}
