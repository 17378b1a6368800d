/**
 * `--explain`: one line per task saying why it ran, had nothing to do, or was skipped, naming the
 * input that changed ("Dockerfile changed", "container.memory 512m → 1g", "Trivy DB updated
 * 2026-12-01"). Text for people, one JSON object per task for `--json`.
 */
import { blankControl, wrapHanging } from './text.js';

/** What became of one task, and why. */
export interface Explanation {
  readonly task: string;
  /**
   * `up-to-date`: it did nothing, its output is what an earlier run made; `provided`: another task
   * that `provides` it ran instead (rebuild-no-cache for docker).
   */
  readonly status: 'ran' | 'up-to-date' | 'provided' | 'skipped' | 'failed' | 'not-run';
  readonly why: string;
}

/**
 * The block printed after a run with `--explain`. With `columns` (a terminal's width) a long
 * reason continues under its own column instead of being cut mid-word by the terminal; without
 * (a log, a file) it stays one line per task, for grep.
 */
export function formatExplain(rows: readonly Explanation[], columns?: number): string {
  const width = Math.max(...rows.map((r) => r.task.length));
  const verb: Record<Explanation['status'], string> = {
    ran: 'ran',
    'up-to-date': 'up to date',
    provided: 'provided',
    skipped: 'skipped',
    failed: 'failed',
    'not-run': 'not run',
  };
  return [
    'why each task ran (--explain):',
    ...rows.flatMap((r) => {
      const line = `${r.task.padEnd(width)}  ${verb[r.status]}: ${blankControl(r.why)}`;
      const wrapped =
        columns === undefined || columns - (width + 4) < 30 ? [line] : wrapHanging(line, columns - 3, width + 2);
      return wrapped.map((l) => `  ${l}`);
    }),
  ].join('\n');
}

/** One JSON line per task for `--json --explain`, with `time` like every other event. */
export function explainJson(row: Explanation, now: Date = new Date()): string {
  const time = now.toISOString();
  return JSON.stringify({ type: 'task-explained', time, task: row.task, status: row.status, why: row.why });
}
