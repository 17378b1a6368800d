/**
 * Plain-text views of scan findings for the terminal and failure messages. No colours: the
 * renderer decides about styling, and these strings also land in CI logs and JSON summaries.
 */

import type { Finding } from '../scan/parse.js';
import { SEVERITIES, type Severity } from '../scan/severity.js';
import { blankControl, shorten } from './text.js';

/** `CRITICAL 2, HIGH 0, MEDIUM 4, LOW 0, UNKNOWN 0`: every level, most severe first. */
export function countLine(counts: Readonly<Record<Severity, number>>): string {
  return SEVERITIES.map((s) => `${s} ${counts[s]}`).join(', ');
}

const HEADERS = ['ID', 'PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY', 'TARGET'] as const;
/** Longest cell we print; report values (targets, versions) can be arbitrarily long. */
const MAX_CELL = 60;

/**
 * An aligned table of the most severe findings (ties by id, package, target, so the output
 * does not depend on Trivy's result order), at most `max` rows, then `… and N more` when some
 * were left out. `''` when there are no findings.
 */
export function findingsTable(findings: readonly Finding[], max = 10): string {
  if (findings.length === 0) return '';
  const limit = Math.max(0, Math.floor(max));
  const sorted = [...findings].sort(compareFindings);
  const rows = sorted.slice(0, limit).map(toRow);
  const lines: string[] = [];
  if (rows.length > 0) {
    const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    for (const row of [[...HEADERS], ...rows]) {
      lines.push(
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
    }
  }
  const rest = findings.length - rows.length;
  if (rest > 0) lines.push(`… and ${rest} more`);
  return lines.join('\n');
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.id.localeCompare(b.id, 'en') ||
    pkg(a).localeCompare(pkg(b), 'en') ||
    a.target.localeCompare(b.target, 'en')
  );
}

const pkg = (f: Finding): string => (f.kind === 'vulnerability' ? f.pkgName : '');

function toRow(f: Finding): string[] {
  const where = f.kind === 'vulnerability' || f.startLine === undefined ? f.target : `${f.target}:${f.startLine}`;
  const cells =
    f.kind === 'vulnerability'
      ? [f.id, f.pkgName, f.installedVersion, f.fixedVersion ?? '-', f.severity, where]
      : [f.id, '-', '-', '-', f.severity, where];
  return cells.map(cell);
}

/**
 * Report values are untrusted text: control characters (ANSI escapes, newlines) would break
 * the alignment or restyle the user's terminal, so they become spaces.
 */
function cell(value: string): string {
  return shorten(blankControl(value).trim() || '-', MAX_CELL);
}
