/**
 * Verifies a running container against its {@link HardeningPolicy} from `docker inspect` output
 * alone: a scratch image has no shell, so nothing here relies on `docker exec`. Used by
 * `deploy-secure` after every deploy and by the `audit` task.
 *
 * Ids in `cis` are CIS Docker Benchmark 1.6.0 as numbered by docker-bench-security master (5.1 to
 * 5.32); older tools use ids one lower in section 5. The inspect paths and values were observed on
 * a real Engine 20.10 (test/fixtures/inspect/ holds such documents).
 *
 * A key the engine leaves out reads as the Go zero value (false, "", 0, []), which is what the
 * engine means by omitting it; `null` is read the same way.
 */

import { show } from '../../util/json-path.js';
import type { HardeningPolicy } from '../policy.js';
import { check } from './common.js';

export type { Check, CheckStatus } from './common.js';

import type { Check } from './common.js';
import { identityChecks, labelChecks, namespaceChecks, privilegeChecks } from './identity.js';
import { mountChecks } from './mounts.js';
import { networkChecks, portChecks } from './network.js';
import { lifecycleChecks, resourceChecks, ulimitAndLogChecks } from './runtime.js';

export type VerifyOptions = {
  /** The image id the build produced; when given, the container must run exactly that image (5.28). */
  readonly expectedImageId?: string;
  /** Element [0] of `docker network inspect <policy.network.name>`, for the ICC/NAT/internal check. */
  readonly networkInspect?: unknown;
};

/**
 * Every check, in a fixed order, for `inspect` = element [0] of `docker inspect <container>` (a
 * one-element array is unwrapped). Never throws: unreadable input gives one failing check.
 */
export function verifyContainer(inspect: unknown, policy: HardeningPolicy, opts: VerifyOptions = {}): Check[] {
  const c: unknown = Array.isArray(inspect) && inspect.length === 1 ? inspect[0] : inspect;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    return [check('inspect', '-', 'docker inspect output is readable', 'a container object', show(c), 'fail')];
  }
  return [
    ...identityChecks(c, policy),
    ...privilegeChecks(c, policy),
    ...resourceChecks(c, policy),
    ...ulimitAndLogChecks(c, policy),
    ...networkChecks(c, policy, opts.networkInspect),
    ...namespaceChecks(c),
    ...mountChecks(c, policy),
    ...portChecks(c, policy),
    ...lifecycleChecks(c, policy, opts.expectedImageId),
    ...labelChecks(c),
  ];
}

/** The checks whose status is `fail`. */
export function failingChecks(checks: readonly Check[]): Check[] {
  return checks.filter((c) => c.status === 'fail');
}
