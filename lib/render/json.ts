/**
 * `--json`: one JSON object per line per task event, nothing else on stdout.
 * `output` is the task's typed output; `error` the rendered failure; `reason` a skip's reason.
 */
import type { RunEvent } from '../engine/runner.js';
import { unreachable } from '../util/unreachable.js';
import { formatFailure } from './failure.js';

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

export function jsonRenderer(write: (line: string) => void): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      // Names and reasons are strings: plain JSON.stringify, no replacer to call per key.
      case 'task-started':
        return write(JSON.stringify({ type: event.type, task: event.task }));
      case 'task-succeeded':
        return write(
          toJson({ type: event.type, task: event.task, durationMs: event.durationMs, output: event.output ?? null }),
        );
      case 'task-failed':
        return write(
          toJson({
            type: event.type,
            task: event.task,
            durationMs: event.durationMs,
            error: formatFailure(event.failure),
            failure: event.failure,
          }),
        );
      case 'task-skipped':
        return write(JSON.stringify({ type: event.type, task: event.task, reason: event.reason }));
      case 'task-progress':
      case 'command':
      case 'output':
        return;
      default:
        return unreachable(event);
    }
  };
}
