/**
 * The task graph: names, edges, validation, selection and drawing. Pure: no I/O, no docker, no
 * knowledge of what a task does. It reports every problem it finds in one pass so a user fixes
 * them all at once.
 */
import type { Failure } from '../failure.js';
import { MinHeap } from '../util/heap.js';
import { err, ok, type Result } from '../util/result.js';
import { closest } from '../util/suggest.js';

/** A task name that has been checked to exist in the graph. Only this module makes them. */
export type TaskId = string & { readonly __brand: 'TaskId' };

/** What the graph needs to know about a task. */
export interface TaskSpec {
  readonly name: string;
  readonly description: string;
  readonly deps: readonly string[];
  /** Where the task came from (`built-in`, `cloudy.config.ts`), for duplicate messages. */
  readonly source: string;
  /** The task whose output this one can stand in for (see `Task.provides`). */
  readonly provides?: string;
  /** Tasks this one runs after when both are selected, order only (see `Task.after`). */
  readonly after?: readonly string[];
}

export interface GraphNode {
  readonly id: TaskId;
  readonly description: string;
  /** Sorted by name, so traversals (and the cycle trail printed) are the same on every run. */
  readonly deps: readonly TaskId[];
  readonly source: string;
  readonly provides?: TaskId;
  /** Known tasks only: an order-only edge to a task that does not exist orders nothing. */
  readonly after?: readonly TaskId[];
}

export interface TaskGraph {
  readonly nodes: ReadonlyMap<TaskId, GraphNode>;
  /** Every node in a topological order (dependencies first), ties broken by name. */
  readonly order: readonly TaskId[];
}

const asId = (name: string) => name as TaskId;

/** Validate specs and build the graph: unknown dependencies, duplicates and cycles, all at once. */
export function buildGraph(specs: readonly TaskSpec[]): Result<TaskGraph, Failure[]> {
  const failures: Failure[] = [];
  const byName = new Map<string, TaskSpec>();
  for (const spec of specs) {
    const seen = byName.get(spec.name);
    if (seen) {
      failures.push({ reason: 'duplicate-task', name: spec.name, sources: [seen.source, spec.source] });
      continue;
    }
    byName.set(spec.name, spec);
  }
  const names = [...byName.keys()];
  const nodes = new Map<TaskId, GraphNode>();
  for (const spec of byName.values()) {
    // A Set, not `includes` on the array: a root with 10,000 dependencies stays linear.
    const unique = new Set<TaskId>();
    for (const dep of spec.deps) {
      if (byName.has(dep)) unique.add(asId(dep));
      else {
        // Never the task itself: a task cannot depend on itself.
        const suggestion = closest(
          dep,
          names.filter((n) => n !== spec.name),
        );
        failures.push({
          reason: 'unknown-task',
          name: dep,
          referencedBy: spec.name,
          ...(suggestion ? { suggestion } : {}),
        });
      }
    }
    const deps = [...unique].sort();
    if (spec.provides !== undefined && !byName.has(spec.provides)) {
      failures.push({ reason: 'unknown-task', name: spec.provides, referencedBy: spec.name });
    }
    const provides = spec.provides !== undefined && byName.has(spec.provides) ? { provides: asId(spec.provides) } : {};
    const after = (spec.after ?? []).filter((a) => byName.has(a)).map(asId);
    nodes.set(asId(spec.name), {
      id: asId(spec.name),
      description: spec.description,
      deps,
      source: spec.source,
      ...provides,
      ...(after.length > 0 ? { after } : {}),
    });
  }
  failures.push(...findCycles(nodes));
  if (failures.length > 0) return err(failures);
  return ok({ nodes, order: topologicalOrder(nodes, [...nodes.keys()]) });
}

/**
 * Every elementary cycle reachable by a depth-first search in name order, each printed once
 * starting from its smallest name (`a -> b -> a`), so the trail is stable across runs.
 * Iterative (an explicit stack of frames), so a chain of 10,000 tasks does not overflow the call stack.
 */
function findCycles(nodes: ReadonlyMap<TaskId, GraphNode>): Failure[] {
  const state = new Map<TaskId, 'visiting' | 'done'>();
  const stack: TaskId[] = [];
  const seen = new Set<string>();
  const failures: Failure[] = [];
  const frames: { id: TaskId; deps: readonly TaskId[]; next: number }[] = [];
  const enter = (id: TaskId): void => {
    state.set(id, 'visiting');
    stack.push(id);
    frames.push({ id, deps: nodes.get(id)?.deps ?? [], next: 0 });
  };
  for (const root of [...nodes.keys()].sort()) {
    if (state.has(root)) continue;
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.next === frame.deps.length) {
        frames.pop();
        stack.pop();
        state.set(frame.id, 'done');
        continue;
      }
      const dep = frame.deps[frame.next++]!;
      const s = state.get(dep);
      if (s === 'visiting') {
        const cycle = stack.slice(stack.indexOf(dep));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        const key = rotated.join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          failures.push({ reason: 'cycle', path: [...rotated, rotated[0]!] });
        }
      } else if (s === undefined) {
        enter(dep);
      }
    }
  }
  return failures;
}

/**
 * Kahn's algorithm restricted to `subset`, smallest name first among ready nodes. The ready set is
 * a binary heap (not an array sorted after every push), so this is O((tasks + edges) log tasks).
 */
function topologicalOrder(nodes: ReadonlyMap<TaskId, GraphNode>, subset: readonly TaskId[]): TaskId[] {
  const inSubset = new Set(subset);
  const remaining = new Map<TaskId, number>();
  const dependents = new Map<TaskId, TaskId[]>();
  for (const id of subset) {
    let count = 0;
    for (const dep of nodes.get(id)?.deps ?? []) {
      if (!inSubset.has(dep)) continue;
      count++;
      const list = dependents.get(dep);
      if (list) list.push(id);
      else dependents.set(dep, [id]);
    }
    remaining.set(id, count);
  }
  // Ready nodes come out smallest name first: the heap holds each node's rank in name order.
  const byName = [...subset].sort();
  const rank = new Map(byName.map((id, i) => [id, i]));
  const ready = new MinHeap();
  for (const id of subset) if (remaining.get(id) === 0) ready.push(rank.get(id)!);
  const order: TaskId[] = [];
  while (ready.size > 0) {
    const id = byName[ready.pop()!]!;
    order.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(rank.get(next)!);
    }
  }
  if (order.length !== subset.length) throw new Error('Internal error: topological order on a graph with a cycle');
  return order;
}

/** What to run: tasks in order, and the tasks that pass on a provider's output instead of running. */
export interface Selection {
  /** The selected tasks in topological order, substitution edges included. */
  readonly order: readonly TaskId[];
  /** provided task → the selected task that provides its output. */
  readonly substitutes: ReadonlyMap<TaskId, TaskId>;
  /** Dependencies per selected task, substitution edges included. */
  readonly deps: ReadonlyMap<TaskId, readonly TaskId[]>;
}

/**
 * The tasks needed for `targets`: the union of their dependency closures, each once, in
 * topological order. When a selected task provides another selected task's output, the provided
 * one runs after its provider and takes its output. Unknown targets are failures with a
 * "did you mean" suggestion.
 */
export function selectTargets(graph: TaskGraph, targets: readonly string[]): Result<Selection, Failure[]> {
  const closure = selectClosure(graph, targets);
  if (!closure.ok) return closure;
  const wanted = new Set(closure.value);
  const substitutes = new Map<TaskId, TaskId>();
  for (const id of closure.value) {
    const provided = graph.nodes.get(id)!.provides;
    if (provided && wanted.has(provided) && !substitutes.has(provided)) substitutes.set(provided, id);
  }
  const deps = new Map<TaskId, TaskId[]>();
  for (const id of closure.value) {
    const own = [...graph.nodes.get(id)!.deps];
    const provider = substitutes.get(id);
    deps.set(id, provider ? [...new Set([...own, provider])].sort() : own);
  }
  // A substitution edge that closes a cycle (the provider depends on what it provides) is dropped.
  for (const [provided, provider] of substitutes) {
    if (dependsOn(deps, provider, provided)) {
      substitutes.delete(provided);
      deps.set(provided, [...graph.nodes.get(provided)!.deps]);
    }
  }
  // Order-only edges between selected tasks; one that would close a cycle orders nothing.
  for (const id of closure.value) {
    for (const before of graph.nodes.get(id)!.after ?? []) {
      const own = deps.get(id)!;
      if (wanted.has(before) && !own.includes(before) && !dependsOn(deps, before, id))
        deps.set(id, [...own, before].sort());
    }
  }
  const view = new Map([...deps].map(([id, d]) => [id, { ...graph.nodes.get(id)!, deps: d }]));
  return ok({ order: topologicalOrder(view, closure.value), substitutes, deps });
}

function dependsOn(deps: ReadonlyMap<TaskId, readonly TaskId[]>, from: TaskId, to: TaskId): boolean {
  const seen = new Set<TaskId>();
  const stack = [...(deps.get(from) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(deps.get(id) ?? []));
  }
  return false;
}

function selectClosure(graph: TaskGraph, targets: readonly string[]): Result<TaskId[], Failure[]> {
  const failures: Failure[] = [];
  const wanted = new Set<TaskId>();
  // Iterative: a chain of 10,000 tasks would overflow a recursive walk.
  const add = (start: TaskId): void => {
    const todo = [start];
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (wanted.has(id)) continue;
      wanted.add(id);
      for (const dep of graph.nodes.get(id)?.deps ?? []) if (!wanted.has(dep)) todo.push(dep);
    }
  };
  for (const target of targets) {
    if (graph.nodes.has(asId(target))) add(asId(target));
    else {
      const suggestion = closest(target, graph.nodes.keys());
      failures.push({ reason: 'unknown-task', name: target, ...(suggestion ? { suggestion } : {}) });
    }
  }
  if (failures.length > 0) return err(failures);
  return ok(graph.order.filter((id) => wanted.has(id)));
}

/** Mermaid flowchart, edges pointing from a dependency to its dependent (the order things run). */
export function toMermaid(graph: TaskGraph, subset: readonly TaskId[] = graph.order): string {
  const index = new Map(subset.map((id, i) => [id, i]));
  const key = (id: TaskId) => `n${index.get(id) ?? -1}`;
  const lines = ['flowchart LR'];
  for (const id of subset) lines.push(`  ${key(id)}["${id.replaceAll('"', '#quot;')}"]`);
  for (const id of subset)
    for (const dep of graph.nodes.get(id)?.deps ?? []) lines.push(`  ${key(dep)} --> ${key(id)}`);
  return lines.join('\n');
}

/** Graphviz DOT, same edge direction as {@link toMermaid}. */
export function toDot(graph: TaskGraph, subset: readonly TaskId[] = graph.order): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph tasks {', '  rankdir=LR;'];
  for (const id of subset) lines.push(`  ${q(id)};`);
  for (const id of subset) for (const dep of graph.nodes.get(id)?.deps ?? []) lines.push(`  ${q(dep)} -> ${q(id)};`);
  lines.push('}');
  return lines.join('\n');
}
