/**
 * The scheduling core of the runner, pure and synchronous (no timers, no promises, no tasks run),
 * so it can be driven and counted by tests. Linear in tasks plus edges:
 *
 * - every task has a count of dependencies not yet succeeded (Kahn's in-degree); when a task
 *   succeeds, only its dependents are notified, and one whose count drops to zero becomes ready;
 * - ready tasks wait in a heap keyed by their position in the selection's topological order, so
 *   they start in exactly the order the old full-scan scheduler started them (the earliest in the
 *   order first), at O(log n) per task that has to wait for a free slot;
 * - a failure walks its dependents only (each task is skipped once), never the whole graph; a
 *   stop (no-new after a failure, a lost lock, a signal) sweeps the pending tasks once.
 *
 * Skip reasons are the old ones: a task with a failed or skipped dependency names the first such
 * dependency (in its sorted dependency list), every other pending task gets the stop reason, and
 * skips are reported in topological order.
 */
import { MinHeap } from '../util/heap.js';
import type { Selection, TaskId } from './graph.js';

export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** Counts scheduling work (tasks visited, dependency states looked at, dependents notified). */
export interface SchedulerCounters {
  checks: number;
}

export interface Skip {
  readonly task: TaskId;
  readonly reason: string;
}

export class Schedule {
  readonly #selection: Selection;
  readonly #counters: SchedulerCounters;
  readonly #states = new Map<TaskId, TaskState>();
  /** Position of each task in the selection's topological order. */
  readonly #index = new Map<TaskId, number>();
  /** Dependencies of each task not yet succeeded. */
  readonly #waiting = new Map<TaskId, number>();
  readonly #dependents = new Map<TaskId, TaskId[]>();
  /** Ready tasks, as their topological index. */
  readonly #ready = new MinHeap();
  #unsettled = 0;

  constructor(selection: Selection, counters: SchedulerCounters = { checks: 0 }) {
    this.#selection = selection;
    this.#counters = counters;
    selection.order.forEach((id, i) => {
      this.#states.set(id, 'pending');
      this.#index.set(id, i);
    });
    this.#unsettled = selection.order.length;
    for (const id of selection.order) {
      const deps = this.#depsOf(id);
      this.#waiting.set(id, deps.length);
      for (const dep of deps) {
        const list = this.#dependents.get(dep);
        if (list) list.push(id);
        else this.#dependents.set(dep, [id]);
      }
      if (deps.length === 0) this.#ready.push(this.#index.get(id)!);
    }
  }

  get states(): ReadonlyMap<TaskId, TaskState> {
    return this.#states;
  }

  state(id: TaskId): TaskState | undefined {
    return this.#states.get(id);
  }

  /** True when no task is pending or running. */
  get settled(): boolean {
    return this.#unsettled === 0;
  }

  /** The next ready task (the earliest in topological order), now running; undefined if none. */
  start(): TaskId | undefined {
    for (;;) {
      const index = this.#ready.pop();
      if (index === undefined) return undefined;
      const id = this.#selection.order[index]!;
      this.#counters.checks++;
      // Tasks skipped while they waited stay in the heap; they are dropped here.
      if (this.#states.get(id) !== 'pending') continue;
      this.#transition(id, 'running');
      return id;
    }
  }

  /** A running task succeeded: its dependents are one dependency closer to ready. */
  succeeded(id: TaskId): void {
    this.#transition(id, 'succeeded');
    this.#unsettled--;
    for (const dependent of this.#dependents.get(id) ?? []) {
      this.#counters.checks++;
      const left = this.#waiting.get(dependent)! - 1;
      this.#waiting.set(dependent, left);
      if (left === 0 && this.#states.get(dependent) === 'pending') this.#ready.push(this.#index.get(dependent)!);
    }
  }

  /**
   * A task failed (normally while running; a runner bug may fail one that had succeeded). With
   * `propagate`, its pending dependents, transitively, are skipped and returned in topological
   * order; without, they stay pending for a stop sweep to report.
   */
  failed(id: TaskId, propagate: boolean): Skip[] {
    const from = this.#states.get(id);
    if (from === 'running') {
      this.#transition(id, 'failed');
      this.#unsettled--;
    } else if (from === 'succeeded') {
      this.#states.set(id, 'failed');
    } else {
      throw new Error(`Internal error: task ${id} cannot go from ${from} to failed`);
    }
    if (!propagate) return [];
    const affected: TaskId[] = [];
    const seen = new Set<TaskId>();
    const todo = [...(this.#dependents.get(id) ?? [])];
    while (todo.length > 0) {
      const next = todo.pop()!;
      this.#counters.checks++;
      if (seen.has(next) || this.#states.get(next) !== 'pending') continue;
      seen.add(next);
      affected.push(next);
      for (const dependent of this.#dependents.get(next) ?? []) todo.push(dependent);
    }
    affected.sort((a, b) => this.#index.get(a)! - this.#index.get(b)!);
    return affected.map((task) => this.#skip(task, this.#blockedReason(task)!));
  }

  /**
   * Skip every pending task, in topological order: with the reason of its first failed or skipped
   * dependency if it has one, else `reason`.
   */
  skipPending(reason: string): Skip[] {
    const skips: Skip[] = [];
    if (this.#unsettled === 0) return skips;
    for (const id of this.#selection.order) {
      this.#counters.checks++;
      if (this.#states.get(id) !== 'pending') continue;
      skips.push(this.#skip(id, this.#blockedReason(id) ?? reason));
    }
    return skips;
  }

  #depsOf(id: TaskId): readonly TaskId[] {
    return this.#selection.deps.get(id) ?? [];
  }

  #blockedReason(id: TaskId): string | undefined {
    for (const dep of this.#depsOf(id)) {
      this.#counters.checks++;
      const s = this.#states.get(dep);
      if (s === 'failed') return `dependency ${dep} failed`;
      if (s === 'skipped') return `dependency ${dep} was skipped`;
    }
    return undefined;
  }

  #skip(id: TaskId, reason: string): Skip {
    this.#transition(id, 'skipped');
    this.#unsettled--;
    return { task: id, reason };
  }

  /** Task lifecycle: pending → running → succeeded | failed; pending → skipped. */
  #transition(id: TaskId, to: 'running' | 'succeeded' | 'failed' | 'skipped'): void {
    const from = this.#states.get(id);
    const allowed = to === 'running' || to === 'skipped' ? from === 'pending' : from === 'running';
    if (!allowed) throw new Error(`Internal error: task ${id} cannot go from ${from} to ${to}`);
    this.#states.set(id, to);
  }
}
