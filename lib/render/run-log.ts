/**
 * What the views remember of a run, from its events: each task's state, duration, result line,
 * failure, and the last lines of its tool output (shown only when it fails). Every renderer and
 * report (the final line, the step summary, JUnit) reads the same record, so they agree.
 */
import type { RunEvent } from '../engine/runner.js';
import type { Failure } from '../failure.js';
import { formatFailure } from './failure.js';
import { summarize, type TaskSummary } from './summary.js';

/** Lines of a task's output kept for its failure. */
export const TAIL_LINES = 20;

export interface TaskRecord {
  readonly task: string;
  state: 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt?: number;
  durationMs?: number;
  summary?: TaskSummary;
  output?: unknown;
  failure?: Failure;
  skipReason?: string;
  /** The last progress message: the result line of a task whose output says nothing. */
  lastProgress?: string;
  /** The last {@link TAIL_LINES} lines of output, oldest first. */
  readonly tail: string[];
}

export class RunLog {
  readonly #tasks = new Map<string, TaskRecord>();
  /** Tasks in the order they finished (succeeded, failed or skipped). */
  readonly finished: TaskRecord[] = [];

  constructor(order: readonly string[] = []) {
    for (const task of order) this.#get(task);
  }

  get(task: string): TaskRecord | undefined {
    return this.#tasks.get(task);
  }

  /** Every task in selection order. */
  get all(): readonly TaskRecord[] {
    return [...this.#tasks.values()];
  }

  count(state: TaskRecord['state']): number {
    let n = 0;
    for (const t of this.#tasks.values()) if (t.state === state) n++;
    return n;
  }

  get upToDate(): number {
    return this.finished.filter((t) => t.summary?.upToDate).length;
  }

  record(event: RunEvent): void {
    const t = this.#get(event.task);
    switch (event.type) {
      case 'task-started':
        t.state = 'running';
        t.startedAt = Date.now();
        return;
      case 'task-progress':
        t.lastProgress = event.message;
        return;
      case 'output':
        t.tail.push(event.line);
        if (t.tail.length > TAIL_LINES) t.tail.shift();
        return;
      case 'command':
        return;
      case 'task-succeeded': {
        t.state = 'succeeded';
        t.durationMs = event.durationMs;
        t.output = event.output;
        const summary = summarize(event.task, event.output);
        if (summary) t.summary = summary;
        this.finished.push(t);
        return;
      }
      case 'task-failed':
        t.state = 'failed';
        t.durationMs = event.durationMs;
        t.failure = event.failure;
        this.finished.push(t);
        return;
      case 'task-skipped':
        t.state = 'skipped';
        t.skipReason = event.reason;
        this.finished.push(t);
        return;
    }
  }

  #get(task: string): TaskRecord {
    let t = this.#tasks.get(task);
    if (!t) {
      t = { task, state: 'waiting', tail: [] };
      this.#tasks.set(task, t);
    }
    return t;
  }
}

/**
 * Failures the output cannot explain (the daemon is not there, a tool is missing, the run was
 * interrupted or refused a path), or that carry their own evidence (a deploy's cause and
 * rollback, a findings or checks table): their tail would only repeat banners and container ids.
 */
const NO_TAIL: ReadonlySet<Failure['reason']> = new Set([
  'daemon-unreachable',
  'tool-missing',
  'aborted',
  'unsafe-path',
  'state-error',
  'lock-lost',
  'deploy-failed',
  'fleet-failed',
  'fleet-locked',
  'vulnerabilities-found',
  'checks-failed',
]);

/** Lines this short are not dropped for appearing inside the failure text ("done", "1"). */
const QUOTED_MIN = 20;

/**
 * The output lines worth showing with a failure: its tail, without the lines the failure's own
 * text already quotes (a command's stderr tail is part of an `exit-non-zero` failure).
 */
export function tailFor(record: TaskRecord): string[] {
  if (record.tail.length === 0 || (record.failure && NO_TAIL.has(record.failure.reason))) return [];
  const text = record.failure ? formatFailure(record.failure) : '';
  const quoted = new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  // The cause a failure leads with is a stderr line plus `(… exited with code N)`.
  const causes = [...quoted];
  const said = (line: string) =>
    quoted.has(line) ||
    causes.some((q) => q.startsWith(`${line} (`)) ||
    (line.length >= QUOTED_MIN && text.includes(line));
  return record.tail.filter((l) => l.trim() !== '' && !said(l.trim()));
}
