/**
 * The line renderer, for CI logs, pipes and large graphs: every line is prefixed with its task,
 * because concurrent tasks interleave. Three levels:
 *
 * - `verbose`: every event (as before there were levels): started, commands (each poll too),
 *   every output line, progress, results;
 * - `default`: commands, progress, results and failures; tool output is kept back and its last
 *   lines are printed only when the task fails (a docker build log is 68 lines of noise when it
 *   works); repeated status polls are not printed;
 * - `quiet`: failures (with those last lines) and nothing else; the CLI adds the final line.
 */
import type { RunEvent } from '../engine/runner.js';
import { unreachable } from '../util/unreachable.js';
import { formatFailure } from './failure.js';
import { type RunLog, tailFor } from './run-log.js';
import type { Sink } from './sink.js';
import { formatDuration } from './text.js';

export type Verbosity = 'quiet' | 'default' | 'verbose';

export interface LineOptions {
  readonly verbosity: Verbosity;
  /** The run's record, updated before the renderer sees each event. */
  readonly log: RunLog;
}

export function lineRenderer(sink: Sink, options: LineOptions): (event: RunEvent) => void {
  const { verbosity, log } = options;
  const verbose = verbosity === 'verbose';
  const quiet = verbosity === 'quiet';
  return (event) => {
    const tag = `[${event.task}]`;
    switch (event.type) {
      case 'task-started':
        if (verbose) sink.out(`${tag} started`);
        return;
      case 'task-progress':
        if (!quiet) sink.out(`${tag} ${event.message}`);
        return;
      case 'command':
        if (verbose || (!quiet && !event.poll)) sink.out(`${tag} $ ${event.command}`);
        return;
      case 'output':
        if (verbose) sink.out(`${tag} ${event.line}`);
        return;
      case 'task-succeeded': {
        if (quiet) return;
        const summary = log.get(event.task)?.summary;
        sink.out(`${tag} done in ${formatDuration(event.durationMs)}${summary ? `: ${summary.line}` : ''}`);
        if (summary?.details) for (const line of summary.details().split('\n')) sink.out(`${tag}   ${line}`);
        return;
      }
      case 'task-failed': {
        sink.err(`${tag} FAILED after ${formatDuration(event.durationMs)}: ${formatFailure(event.failure)}`);
        const record = log.get(event.task);
        const tail = verbose || !record ? [] : tailFor(record);
        if (tail.length > 0) {
          sink.err(`${tag} its last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of output:`);
          for (const line of tail) sink.err(`${tag}   ${line}`);
        }
        return;
      }
      case 'task-skipped':
        if (!quiet) sink.out(`${tag} skipped: ${event.reason}`);
        return;
      default:
        return unreachable(event);
    }
  };
}
