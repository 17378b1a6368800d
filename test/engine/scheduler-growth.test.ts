/**
 * A regression guard on the scheduler's complexity that is not a timed test: the runner counts
 * its scheduling work (tasks visited, dependency states looked at, dependents notified) through
 * the optional `counters` hook, and that count must grow at most linearly from 1,000 to 10,000
 * tasks. The old scheduler rescanned every task and every dependency list after each completion:
 * on a root with 10,000 dependencies it did ~100x the work of 1,000, and this test failed on it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildGraph, selectTargets } from '../../lib/engine/graph.js';
import { collectTasks } from '../../lib/engine/registry.js';
import { type FailureMode, Runner, type SchedulerCounters } from '../../lib/engine/runner.js';
import { Spawner } from '../../lib/engine/spawn.js';
import { type AnyTask, defineTask } from '../../lib/engine/task.js';

const G = suite('scheduler growth');

/** Tasks + edges grow 10x; allow some slack over 10x, far below the ~100x of a quadratic scheduler. */
const MAX_GROWTH = 12;

type Shape = (n: number) => { defs: AnyTask[]; target: string };

/** One root depending on n independent leaves (the `-j` fan-out case of the issue). */
const wide =
  (failFirst = false): Shape =>
  (n) => {
    const leaves = Array.from({ length: n }, (_, i) =>
      defineTask({
        name: `t${i}`,
        description: '',
        run: (ctx) => (failFirst && i === 0 ? ctx.fail('first leaf fails') : i),
      }),
    );
    return { defs: [defineTask({ name: 'root', description: '', deps: leaves, run: () => 'root' })], target: 'root' };
  };

/** t0 <- t1 <- ... <- t(n-1): every completion makes exactly one task ready. */
const chain =
  (failFirst = false): Shape =>
  (n) => {
    let previous: AnyTask | undefined;
    for (let i = 0; i < n; i++) {
      const deps: readonly AnyTask[] = previous ? [previous] : [];
      previous = defineTask({
        name: `t${i}`,
        description: '',
        deps,
        run: (ctx) => (failFirst && i === 0 ? ctx.fail('first link fails') : i),
      });
    }
    return { defs: [previous!], target: `t${n - 1}` };
  };

async function work(shape: Shape, n: number, onFailure: FailureMode = 'no-new'): Promise<number> {
  const { defs, target } = shape(n);
  const registry = collectTasks(defs, {}, undefined);
  if (!registry.ok) throw new Error(JSON.stringify(registry.error));
  const graph = buildGraph(registry.value.specs);
  if (!graph.ok) throw new Error(JSON.stringify(graph.error));
  const selection = selectTargets(graph.value, [target]);
  if (!selection.ok) throw new Error(JSON.stringify(selection.error));
  const counters: SchedulerCounters = { checks: 0 };
  let settled = 0;
  const runner = new Runner({
    graph: graph.value,
    selection: selection.value,
    tasks: registry.value.tasks,
    concurrency: 4,
    onFailure,
    spawner: await Spawner.create({ cwd: '/', env: {}, dryRun: false, emit: () => {}, redact: (t) => t }),
    emit: (event) => {
      if (event.type === 'task-succeeded' || event.type === 'task-failed' || event.type === 'task-skipped') settled++;
    },
    context: () => ({
      config: {} as never,
      env: {},
      redact: <T>(value: T) => value,
      flags: { dryRun: false, ifChanged: false, json: false, force: false },
      explain: () => undefined,
      projectDir: '/',
    }),
    convertError: (_task, error) => ({ reason: 'task-error', message: String(error) }),
    counters,
  });
  await runner.run();
  assert.is(settled, selection.value.order.length, 'every task settled');
  assert.ok(counters.checks > 0, 'the runner counted its work');
  return counters.checks;
}

const cases: [string, Shape, FailureMode][] = [
  ['a root with n dependencies', wide(), 'no-new'],
  ['a chain of n tasks', chain(), 'no-new'],
  ['a root with n dependencies, the first fails (--keep-going)', wide(true), 'continue'],
  ['a chain of n tasks whose first fails (skips propagate along it)', chain(true), 'no-new'],
];
for (const [name, shape, onFailure] of cases) {
  G(`scheduling work grows linearly: ${name}`, async () => {
    const small = await work(shape, 1_000, onFailure);
    const large = await work(shape, 10_000, onFailure);
    const growth = large / small;
    assert.ok(
      growth <= MAX_GROWTH,
      `work grew ${growth.toFixed(1)}x from 1,000 to 10,000 tasks (${small} -> ${large} checks); at most ${MAX_GROWTH}x is linear`,
    );
  });
}

G.run();
