/**
 * The Runner on its own, without the CLI around it: order, dependency respect, the concurrency
 * bound, the failure policies and their skip reasons, provides, run-once, stopStarting and
 * interruption. Tasks are in-process (`defineTask`); the interruption case spawns a real child.
 * Nothing here depends on timing: tasks yield with setImmediate or wait on promises the test
 * resolves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildGraph, selectTargets } from '../../lib/engine/graph.js';
import { collectTasks } from '../../lib/engine/registry.js';
import { type FailureMode, type RunEvent, Runner } from '../../lib/engine/runner.js';
import { Spawner } from '../../lib/engine/spawn.js';
import { type AnyTask, defineTask } from '../../lib/engine/task.js';
import type { Failure } from '../../lib/failure.js';
import { Deferred } from '../../lib/util/deferred.js';

const R = suite('runner');
let dir: string;
R.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-runner-'));
});
R.after.each(() => rmSync(dir, { recursive: true, force: true }));

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

interface Setup {
  readonly concurrency?: number;
  readonly onFailure?: FailureMode;
  /** Called for every event before it is recorded; may throw (a renderer that cannot show it). */
  readonly onEmit?: (event: RunEvent) => void;
}

async function setup(defs: readonly AnyTask[], targets: readonly string[], options: Setup = {}) {
  const registry = collectTasks(defs, {}, undefined);
  if (!registry.ok) throw new Error(JSON.stringify(registry.error));
  const graph = buildGraph(registry.value.specs);
  if (!graph.ok) throw new Error(JSON.stringify(graph.error));
  const selection = selectTargets(graph.value, targets);
  if (!selection.ok) throw new Error(JSON.stringify(selection.error));
  const events: RunEvent[] = [];
  const emit = (event: RunEvent) => {
    options.onEmit?.(event);
    events.push(event);
  };
  const spawner = await Spawner.create({
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '' },
    dryRun: false,
    emit,
    redact: (text) => text,
  });
  const runner = new Runner({
    graph: graph.value,
    selection: selection.value,
    tasks: registry.value.tasks,
    concurrency: options.concurrency ?? 4,
    onFailure: options.onFailure ?? 'no-new',
    spawner,
    emit,
    context: () => ({
      config: {} as never,
      env: {},
      redact: <T>(value: T) => value,
      flags: { dryRun: false, ifChanged: false, json: false, force: false },
      explain: () => undefined,
      projectDir: dir,
    }),
    convertError: (task, error): Failure => ({
      reason: 'task-error',
      message: `task ${task} threw: ${error instanceof Error ? error.message : String(error)}`,
    }),
  });
  const of = (type: RunEvent['type']) => events.filter((e) => e.type === type).map((e) => e.task);
  const skipReasons = () =>
    Object.fromEntries(events.flatMap((e) => (e.type === 'task-skipped' ? [[e.task, e.reason]] : [])));
  return { runner, events, of, skipReasons };
}

const leaf = (name: string, output: unknown = name.toUpperCase()) =>
  defineTask({ name, description: name, run: async () => output });

R('a task starts only after all its dependencies succeeded, and receives their outputs', async () => {
  const log: string[] = [];
  const step = (name: string, deps: readonly AnyTask[]) =>
    defineTask({
      name,
      description: name,
      deps,
      run: async (_ctx, got) => {
        log.push(`start ${name}`);
        await turns(name === 'b' ? 3 : 1);
        log.push(`end ${name}`);
        return { name, got };
      },
    });
  const a = step('a', []);
  const b = step('b', [a]);
  const c = step('c', [a]);
  const d = step('d', [b, c]);
  const { runner, of } = await setup([d], ['d'], { concurrency: 4 });
  const summary = await runner.run();
  const at = (entry: string) => log.indexOf(entry);
  for (const [task, deps] of [
    ['b', ['a']],
    ['c', ['a']],
    ['d', ['b', 'c']],
  ] as const)
    for (const dep of deps) assert.ok(at(`end ${dep}`) < at(`start ${task}`), `${task} started before ${dep} ended`);
  assert.ok(at('start c') < at('end b'), 'b and c (independent) ran at the same time');
  assert.equal(of('task-succeeded').sort(), ['a', 'b', 'c', 'd']);
  assert.equal((summary.outputs.get('d') as { got: unknown }).got, {
    b: { name: 'b', got: { a: { name: 'a', got: {} } } },
    c: { name: 'c', got: { a: { name: 'a', got: {} } } },
  });
  assert.equal([...summary.states.values()], ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  assert.equal(summary.failures, []);
  assert.is(summary.interruptedBy, undefined);
});

R('ready tasks start in the topological order of the selection (ties by name)', async () => {
  const a = leaf('a');
  const z = leaf('z');
  const b = defineTask({ name: 'b', description: 'b', deps: [a], run: () => 'B' });
  const { runner, of } = await setup([a, z, b], ['z', 'b'], { concurrency: 1 });
  await runner.run();
  // b became ready when a finished and comes before z in the order: it starts first.
  assert.equal(of('task-started'), ['a', 'b', 'z']);
});

R('never more than `concurrency` tasks run at once, and every task runs', async () => {
  let active = 0;
  let peak = 0;
  const defs = Array.from({ length: 7 }, (_, i) =>
    defineTask({
      name: `t${i}`,
      description: '',
      run: async () => {
        active++;
        peak = Math.max(peak, active);
        await turns(2 + (i % 3));
        active--;
        return i;
      },
    }),
  );
  for (const concurrency of [1, 2, 3]) {
    peak = 0;
    const { runner, of } = await setup(
      defs,
      defs.map((d) => d.name),
      { concurrency },
    );
    const summary = await runner.run();
    assert.is(peak, concurrency, `peak at -j ${concurrency}`);
    assert.is(of('task-succeeded').length, 7);
    assert.equal([...summary.outputs.values()].sort(), [0, 1, 2, 3, 4, 5, 6].sort());
  }
});

R('concurrency below 1 is a bug', async () => {
  try {
    await setup([leaf('a')], ['a'], { concurrency: 0 });
    assert.unreachable('expected an internal error');
  } catch (error) {
    assert.match(String(error), 'Internal error: concurrency must be >= 1');
  }
});

R('a task that runs once feeds every target that needs it', async () => {
  let runs = 0;
  const base = defineTask({ name: 'base', description: '', run: () => ++runs });
  const x = defineTask({ name: 'x', description: '', deps: [base], run: (_c, d) => d.base + 10 });
  const y = defineTask({ name: 'y', description: '', deps: [base], run: (_c, d) => d.base + 20 });
  const { runner, of } = await setup([x, y], ['x', 'y', 'base']);
  const summary = await runner.run();
  assert.is(runs, 1);
  assert.equal(of('task-started'), ['base', 'x', 'y']);
  assert.equal([summary.outputs.get('x'), summary.outputs.get('y')], [11, 21]);
});

function failureGraph() {
  const bad = defineTask({ name: 'bad', description: '', run: (ctx) => ctx.fail('boom') });
  const after = defineTask({ name: 'after', description: '', deps: [bad], run: () => 'after' });
  const further = defineTask({ name: 'further', description: '', deps: [after], run: () => 'further' });
  const both = defineTask({ name: 'both', description: '', deps: [after, bad], run: () => 'both' });
  const other = leaf('other');
  return [bad, after, further, both, other];
}

R('no-new: a failure skips its dependents (with the first blocked dependency) and starts nothing new', async () => {
  const defs = failureGraph();
  const { runner, of, skipReasons, events } = await setup(
    defs,
    defs.map((d) => d.name),
    { concurrency: 1, onFailure: 'no-new' },
  );
  const summary = await runner.run();
  assert.equal(of('task-started'), ['bad']);
  assert.equal(skipReasons(), {
    after: 'dependency bad failed',
    both: 'dependency after was skipped',
    further: 'dependency after was skipped',
    other: 'not started: bad failed (use --keep-going to run unrelated tasks)',
  });
  // Skips are reported in the topological order of the selection.
  assert.equal(of('task-skipped'), ['after', 'both', 'further', 'other']);
  const failed = events.find((e) => e.type === 'task-failed');
  assert.equal(failed?.type === 'task-failed' && failed.failure, { reason: 'task-error', message: 'boom' });
  assert.equal(summary.failures, [{ task: 'bad', failure: { reason: 'task-error', message: 'boom' } }]);
  assert.is(summary.states.get('other'), 'skipped');
  assert.is(summary.states.get('bad'), 'failed');
});

R('no-new: a task already running when another fails finishes and succeeds', async () => {
  const release = new Deferred<void>();
  const slow = defineTask({
    name: 'a-slow',
    description: '',
    run: async () => {
      await release.promise;
      return 'slow done';
    },
  });
  const bad = defineTask({ name: 'bad', description: '', run: (ctx) => ctx.fail('boom') });
  const late = leaf('late');
  const { runner, skipReasons } = await setup([bad, late, slow], ['a-slow', 'bad', 'late'], { concurrency: 2 });
  const done = runner.run();
  await turns(3);
  release.resolve();
  const summary = await done;
  assert.is(summary.states.get('a-slow'), 'succeeded');
  assert.is(summary.outputs.get('a-slow'), 'slow done');
  assert.equal(skipReasons(), { late: 'not started: bad failed (use --keep-going to run unrelated tasks)' });
});

R('continue (--keep-going): unrelated tasks still run; dependents of the failure are skipped', async () => {
  const defs = failureGraph();
  const { runner, of, skipReasons } = await setup(
    defs,
    defs.map((d) => d.name),
    { concurrency: 1, onFailure: 'continue' },
  );
  const summary = await runner.run();
  assert.equal(of('task-succeeded'), ['other']);
  assert.equal(skipReasons(), {
    after: 'dependency bad failed',
    both: 'dependency after was skipped',
    further: 'dependency after was skipped',
  });
  assert.is(summary.failures.length, 1);
});

R('an exception becomes the failure convertError makes; the run goes on settling', async () => {
  const thrower = defineTask({
    name: 'thrower',
    description: '',
    run: () => {
      throw new Error('kaput');
    },
  });
  const dependent = defineTask({ name: 'dependent', description: '', deps: [thrower], run: () => 1 });
  const { runner, skipReasons } = await setup([dependent], ['dependent'], { onFailure: 'continue' });
  const summary = await runner.run();
  assert.equal(summary.failures, [
    { task: 'thrower', failure: { reason: 'task-error', message: 'task thrower threw: kaput' } },
  ]);
  assert.equal(skipReasons(), { dependent: 'dependency thrower failed' });
});

R('provides: the provided task passes the provider output on instead of running', async () => {
  let dockerRuns = 0;
  const docker = defineTask({ name: 'docker', description: '', run: () => ({ imageId: `cached-${++dockerRuns}` }) });
  const rebuild = defineTask({
    name: 'rebuild',
    description: '',
    provides: docker,
    run: () => ({ imageId: 'fresh' }),
  });
  const scan = defineTask({
    name: 'scan',
    description: '',
    deps: [docker],
    run: (_ctx, deps) => `scanned ${deps.docker.imageId}`,
  });
  const { runner, of, events } = await setup([docker, rebuild, scan], ['rebuild', 'scan']);
  const summary = await runner.run();
  assert.is(dockerRuns, 0);
  assert.equal(of('task-started'), ['rebuild', 'docker', 'scan']);
  assert.equal(summary.outputs.get('docker'), { imageId: 'fresh' });
  assert.is(summary.outputs.get('scan'), 'scanned fresh');
  assert.ok(
    events.some(
      (e) => e.type === 'task-progress' && e.task === 'docker' && e.message === 'using the output of rebuild',
    ),
  );
  // Without the provider selected, docker runs as usual.
  const alone = await setup([docker, rebuild, scan], ['scan']);
  await alone.runner.run();
  assert.is(dockerRuns, 1);
});

R('stopStarting: running tasks finish, pending ones are skipped with the reason', async () => {
  const release = new Deferred<void>();
  const first = defineTask({
    name: 'a',
    description: '',
    run: async () => {
      await release.promise;
      return 'a';
    },
  });
  const b = leaf('b');
  const c = defineTask({ name: 'c', description: '', deps: [b], run: () => 'c' });
  const { runner, of, skipReasons } = await setup([first, b, c], ['a', 'c'], { concurrency: 1 });
  const done = runner.run();
  await turn();
  runner.stopStarting('the run lock was lost');
  runner.stopStarting('a second reason is ignored');
  release.resolve();
  const summary = await done;
  assert.equal(of('task-succeeded'), ['a']);
  assert.equal(skipReasons(), { b: 'the run lock was lost', c: 'dependency b was skipped' });
  assert.equal(summary.failures, []);
});

R('interrupt: start nothing more, abort the signal, kill children; running tasks fail as aborted', async () => {
  const waiter = defineTask({
    name: 'waiter',
    description: '',
    run: async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('stopped by the signal');
    },
  });
  const sleeper = defineTask({
    name: 'sleeper',
    description: '',
    run: async (ctx) => {
      await ctx.$`sleep 30`;
      return 'woke';
    },
  });
  const later = leaf('z-later');
  const { runner, events, skipReasons } = await setup([later, sleeper, waiter], ['sleeper', 'waiter', 'z-later'], {
    concurrency: 2,
  });
  const done = runner.run();
  while (!events.some((e) => e.type === 'command')) await new Promise((resolve) => setTimeout(resolve, 10));
  const started = Date.now();
  await runner.interrupt('SIGINT');
  const summary = await done;
  assert.ok(Date.now() - started < 2500, 'the sleeping child was killed, not waited for');
  assert.is(summary.interruptedBy, 'SIGINT');
  assert.equal(summary.failures.map((f) => f.task).sort(), ['sleeper', 'waiter']);
  for (const f of summary.failures) assert.equal(f.failure, { reason: 'aborted', signal: 'SIGINT' });
  assert.equal(skipReasons(), { 'z-later': 'interrupted by SIGINT' });
});

R('a renderer that cannot show an output does not lose the result: the event is re-sent without it', async () => {
  const weird = defineTask({ name: 'weird', description: '', run: () => ({ big: 1n }) });
  const { runner, events } = await setup([weird], ['weird'], {
    onEmit: (event) => {
      if (event.type === 'task-succeeded' && typeof event.output !== 'string') throw new Error('cannot encode');
    },
  });
  const summary = await runner.run();
  const succeeded = events.find((e) => e.type === 'task-succeeded');
  assert.is(succeeded?.type === 'task-succeeded' && succeeded.output, '(output not shown: cannot encode)');
  assert.equal(summary.outputs.get('weird'), { big: 1n });
  assert.is(summary.states.get('weird'), 'succeeded');
});

R.run();
