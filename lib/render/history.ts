/**
 * `cloudy-tasks history`: the run records as a table a person can scan (when, how long, what was
 * asked, how it ended, what had nothing to do, what changed), newest last like a log.
 */
import type { RunRecord } from '../store/history.js';
import { formatTable } from './table.js';
import { blankControl } from './text.js';

export function formatHistory(records: readonly RunRecord[]): string {
  if (records.length === 0) return 'no runs recorded yet (.cloudy/history.jsonl is written by every real run)';
  return formatTable(
    ['STARTED', 'DURATION', 'OUTCOME', 'EXIT', 'TASKS', 'UP TO DATE', 'CHANGES'],
    records.map((r) => [
      r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      duration(r.durationMs),
      r.outcome,
      String(r.exitCode),
      blankControl(r.tasks.join(' ')),
      r.upToDate === undefined ? '?' : r.upToDate.length === 0 ? '-' : blankControl(r.upToDate.join(', ')),
      changes(r),
    ]),
  );
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** What changed (records of older versions: base digests only), then the scan's findings. */
function changes(r: RunRecord): string {
  const parts: string[] = r.changes ? r.changes.map(blankControl) : [];
  if (!r.changes && r.digestsChanged.length > 0)
    parts.push(`${r.digestsChanged.length} base digest${r.digestsChanged.length === 1 ? '' : 's'} changed`);
  if (r.findings) {
    const found = Object.entries(r.findings).filter(([, n]) => n > 0);
    parts.push(`scan: ${found.length === 0 ? 'no findings' : found.map(([s, n]) => `${s} ${n}`).join(' ')}`);
  }
  return parts.join('; ') || '-';
}
