/**
 * How a run ends, in words: the final line (counts and the total time) every human view prints,
 * the failure blocks the terminal view prints once it has finished, and the one line that goes
 * to stderr under `--json` (so a scheduled run that fails still says so where cron mails from).
 */
import { failureHeadline, formatFailure } from './failure.js';
import { type RunLog, type TaskRecord, tailFor } from './run-log.js';
import { formatDuration } from './text.js';

const tasks = (n: number) => `${n} task${n === 1 ? '' : 's'}`;

function counts(log: RunLog): string {
  const upToDate = log.upToDate > 0 ? ` (${log.upToDate} up to date)` : '';
  const [failed, skipped, succeeded] = [log.count('failed'), log.count('skipped'), log.count('succeeded')];
  if (failed === 0 && skipped === 0) return `${tasks(succeeded)} succeeded${upToDate}`;
  return `${tasks(failed)} failed, ${skipped} skipped, ${succeeded} succeeded${upToDate}`;
}

/**
 * The final line: `✔ 4 tasks succeeded in 41.2s`, or `✖ 1 task failed, 2 skipped, 1 succeeded
 * in 12.0s:` and each failed task's first line below it.
 */
export function formatRunEnd(log: RunLog, durationMs: number): { readonly ok: boolean; readonly text: string } {
  const failed = log.all.filter((t) => t.state === 'failed');
  const time = formatDuration(durationMs);
  if (failed.length === 0) return { ok: true, text: `✔ ${counts(log)} in ${time}` };
  const lines = [`✖ ${counts(log)} in ${time}:`];
  for (const t of failed) lines.push(`  ${t.task}: ${t.failure ? failureHeadline(t.failure) : 'failed'}`);
  return { ok: false, text: lines.join('\n') };
}

/** Each failed task in full (details, tables) with the last lines of its output: after the terminal view. */
export function formatFailureBlocks(log: RunLog): string {
  return log.all
    .filter((t): t is TaskRecord & { failure: NonNullable<TaskRecord['failure']> } => t.failure !== undefined)
    .map((t) => {
      const lines = [`✖ ${t.task} failed after ${formatDuration(t.durationMs ?? 0)}: ${formatFailure(t.failure)}`];
      const tail = tailFor(t);
      if (tail.length > 0) {
        lines.push(`  its last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of output:`);
        for (const line of tail) lines.push(`    ${line}`);
      }
      return lines.join('\n');
    })
    .join('\n');
}

/** `--json`: one line on stderr for a failed run, e.g. `cloudy-tasks: docker failed: … (1 task failed, …)`. */
export function formatFailureLine(log: RunLog): string | undefined {
  const failed = log.all.filter((t) => t.state === 'failed');
  if (failed.length === 0) return undefined;
  const each = failed.map((t) => `${t.task} failed: ${t.failure ? failureHeadline(t.failure) : 'failed'}`);
  return `cloudy-tasks: ${each.join('; ')} (${counts(log)})`;
}
