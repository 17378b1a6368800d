/**
 * Runs a selected part of the task graph: dependency order, bounded concurrency, failure
 * policy, interruption. It emits typed events and renders nothing: listr2, the line renderer
 * and `--json` are subscribers (lib/render/).
 *
 * Scheduling: a task starts when all its dependencies succeeded and fewer than `concurrency`
 * tasks run; among ready tasks, the earliest in the selection's topological order first. The
 * bookkeeping (in-degree counters, a ready queue, skips along dependents) is ./schedule.ts, linear
 * in tasks plus edges: no full scan per event.
 */

import { type Failure, TaskFailure } from '../failure.js';
import type { Selection, TaskGraph, TaskId } from './graph.js';
import { Schedule, type SchedulerCounters, type Skip, type TaskState } from './schedule.js';
import type { Shell, SpawnEvent, Spawner } from './spawn.js';
import type { AnyParams, AnyTask, TaskContext } from './task.js';

const NO_PARAMS: AnyParams = Object.freeze({});

/** `no-new`: after a failure, start nothing new (running tasks finish). `continue`: `--keep-going`. */
export type FailureMode = 'no-new' | 'continue';

export type { SchedulerCounters, TaskState };

export type TaskEvent =
  | { readonly type: 'task-started'; readonly task: string }
  | { readonly type: 'task-progress'; readonly task: string; readonly message: string }
  | { readonly type: 'task-succeeded'; readonly task: string; readonly durationMs: number; readonly output: unknown }
  | { readonly type: 'task-failed'; readonly task: string; readonly durationMs: number; readonly failure: Failure }
  | { readonly type: 'task-skipped'; readonly task: string; readonly reason: string };

export type RunEvent = TaskEvent | SpawnEvent;

export interface RunSummary {
  readonly states: ReadonlyMap<string, TaskState>;
  readonly failures: readonly { readonly task: string; readonly failure: Failure }[];
  readonly outputs: ReadonlyMap<string, unknown>;
  /** Set when SIGINT/SIGTERM stopped the run. */
  readonly interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
}

export interface RunnerOptions {
  readonly graph: TaskGraph;
  /** What to run (from `selectTargets`). */
  readonly selection: Selection;
  /** The definition behind each task name. */
  readonly tasks: ReadonlyMap<string, AnyTask>;
  readonly concurrency: number;
  readonly onFailure: FailureMode;
  readonly spawner: Spawner;
  readonly emit: (event: RunEvent) => void;
  /** Builds everything of a task's context but the parts the runner owns. */
  readonly context: (
    task: string,
  ) => Omit<TaskContext, 'signal' | 'progress' | 'fail' | '$' | 'params'> & { readonly params?: AnyParams };
  /** Turns an exception thrown by a task into a failure (built-ins: bug; user tasks: message). */
  readonly convertError: (task: string, error: unknown) => Failure;
  /** Counts scheduling work (tasks visited, dependency states looked at): for tests that guard its growth. */
  readonly counters?: SchedulerCounters;
}

export class Runner {
  readonly #o: RunnerOptions;
  readonly #schedule: Schedule;
  readonly #outputs = new Map<string, unknown>();
  readonly #failures: { task: string; failure: Failure }[] = [];
  readonly #abort = new AbortController();
  #interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
  #stopReason: string | undefined;
  /** Set once every pending task has been skipped for a stop: nothing starts after it. */
  #stopped = false;
  #running = 0;
  #done: (() => void) | undefined;

  constructor(options: RunnerOptions) {
    if (options.concurrency < 1) throw new Error('Internal error: concurrency must be >= 1');
    this.#o = options;
    this.#schedule = new Schedule(options.selection, options.counters);
  }

  /** Start no further task (running ones finish); pending ones are skipped with `reason`. */
  stopStarting(reason: string): void {
    this.#stopReason ??= reason;
    this.#pump();
  }

  /** SIGINT/SIGTERM: start nothing more, kill every child tree, let cleanup finish. */
  async interrupt(signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
    if (this.#interruptedBy) return;
    this.#interruptedBy = signal;
    this.#abort.abort(signal);
    this.#pump();
    await this.#o.spawner.abort(signal);
  }

  /**
   * Run the preconditions of the selected tasks (`Task.check`), before anything starts. Returns
   * every failure found, in selection order; `[]` when the run may start. Tasks that stand in for
   * a provider's output run nothing, so they check nothing.
   */
  async checkPreconditions(): Promise<{ task: string; failure: Failure }[]> {
    const { order, substitutes } = this.#o.selection;
    const checked = order.filter((id) => this.#o.tasks.get(id)?.check !== undefined && !substitutes.has(id));
    const results = await Promise.all(
      checked.map(async (id) => {
        try {
          const found = await this.#o.tasks.get(id)!.check!(this.#contextFor(id));
          return (found === undefined ? [] : Array.isArray(found) ? found : [found as Failure]).map((failure) => ({
            task: id,
            failure,
          }));
        } catch (error) {
          if (error instanceof TaskFailure) return [{ task: id, failure: error.failure }];
          return [{ task: id, failure: this.#o.convertError(id, error) }];
        }
      }),
    );
    return results.flat();
  }

  async run(): Promise<RunSummary> {
    await new Promise<void>((resolve) => {
      this.#done = resolve;
      this.#pump();
    });
    return {
      states: this.#schedule.states,
      failures: this.#failures,
      outputs: this.#outputs,
      interruptedBy: this.#interruptedBy,
    };
  }

  /** Why nothing new may start, if so: a signal, then a failure under no-new, then stopStarting. */
  #currentStopReason(): string | undefined {
    if (this.#interruptedBy) return `interrupted by ${this.#interruptedBy}`;
    if (this.#o.onFailure === 'no-new' && this.#failures.length > 0)
      return `not started: ${this.#failures[0]!.task} failed (use --keep-going to run unrelated tasks)`;
    return this.#stopReason;
  }

  /** After every change: apply a stop once, start ready tasks up to the bound, detect the end. */
  #pump(): void {
    const reason = this.#stopped ? undefined : this.#currentStopReason();
    if (reason !== undefined) {
      this.#stopped = true;
      this.#emitSkips(this.#schedule.skipPending(reason));
    }
    while (!this.#stopped && this.#running < this.#o.concurrency) {
      const id = this.#schedule.start();
      if (id === undefined) break;
      this.#start(id);
    }
    if (this.#schedule.settled && this.#running === 0) this.#done?.();
  }

  #emitSkips(skips: readonly Skip[]): void {
    for (const { task, reason } of skips) this.#o.emit({ type: 'task-skipped', task, reason });
  }

  /** Record a failure; under keep-going its dependents are skipped now, under no-new by the stop sweep. */
  #fail(id: TaskId): void {
    this.#emitSkips(this.#schedule.failed(id, this.#o.onFailure === 'continue'));
  }

  #start(id: TaskId): void {
    this.#running++;
    this.#o.emit({ type: 'task-started', task: id });
    const started = performance.now();
    void this.#execute(id)
      .then((outcome) => {
        this.#running--;
        const durationMs = Math.round(performance.now() - started);
        if (outcome.ok) {
          this.#outputs.set(id, outcome.output);
          this.#schedule.succeeded(id);
          this.#emitSafely({ type: 'task-succeeded', task: id, durationMs, output: outcome.output });
        } else {
          this.#failures.push({ task: id, failure: outcome.failure });
          const skips = this.#schedule.failed(id, this.#o.onFailure === 'continue');
          this.#emitSafely({ type: 'task-failed', task: id, durationMs, failure: outcome.failure });
          this.#emitSkips(skips);
        }
        this.#pump();
      })
      .catch((error: unknown) => {
        // A bug in the runner itself: report it as the task's failure and keep the run
        // settling (dependents skipped, history and lock cleanup still happen).
        const state = this.#schedule.state(id);
        if (state === 'running') this.#running--;
        const failure: Failure = {
          reason: 'internal-error',
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
        };
        if (!this.#failures.some((f) => f.task === id)) this.#failures.push({ task: id, failure });
        if (state !== 'failed') this.#fail(id);
        this.#pump();
      });
  }

  async #execute(id: TaskId): Promise<{ ok: true; output: unknown } | { ok: false; failure: Failure }> {
    const task = this.#o.tasks.get(id);
    if (!task) throw new Error(`Internal error: no definition for task ${id}`);
    const provider = this.#o.selection.substitutes.get(id);
    if (provider) {
      this.#o.emit({ type: 'task-progress', task: id, message: `using the output of ${provider}` });
      return { ok: true, output: this.#outputs.get(provider) };
    }
    const depIds = this.#o.graph.nodes.get(id)!.deps;
    const deps = depIds.length === 0 ? {} : Object.fromEntries(depIds.map((d) => [d, this.#outputs.get(d)]));
    const ctx = this.#contextFor(id);
    try {
      return { ok: true, output: await task.run(ctx, deps as never) };
    } catch (error) {
      if (error instanceof TaskFailure) return { ok: false, failure: error.failure };
      if (this.#interruptedBy) return { ok: false, failure: { reason: 'aborted', signal: this.#interruptedBy } };
      return { ok: false, failure: this.#o.convertError(id, error) };
    }
  }

  /** A task's context: the CLI's part (config, env, flags, …) and the runner's (signal, shell, progress, fail). */
  #contextFor(id: TaskId): TaskContext {
    const spawner = this.#o.spawner;
    const emit = this.#o.emit;
    const base = this.#o.context(id);
    let shell: Shell | undefined;
    // Every field named (no spread of `base`): this runs once per task, 10,000 times in a big graph.
    const ctx: TaskContext = {
      config: base.config,
      params: base.params ?? NO_PARAMS,
      env: base.env,
      flags: base.flags,
      projectDir: base.projectDir,
      redact: base.redact,
      explain: base.explain,
      signal: this.#abort.signal,
      // Made on first use: most in-process tasks never run a command.
      get $() {
        shell ??= spawner.shellFor(id);
        return shell;
      },
      progress: (message) => emit({ type: 'task-progress', task: id, message }),
      fail: (failure) => {
        throw new TaskFailure(typeof failure === 'string' ? { reason: 'task-error', message: failure } : failure);
      },
    };
    return ctx;
  }

  /**
   * Emit a task's final event. A renderer that cannot show the output (a value JSON cannot
   * encode) must not lose the task's result: the event is re-sent without the output.
   */
  #emitSafely(event: TaskEvent): void {
    try {
      this.#o.emit(event);
    } catch (error) {
      if (event.type !== 'task-succeeded') throw error;
      this.#o.emit({
        ...event,
        output: `(output not shown: ${error instanceof Error ? error.message : String(error)})`,
      });
    }
  }
}
