/**
 * The line renderer, for CI logs, pipes and large graphs: every line is prefixed with its task,
 * because concurrent tasks interleave. Also the closing summary a human reads on stderr.
 */
import type { RunEvent } from '../engine/runner.js';
import type { Failure } from '../failure.js';
import { unreachable } from '../util/unreachable.js';
import { failureHeadline, formatFailure } from './failure.js';
import type { Sink } from './sink.js';

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function lineRenderer(sink: Sink): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'task-started':
        return sink.out(`[${event.task}] started`);
      case 'task-progress':
        return sink.out(`[${event.task}] ${event.message}`);
      case 'command':
        return sink.out(`[${event.task}] $ ${event.command}`);
      case 'output':
        return sink.out(`[${event.task}] ${event.line}`);
      case 'task-succeeded':
        return sink.out(`[${event.task}] done in ${seconds(event.durationMs)}`);
      case 'task-failed':
        return sink.err(`[${event.task}] FAILED after ${seconds(event.durationMs)}: ${formatFailure(event.failure)}`);
      case 'task-skipped':
        return sink.out(`[${event.task}] skipped: ${event.reason}`);
      default:
        return unreachable(event);
    }
  };
}

/** The closing summary for a human (stderr). */
export function formatSummary(
  failures: readonly { task: string; failure: Failure }[],
  skipped: number,
  succeeded: number,
  full = false,
): string {
  if (failures.length === 0) return `${succeeded} task${succeeded === 1 ? '' : 's'} succeeded`;
  const lines = [
    `${failures.length} task${failures.length === 1 ? '' : 's'} failed, ${skipped} skipped, ${succeeded} succeeded:`,
  ];
  for (const { task, failure } of failures)
    lines.push(`  ${task}: ${full ? formatFailure(failure) : failureHeadline(failure)}`);
  return lines.join('\n');
}
