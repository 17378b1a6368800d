/**
 * The listr2 adapter: the interactive view on a terminal, for small graphs. listr2 is only a
 * renderer here: each listr task waits for the runner's events about its task (the runner owns
 * scheduling, failure policy and signals). Loaded lazily, only when this view is used.
 *
 * Why only small graphs on a TTY: listr2 9's default renderer redraws every task on every change
 * (O(n²)); measured 6.5 s for 200 tasks (libraries.md). Output lines are throttled to one update
 * per 100 ms for the same reason (25 s → 0.24 s for chatty docker builds).
 */
import type { RunEvent } from '../engine/runner.js';
import { Deferred } from '../util/deferred.js';
import { failureHeadline } from './failure.js';

/** Above this many tasks the line renderer is used even on a TTY. */
export const LISTR_MAX_TASKS = 50;
const OUTPUT_THROTTLE_MS = 100;

type Outcome = { kind: 'succeeded' } | { kind: 'failed'; message: string } | { kind: 'skipped'; reason: string };

export interface ListrView {
  readonly onEvent: (event: RunEvent) => void;
  /** Resolves when listr2 has drawn the final state. */
  readonly finished: Promise<void>;
}

export async function createListrView(tasks: readonly { name: string; description: string }[]): Promise<ListrView> {
  const { Listr } = await import('listr2');
  const outcomes = new Map(tasks.map((t) => [t.name, new Deferred<Outcome>()]));
  const started = new Map(tasks.map((t) => [t.name, new Deferred<void>()]));
  const lastLine = new Map<string, string>();
  const setters = new Map<string, (line: string) => void>();

  const listr = new Listr(
    tasks.map((t) => ({
      title: `${t.name} (waiting)`,
      task: async (_ctx: unknown, task: { title: string; output: string; skip(message?: string): void }) => {
        const first = await Promise.race([
          started.get(t.name)!.promise.then(() => 'started' as const),
          outcomes.get(t.name)!.promise,
        ]);
        if (first !== 'started' && first.kind === 'skipped') return task.skip(`${t.name}: skipped, ${first.reason}`);
        task.title = t.name;
        let timer: NodeJS.Timeout | undefined;
        setters.set(t.name, (line) => {
          lastLine.set(t.name, line);
          timer ??= setTimeout(() => {
            timer = undefined;
            task.output = lastLine.get(t.name) ?? '';
          }, OUTPUT_THROTTLE_MS);
        });
        const outcome = await outcomes.get(t.name)!.promise;
        if (timer) clearTimeout(timer);
        if (outcome.kind === 'failed') throw new Error(outcome.message);
        if (outcome.kind === 'skipped') return task.skip(outcome.reason);
        return undefined;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      // The runner handles SIGINT/SIGTERM: listr2's own handler exits 127 and orphans children.
      registerSignalListeners: false,
      collectErrors: false,
      rendererOptions: { collapseErrors: false, formatOutput: 'truncate' },
    },
  );
  const finished = listr.run().then(() => undefined);
  const onEvent = (event: RunEvent): void => {
    switch (event.type) {
      case 'task-started':
        started.get(event.task)?.resolve();
        break;
      case 'task-succeeded':
        outcomes.get(event.task)?.resolve({ kind: 'succeeded' });
        break;
      case 'task-failed':
        outcomes.get(event.task)?.resolve({ kind: 'failed', message: failureHeadline(event.failure) });
        break;
      case 'task-skipped':
        outcomes.get(event.task)?.resolve({ kind: 'skipped', reason: event.reason });
        break;
      case 'task-progress':
        setters.get(event.task)?.(event.message);
        break;
      case 'output':
        setters.get(event.task)?.(event.line);
        break;
      case 'command':
        setters.get(event.task)?.(`$ ${event.command}`);
        break;
    }
  };
  return { onEvent, finished };
}
