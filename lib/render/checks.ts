/**
 * The hardening checks as a table: CHECK, CIS, EXPECTED, ACTUAL, RESULT (deploy failures, audit).
 */
import type { Check, CheckStatus } from '../hardening/checks/index.js';
import { escapeControl, shorten } from './text.js';

const RESULT: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };
const MAX_CELL = 100;
/** EXPECTED and ACTUAL are never cut below this, however narrow the terminal. */
const MIN_VALUE = 12;

/**
 * A plain aligned table: CHECK, CIS, EXPECTED, ACTUAL, RESULT. Control characters are escaped
 * because labels and health output come from the image and could carry terminal escapes. With
 * `width` (a terminal's), EXPECTED and ACTUAL are cut so that a row fits in one line; without it
 * (logs, files, failure details) every value is kept up to 100 characters.
 */
export function formatChecksTable(checks: readonly Check[], width?: number): string {
  const rows = [
    ['CHECK', 'CIS', 'EXPECTED', 'ACTUAL', 'RESULT'],
    ...checks.map((ch) => [ch.id, ch.cis, ch.expected, ch.actual, RESULT[ch.status]].map(cell)),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  if (width !== undefined) {
    // Two spaces between the five columns; the rest is shared by EXPECTED and ACTUAL.
    const fixed = widths[0]! + widths[1]! + widths[4]! + 4 * 2;
    const room = Math.max(2 * MIN_VALUE, width - fixed);
    const expected = Math.min(widths[2]!, Math.max(MIN_VALUE, Math.floor(room / 2)));
    const actual = Math.min(widths[3]!, Math.max(MIN_VALUE, room - expected));
    widths[2] = expected;
    widths[3] = actual;
    for (const r of rows) {
      r[2] = shorten(r[2]!, expected);
      r[3] = shorten(r[3]!, actual);
    }
  }
  return rows.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n');
}

function cell(text: string): string {
  return shorten(escapeControl(text), MAX_CELL);
}
