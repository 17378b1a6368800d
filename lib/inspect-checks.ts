/**
 * Verifies a running container against its {@link HardeningPolicy} from `docker inspect` output
 * alone: a scratch image has no shell, so nothing here relies on `docker exec`. Used by
 * `deploy-secure` after every deploy and by the `audit` task.
 *
 * Ids in `cis` are CIS Docker Benchmark 1.6.0 as numbered by docker-bench-security master (5.1 to
 * 5.32); older tools use ids one lower in section 5. Inspect paths, observed values and type quirks:
 * /work/shared/docs/docker-hardening.md.
 *
 * A key the engine leaves out reads as the Go zero value (false, "", 0, []), which is what the
 * engine means by omitting it; `null` is read the same way.
 */
import type { HardeningPolicy } from './hardening.js';
import { show } from './util/json-path.js';
import { check, shorten } from './_checks-common.js';
import { identityChecks, labelChecks, namespaceChecks, privilegeChecks } from './_checks-identity.js';
import { mountChecks } from './_checks-mounts.js';
import { networkChecks, portChecks } from './_checks-network.js';
import { lifecycleChecks, resourceChecks, ulimitAndLogChecks } from './_checks-runtime.js';

/** `warn` = weaker than recommended but what the policy asked for; `skip` = cannot be judged here. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One verified setting. `expected`/`actual` are one-line, human-readable renderings. */
export type Check = {
  /** Stable slug, e.g. `read-only-rootfs`; safe to match on in scripts and tests. */
  readonly id: string;
  /** CIS Docker Benchmark 1.6.0 id (e.g. `5.13`), or `-` when the check has none. */
  readonly cis: string;
  readonly title: string;
  readonly expected: string;
  readonly actual: string;
  readonly status: CheckStatus;
};

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
export function checksFailed(checks: readonly Check[]): Check[] {
  return checks.filter((c) => c.status === 'fail');
}

const RESULT: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };
const MAX_CELL = 100;

/**
 * A plain aligned table: CHECK, CIS, EXPECTED, ACTUAL, RESULT. Control characters are escaped
 * because labels and health output come from the image and could carry terminal escapes.
 */
export function formatChecksTable(checks: readonly Check[]): string {
  const rows = [
    ['CHECK', 'CIS', 'EXPECTED', 'ACTUAL', 'RESULT'],
    ...checks.map((ch) => [ch.id, ch.cis, ch.expected, ch.actual, RESULT[ch.status]].map(cell)),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n');
}

function cell(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shorten(escaped, MAX_CELL);
}
