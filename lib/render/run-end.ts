/**
 * How a run ends, in words: the final line (counts and the total time) every human view prints,
 * the failure blocks the terminal view prints once it has finished, and the one line that goes
 * to stderr under `--json` (so a scheduled run that fails still says so where cron mails from).
 */
import type { Failure } from '../failure.js';
import { failureHeadline, formatFailure } from './failure.js';
import { type RunLog, tailFor } from './run-log.js';
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
 * in 12.0s:` and each failed task's first line below it (`list: false` where the view has just
 * shown those lines: the terminal view).
 */
export function formatRunEnd(
  log: RunLog,
  durationMs: number,
  options: { readonly list?: boolean } = {},
): { readonly ok: boolean; readonly text: string } {
  const failed = log.all.filter((t) => t.state === 'failed');
  const time = formatDuration(durationMs);
  if (failed.length === 0) return { ok: true, text: `✔ ${counts(log)} in ${time}` };
  // A signal is the run's outcome, not one more failed task: say so first.
  const signal = failed.flatMap((t) => (t.failure?.reason === 'aborted' ? [t.failure.signal] : []))[0];
  const head = `✖ ${signal ? `interrupted by ${signal}: ` : ''}${counts(log)} in ${time}`;
  if (options.list === false) return { ok: false, text: head };
  const lines = [`${head}:`];
  for (const t of failed) lines.push(`  ${t.task}: ${headlineOf(t)}`);
  return { ok: false, text: lines.join('\n') };
}

/**
 * What the terminal view could not show of each failure (it shows the first line under the ✖):
 * the details (the full command, findings or checks tables) and the last lines of the output.
 * Empty when there is nothing more to say.
 */
export function formatFailureBlocks(log: RunLog): string {
  const blocks: string[] = [];
  for (const t of log.all) {
    if (!t.failure) continue;
    const details = formatFailure(t.failure).split('\n').slice(1);
    const tail = tailFor(t);
    if (details.length === 0 && tail.length === 0) continue;
    const lines = [`${t.task} failed:`, ...details];
    if (tail.length > 0) {
      lines.push(`  its last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of output:`);
      for (const line of tail) lines.push(`    ${line}`);
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}

/** `--json`: one line on stderr for a failed run, e.g. `cloudy-tasks: docker failed: … (1 task failed, …)`. */
export function formatFailureLine(log: RunLog): string | undefined {
  const failed = log.all.filter((t) => t.state === 'failed');
  if (failed.length === 0) return undefined;
  const each = failed.map((t) => `${t.task} failed: ${headlineOf(t)}`);
  return `cloudy-tasks: ${each.join('; ')} (${counts(log)})`;
}

/**
 * A failed task's first line without the task's own name in front ("preflight: 2 checks failed"
 * under the task preflight reads "2 checks failed"): the line that quotes it names the task.
 */
function headlineOf(t: { readonly task: string; readonly failure?: Failure }): string {
  if (!t.failure) return 'failed';
  const line = failureHeadline(t.failure);
  return line.startsWith(`${t.task}: `) ? line.slice(t.task.length + 2) : line;
}
