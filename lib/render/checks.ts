/**
 * The hardening checks as a table: CHECK, CIS, EXPECTED, ACTUAL, RESULT (deploy failures, audit).
 */
import type { Check, CheckStatus } from '../hardening/checks/index.js';
import { escapeControl, shorten } from './text.js';

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
  return shorten(escapeControl(text), MAX_CELL);
}
