/**
 * `--json`: one JSON object per line per event, nothing else on stdout. Every event has `type`
 * and `time` (ISO 8601, UTC, when it was rendered, i.e. when it happened). A run is framed by
 * `run-started` and `run-finished` (the webhook's body, lib/notify/webhook.ts: the same fields, so
 * a log shipper and a webhook receiver read one format). Task events: `output` is the task's typed
 * output, `summary` its one-line result, `error` the rendered failure, `reason` a skip's reason.
 * With `--verbose`, commands, output lines and progress messages are events too.
 */
import type { RunEvent } from '../engine/runner.js';
import type { RunFinished } from '../notify/webhook.js';
import { unreachable } from '../util/unreachable.js';
import { formatFailure } from './failure.js';
import type { RunLog } from './run-log.js';

/** The first event of a run. */
export interface RunStarted {
  readonly type: 'run-started';
  readonly project: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly startedAt: string;
  /** The tasks asked for on the command line. */
  readonly tasks: readonly string[];
  /** Every task that will run, in order (dependencies included). */
  readonly selected: readonly string[];
  readonly dryRun: boolean;
}

export type JsonEvent = RunEvent | RunStarted | RunFinished;

/** JSON.stringify that cannot throw on task outputs: BigInt as a string, cycles cut. */
function toJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

export interface JsonOptions {
  /** `--verbose`: commands, output lines and progress too. */
  readonly verbose?: boolean;
  /** `command` events at any level: under `--dry-run` the commands are what the run produces. */
  readonly commands?: boolean;
  /** Where the result lines come from (the run's record, updated before each event). */
  readonly log?: RunLog;
  /** The clock, for tests. */
  readonly now?: () => Date;
}

export function jsonRenderer(write: (line: string) => void, options: JsonOptions = {}): (event: JsonEvent) => void {
  const now = options.now ?? (() => new Date());
  return (event) => {
    const time = now().toISOString();
    switch (event.type) {
      // Names and reasons are strings: plain JSON.stringify, no replacer to call per key.
      case 'task-started':
        return write(JSON.stringify({ type: event.type, time, task: event.task }));
      case 'task-succeeded': {
        const summary = options.log?.get(event.task)?.summary?.line;
        return write(
          toJson({
            type: event.type,
            time,
            task: event.task,
            durationMs: event.durationMs,
            ...(summary !== undefined ? { summary } : {}),
            output: event.output ?? null,
          }),
        );
      }
      case 'task-failed':
        return write(
          toJson({
            type: event.type,
            time,
            task: event.task,
            durationMs: event.durationMs,
            error: formatFailure(event.failure),
            failure: event.failure,
          }),
        );
      case 'task-skipped':
        return write(JSON.stringify({ type: event.type, time, task: event.task, reason: event.reason }));
      case 'task-progress':
        if (options.verbose)
          write(JSON.stringify({ type: event.type, time, task: event.task, message: event.message }));
        return;
      case 'command':
        if (options.verbose || options.commands)
          write(
            JSON.stringify({
              type: event.type,
              time,
              task: event.task,
              command: event.command,
              ...(event.poll ? { poll: true } : {}),
            }),
          );
        return;
      case 'output':
        if (options.verbose)
          write(JSON.stringify({ type: event.type, time, task: event.task, stream: event.stream, line: event.line }));
        return;
      case 'run-started': {
        const { type, ...rest } = event;
        return write(toJson({ type, time: event.startedAt, ...rest }));
      }
      case 'run-finished': {
        const { type, ...rest } = event;
        return write(toJson({ type, time: event.finishedAt, ...rest }));
      }
      default:
        return unreachable(event);
    }
  };
}
