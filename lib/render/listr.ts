/**
 * The listr2 adapter: the interactive view on a terminal, for small graphs. listr2 is only a
 * renderer here: each listr task waits for the runner's events about its task (the runner owns
 * scheduling, failure policy and signals). Loaded lazily, only when this view is used.
 *
 * What it shows: a waiting task as listr2's still "waiting" square (not a spinner: it is not
 * running), a running one with a spinner and a live window of its last output lines (collapsed
 * when it ends), polls (the health wait) as one line with the time spent waiting, and every
 * task ends with its duration and its one-line result under its ✔ (./summary.ts). Tables and
 * failure details are printed by the CLI once the view has finished.
 *
 * Why only small graphs on a TTY: listr2 9's default renderer redraws every task on every change
 * (O(n²)); measured 6.5 s for 200 tasks (libraries.md). Output lines are throttled to one update
 * per 100 ms for the same reason (25 s → 0.24 s for chatty docker builds).
 */
import type { RunEvent } from '../engine/runner.js';
import { Deferred } from '../util/deferred.js';
import { failureHeadline } from './failure.js';
import type { RunLog } from './run-log.js';
import { blankControl, formatDuration, shorten } from './text.js';

/** Above this many tasks the line renderer is used even on a TTY. */
export const LISTR_MAX_TASKS = 50;
const OUTPUT_THROTTLE_MS = 100;
/** Output lines shown live under a running task. */
const LIVE_LINES = 4;

type Outcome =
  | { kind: 'succeeded'; durationMs: number }
  | { kind: 'failed'; message: string; durationMs: number }
  | { kind: 'skipped'; reason: string };

export interface ListrView {
  readonly onEvent: (event: RunEvent) => void;
  /** Resolves when listr2 has drawn the final state. */
  readonly finished: Promise<void>;
}

/** What is shown live under one running task. */
export class LiveOutput {
  status = '';
  /** The status is a progress message (not a command line): a poll may add the time waited. */
  statusIsProgress = false;
  lines: string[] = [];
  pollSince: number | undefined;

  /** The live lines, each cut to `width` (results wrap instead: they are what stays). */
  text(now: number, width: number): string {
    const waited =
      this.pollSince !== undefined && this.statusIsProgress ? `, ${Math.round((now - this.pollSince) / 1000)}s` : '';
    return [`${this.status}${waited}`, ...this.lines]
      .filter(Boolean)
      .map((line) => shorten(line, width))
      .join('\n');
  }

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'task-progress':
        this.status = blankControl(event.message);
        this.statusIsProgress = true;
        this.lines = [];
        return;
      case 'command':
        if (event.poll) {
          this.pollSince ??= Date.now();
          return;
        }
        this.status = blankControl(`$ ${event.command}`);
        this.statusIsProgress = false;
        this.lines = [];
        this.pollSince = undefined;
        return;
      case 'output':
        this.lines.push(blankControl(event.line));
        if (this.lines.length > LIVE_LINES) this.lines.shift();
        this.pollSince = undefined;
        return;
      default:
        return;
    }
  }
}

/**
 * @param columns the terminal's width: live lines are cut to it, results wrap
 */
export async function createListrView(
  tasks: readonly { name: string; description: string }[],
  log: RunLog,
  columns: number,
): Promise<ListrView> {
  // listr2 indents an output line by 4 (2 for the task, 2 for `› `) and keeps 2 spare.
  const width = Math.max(20, columns - 6);
  const { Listr, color } = await import('listr2');
  // The runner's duration, not listr2's timer: listr2 starts a task only after its own start-up.
  const timed = (name: string, ms: number) => `${name} ${color.dim(`[${formatDuration(ms)}]`)}`;
  const outcomes = new Map(tasks.map((t) => [t.name, new Deferred<Outcome>()]));
  const started = new Map(tasks.map((t) => [t.name, new Deferred<void>()]));
  // Made up front: events that arrive before listr2 runs the task's function still count.
  const live = new Map(tasks.map((t) => [t.name, new LiveOutput()]));
  const refresh = new Map<string, () => void>();
  const checked = new Set<string>();

  const listr = new Listr(
    tasks.map((t) => {
      const outcome = outcomes.get(t.name)!.promise;
      const start = started.get(t.name)!.promise;
      return {
        title: t.name,
        // listr2 checks `enabled` once for every task before the run and again just before
        // running each: answering the second only once the runner starts the task keeps a
        // waiting task in listr2's "waiting" state (a still square) instead of spinning.
        enabled: (): boolean | Promise<boolean> => {
          if (!checked.has(t.name)) {
            checked.add(t.name);
            return true;
          }
          return Promise.race([start, outcome]).then(() => true);
        },
        rendererOptions: { persistentOutput: true, outputBar: 1 },
        task: async (_ctx: unknown, task: { title: string; output: string; skip(message?: string): void }) => {
          const first = await Promise.race([start.then(() => 'started' as const), outcome]);
          if (first !== 'started' && first.kind === 'skipped') return task.skip(`${t.name}: skipped, ${first.reason}`);
          const view = live.get(t.name)!;
          let timer: NodeJS.Timeout | undefined;
          refresh.set(t.name, () => {
            timer ??= setTimeout(() => {
              timer = undefined;
              task.output = view.text(Date.now(), width);
            }, OUTPUT_THROTTLE_MS);
          });
          const end = await outcome;
          if (timer) clearTimeout(timer);
          refresh.delete(t.name);
          if (end.kind === 'skipped') return task.skip(end.reason);
          task.title = timed(t.name, end.durationMs);
          if (end.kind === 'failed') {
            task.output = '';
            throw new Error(end.message);
          }
          const record = log.get(t.name);
          // A task whose output says nothing keeps its last progress message as its result.
          task.output = blankControl(record?.summary?.line ?? record?.lastProgress ?? '');
          return undefined;
        },
      };
    }),
    {
      concurrent: true,
      exitOnError: false,
      // The runner handles SIGINT/SIGTERM: listr2's own handler exits 127 and orphans children.
      registerSignalListeners: false,
      collectErrors: false,
      rendererOptions: {
        collapseErrors: false,
        formatOutput: 'wrap',
      },
    },
  );
  const finished = listr.run().then(() => undefined);
  const onEvent = (event: RunEvent): void => {
    switch (event.type) {
      case 'task-started':
        started.get(event.task)?.resolve();
        return;
      case 'task-succeeded':
        outcomes.get(event.task)?.resolve({ kind: 'succeeded', durationMs: event.durationMs });
        return;
      case 'task-failed':
        outcomes.get(event.task)?.resolve({
          kind: 'failed',
          message: failureHeadline(event.failure),
          durationMs: event.durationMs,
        });
        return;
      case 'task-skipped':
        outcomes.get(event.task)?.resolve({ kind: 'skipped', reason: event.reason });
        return;
      default:
        live.get(event.task)?.onEvent(event);
        refresh.get(event.task)?.();
    }
  };
  return { onEvent, finished };
}
