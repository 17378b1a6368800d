/**
 * The compose tasks' text: compose-audit's table (one row per service and check), dev-up's
 * verification lines, and the generated file on stdout for `compose-file --stdout`.
 */
import type { ComposeFinding } from '../compose/audit.js';
import type { CheckStatus } from '../hardening/checks/index.js';
import { escapeControl, shorten } from './text.js';

const RESULT: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

/** SERVICE, CHECK, CIS, EXPECTED, ACTUAL, RESULT; control characters escaped (the file is the user's). */
export function formatComposeAudit(findings: readonly ComposeFinding[]): string {
  const rows = [
    ['SERVICE', 'CHECK', 'CIS', 'EXPECTED', 'ACTUAL', 'RESULT'],
    ...findings.map((f) =>
      [f.service, f.id, f.cis, f.expected, f.actual, RESULT[f.status]].map((c) => shorten(escapeControl(c), 110)),
    ),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n');
}

/**
 * How a failing finding is named in the one-line failure: `app: pids-limit (CIS 5.29)`. A
 * disabled seccomp filter says where it usually comes from: the security guide's own compose file.
 */
export function findingName(f: ComposeFinding): string {
  const guide =
    f.id === 'seccomp' && /unconfined/i.test(f.actual)
      ? ", seccomp unconfined as in the security guide's own compose file"
      : '';
  return `${f.service}: ${f.id}${f.cis !== '-' ? ` (CIS ${f.cis}${guide})` : guide}`;
}

/**
 * `compose-file --stdout`: the document alone on stdout (the CLI sends every other line to
 * stderr then), so `cloudy-tasks compose-file --stdout > compose.yml` is the whole file.
 */
export function printDocument(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
