/**
 * The security gate: decides from parsed findings whether a scan passes.
 *
 * We never gate on Trivy's exit code. `--exit-code 1` makes "found something" and "crashed"
 * (bad flag, DB download failure, timeout) both exit 1, and `--severity` is a set filter, not a
 * threshold (`--severity HIGH` hides CRITICAL). Gating here on the parsed JSON gives a real
 * at-or-above threshold and keeps every non-zero Trivy exit meaning "tool error".
 */

import type { BlockingFinding } from '../failure.js';
import type { Finding } from './parse.js';
import { SEVERITIES, type Severity } from './severity.js';

export interface GateOptions {
  /** Fail when a finding is at or above this level. */
  readonly failOn: Severity;
  /** Accepted ids (`.trivyignore`): vulnerability ids, misconfiguration ids or aliases, secret rule ids. */
  readonly ignoreIds?: ReadonlySet<string>;
  /** Drop vulnerabilities that have no fix, as `trivy --ignore-unfixed` does. */
  readonly ignoreUnfixed?: boolean;
}

export interface GateDecision {
  /** True when no finding is blocking. */
  readonly pass: boolean;
  /** Findings at or above `failOn` that were not ignored, in input order. */
  readonly blocking: readonly Finding[];
  /** How many findings `ignoreIds` or `ignoreUnfixed` removed (at any severity). */
  readonly ignored: number;
}

/**
 * True when `s` is at least as severe as `threshold`. `UNKNOWN` ranks below `LOW`, as in
 * Trivy's own numeric levels (0 = UNKNOWN … 4 = CRITICAL): an unrated finding blocks only
 * when the threshold is `UNKNOWN`.
 */
export function severityAtOrAbove(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
}

/**
 * Statuses `--ignore-unfixed` drops (it is shorthand for
 * `--ignore-status affected,will_not_fix,fix_deferred,end_of_life`).
 */
const UNFIXED_STATUSES: ReadonlySet<string> = new Set(['affected', 'will_not_fix', 'fix_deferred', 'end_of_life']);

/**
 * True for a vulnerability that has no fix to install. Reports older than v0.44 have no
 * `Status`; for those, as Trivy did then, "unfixed" means no `FixedVersion`.
 */
export function isUnfixed(f: Finding): boolean {
  if (f.kind !== 'vulnerability') return false;
  return f.status === undefined ? f.fixedVersion === undefined : UNFIXED_STATUSES.has(f.status);
}

/** True when the options remove this finding before the threshold applies. */
export function isSuppressed(f: Finding, opts: Omit<GateOptions, 'failOn'>): boolean {
  const ids = opts.ignoreIds;
  if (ids !== undefined && (ids.has(f.id) || (f.kind === 'misconfiguration' && f.aliases.some((a) => ids.has(a)))))
    return true;
  return opts.ignoreUnfixed === true && isUnfixed(f);
}

/** Apply ignores, then the threshold. */
export function gate(findings: readonly Finding[], opts: GateOptions): GateDecision {
  const blocking: Finding[] = [];
  let ignored = 0;
  for (const f of findings) {
    if (isSuppressed(f, opts)) ignored += 1;
    else if (severityAtOrAbove(f.severity, opts.failOn)) blocking.push(f);
  }
  return { pass: blocking.length === 0, blocking, ignored };
}

/** A blocking finding as the scan failure carries it: enough to name it in a report. */
export function blockingFinding(f: Finding): BlockingFinding {
  const base = { id: f.id, severity: f.severity, kind: f.kind, target: f.target, title: f.title };
  if (f.kind === 'vulnerability')
    return {
      ...base,
      pkg: f.pkgName,
      installed: f.installedVersion,
      ...(f.fixedVersion !== undefined ? { fixed: f.fixedVersion } : {}),
    };
  return f.startLine !== undefined ? { ...base, line: f.startLine } : base;
}

/**
 * Parse the plain `.trivyignore` format the way Trivy's `parseIgnore` does: one id per line
 * (the first whitespace-separated field), `#` comment lines and blank lines skipped, and an
 * optional `exp:YYYY-MM-DD` field. The date is midnight UTC, and an entry whose date is
 * before `now` no longer ignores anything, so an accepted risk comes back by itself.
 * Trivy skips a line whose expiry date does not parse; so do we.
 * The YAML variant (`.trivyignore.yaml`) is not handled here.
 */
export function parseTrivyIgnore(text: string, now: Date = new Date()): Set<string> {
  const ids = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const id = fields[0];
    if (id === undefined) continue;
    const exp = fields.slice(1).find((f) => f.startsWith('exp:'));
    if (exp !== undefined) {
      const expiresAt = parseDate(exp.slice('exp:'.length));
      if (expiresAt === undefined || expiresAt.getTime() < now.getTime()) continue;
    }
    ids.add(id);
  }
  return ids;
}

/** `YYYY-MM-DD` as midnight UTC (Go's `time.Parse("2006-01-02", …)`), or undefined when invalid. */
function parseDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-31 over to March; Go rejects it, and so do we.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? date
    : undefined;
}
