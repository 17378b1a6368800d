/**
 * The Markdown that a GitHub Actions run appends to `$GITHUB_STEP_SUMMARY`: the outcome and the
 * total time, a table of the tasks (result, duration, result line), the scan counts and the
 * deploy result when those ran, and each failure in full. Untrusted text (tool output, finding
 * titles) goes into code blocks or escaped table cells, so it cannot inject HTML or break the table.
 */
import type { Failure } from '../failure.js';
import type { RunFinished } from '../notify/webhook.js';
import type { ScanResult } from '../scan/result.js';
import { SEVERITIES } from '../scan/severity.js';
import { formatFailure } from './failure.js';
import { type RunLog, type TaskRecord, tailFor } from './run-log.js';
import { blankControl, formatDuration } from './text.js';

const ICON: Readonly<Record<TaskRecord['state'], string>> = {
  succeeded: '✅',
  failed: '❌',
  skipped: '⏭️',
  running: '⏳',
  waiting: '⏸️',
};

/** A table cell: one line, `|` and HTML escaped. */
export function cell(text: string): string {
  return blankControl(text)
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|');
}

/** A fenced code block whose fence is longer than any run of backticks inside. */
export function codeBlock(raw: string): string {
  const text = raw.split('\n').map(blankControl).join('\n');
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function resultOf(t: TaskRecord): string {
  if (t.state === 'succeeded') return t.summary?.line ?? t.lastProgress ?? '';
  if (t.state === 'skipped') return `skipped: ${t.skipReason ?? ''}`;
  if (t.failure) return formatFailure(t.failure).split('\n')[0]!;
  return '';
}

export function formatStepSummary(log: RunLog, run: Pick<RunFinished, 'tasks' | 'outcome' | 'durationMs'>): string {
  const heading = `### cloudy-tasks ${run.tasks.map(cell).join(' ')}: ${run.outcome} in ${formatDuration(run.durationMs)}`;
  const rows = log.all
    .filter((t) => t.state !== 'waiting')
    .map(
      (t) =>
        `| ${cell(t.task)} | ${ICON[t.state]} ${t.state} | ${t.durationMs === undefined ? '' : formatDuration(t.durationMs)} | ${cell(resultOf(t))} |`,
    );
  const parts = [heading, '', '| task | result | time | details |', '| --- | --- | --- | --- |', ...rows];
  const scan = log.get('security-scan');
  const counts = (scan?.output as ScanResult | undefined)?.counts ?? scanCounts(scan?.failure);
  if (counts) {
    parts.push(
      '',
      '**Scan findings**',
      '',
      `| ${SEVERITIES.join(' | ')} |`,
      `| ${SEVERITIES.map(() => '---').join(' | ')} |`,
    );
    parts.push(`| ${SEVERITIES.map((s) => String(counts[s] ?? 0)).join(' | ')} |`);
  }
  const deploy = log.get('deploy-secure');
  if (deploy && deploy.state !== 'waiting') parts.push('', `**Deploy**: ${cell(resultOf(deploy))}`);
  for (const t of log.all) {
    if (!t.failure) continue;
    const tail = tailFor(t);
    parts.push(
      '',
      `<details><summary>${cell(t.task)} failed</summary>`,
      '',
      codeBlock(
        [formatFailure(t.failure), ...(tail.length > 0 ? ['', 'last lines of output:', ...tail] : [])].join('\n'),
      ),
      '',
      '</details>',
    );
  }
  return `${parts.join('\n')}\n`;
}

function scanCounts(failure: Failure | undefined): Readonly<Record<string, number>> | undefined {
  return failure?.reason === 'vulnerabilities-found' ? failure.counts : undefined;
}
