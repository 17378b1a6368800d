/**
 * The hardening checks as a table: CHECK, CIS, EXPECTED, ACTUAL, RESULT (deploy failures, audit).
 */
import type { Check, CheckStatus } from '../hardening/checks/index.js';
import { escapeControl, shorten } from './text.js';

const RESULT: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };
const MAX_CELL = 300;
/**
 * Without a terminal (CI logs, files): rows wrap at this width instead of being cut; with the
 * line renderer's `[audit]   ` prefix a log line stays near 120 columns.
 */
const LOG_WIDTH = 110;
/** EXPECTED and ACTUAL are never cut below this, however narrow the terminal. */
const MIN_VALUE = 12;

/**
 * A plain aligned table: CHECK, CIS, EXPECTED, ACTUAL, RESULT. Control characters are escaped
 * because labels and health output come from the image and could carry terminal escapes. With
 * `width` (a terminal's), EXPECTED and ACTUAL are cut so that a row fits in one line; without it
 * (logs, files, failure details) every value is kept up to 300 characters, and a row wider than
 * 110 columns continues on the next lines, under its own columns, so nothing is cut and a CI
 * log stays readable.
 */
export function formatChecksTable(checks: readonly Check[], width?: number): string {
  const rows = [
    ['CHECK', 'CIS', 'EXPECTED', 'ACTUAL', 'RESULT'],
    ...checks.map((ch) => [ch.id, ch.cis, ch.expected, ch.actual, RESULT[ch.status]].map(cell)),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  if (width !== undefined) {
    const [expected, actual] = valueWidths(widths, width);
    widths[2] = expected;
    widths[3] = actual;
    for (const r of rows) {
      r[2] = shorten(r[2]!, expected);
      r[3] = shorten(r[3]!, actual);
    }
    return rows.map((r) => line(r, widths)).join('\n');
  }
  const [expected, actual] = valueWidths(widths, LOG_WIDTH);
  widths[2] = expected;
  widths[3] = actual;
  return rows
    .flatMap((r) => {
      const e = chunks(r[2]!, expected);
      const a = chunks(r[3]!, actual);
      return Array.from({ length: Math.max(e.length, a.length) }, (_, i) =>
        i === 0
          ? line([r[0]!, r[1]!, e[0]!, a[0] ?? '', r[4]!], widths)
          : line(['', '', e[i] ?? '', a[i] ?? ''], widths),
      );
    })
    .join('\n');
}

/** EXPECTED and ACTUAL share what CHECK, CIS, RESULT and the gaps leave; a short one keeps its width. */
function valueWidths(widths: readonly number[], total: number): [number, number] {
  const fixed = widths[0]! + widths[1]! + widths[4]! + 4 * 2;
  const room = Math.max(2 * MIN_VALUE, total - fixed);
  const [e, a] = [widths[2]!, widths[3]!];
  if (e + a <= room) return [e, a];
  const half = Math.floor(room / 2);
  if (e <= half) return [e, room - e];
  if (a <= half) return [room - a, a];
  return [half, room - half];
}

function line(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((v, i) => (i === cells.length - 1 ? v : v.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}

/** `text` in pieces of at most `size`, broken after a space when there is one. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > size) {
    const space = rest.lastIndexOf(' ', size);
    const cut = space > size / 2 ? space + 1 : size;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

function cell(text: string): string {
  return shorten(escapeControl(text), MAX_CELL);
}
