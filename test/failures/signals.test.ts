/**
 * Interruption: SIGINT/SIGTERM stop the run, kill every child process tree, and exit 130/143
 * quickly, leaving no process behind.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, makeProject, type Project, startCli } from '../helpers/rig.js';

/** Processes whose command line contains `marker` (pgrep -f), excluding pgrep itself. */
function processesWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((l) => l && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

const Signals = suite('signals');
let project: Project | undefined;
Signals.after.each(() => project?.cleanup());

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  Signals(`${signal} during "sleep 30" exits ${code} within 2 s and leaves no sleep behind`, async () => {
    // A unique duration makes the sleep findable, and nested under bash and a subshell so only a
    // tree kill gets it.
    const marker = `30.${process.pid}${code}`;
    project = makeProject({
      files: { '.cloudyrc.json': JSON.stringify({ tasks: { wait: { run: `( sleep ${marker}; echo never )` } } }) },
    });
    const child = startCli(project, ['wait', '--json']);
    const done = collect(child, 20_000);
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => String(d).includes('task-started') && resolve()),
    );
    for (let i = 0; i < 50 && processesWith(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(processesWith(marker).length > 0, 'sleep is running before the signal');
    const sent = Date.now();
    child.kill(signal);
    const result = await done;
    const elapsed = Date.now() - sent;
    assert.is(result.code, code, result.stderr);
    assert.ok(elapsed < 2000, `exited after ${elapsed} ms`);
    assert.equal(processesWith(marker), [], 'no sleep left behind');
    const failed = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; error?: string })
      .find((e) => e.type === 'task-failed');
    assert.match(failed?.error ?? '', `interrupted by ${signal}`);
  });
}

Signals('a second SIGINT forces the exit: 130 at once, one line saying so, the run still in history', async () => {
  const marker = `31.${process.pid}`;
  // The group ignores SIGTERM (an ignored signal stays ignored across exec): the first SIGINT's
  // graceful stop would wait out its 3 s grace before SIGKILL, so the second one is what ends it.
  project = makeProject({
    files: {
      '.cloudyrc.json': JSON.stringify({
        tasks: { stubborn: { run: `trap '' TERM; sleep ${marker}` }, quick: { run: 'true' } },
      }),
    },
  });
  const child = startCli(project, ['stubborn', '--json']);
  const done = collect(child, 20_000);
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => String(d).includes('task-started') && resolve()),
  );
  for (let i = 0; i < 50 && processesWith(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  const sent = Date.now();
  child.kill('SIGINT');
  const result = await done;
  assert.is(result.code, 130, result.stderr);
  assert.ok(Date.now() - sent < 1500, `exited ${Date.now() - sent} ms after the second SIGINT`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines, [
    'cloudy-tasks: SIGINT received: stopping tasks and their processes (again to force)',
    'cloudy-tasks: SIGINT again: exiting now, without waiting for the tasks',
  ]);
  for (let i = 0; i < 50 && processesWith(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(processesWith(marker), [], 'the stubborn sleep was killed');
  const history = readFileSync(path.join(project.dir, '.cloudy', 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { outcome: string; exitCode: number; tasks: string[] });
  assert.equal(
    history.map((r) => [r.outcome, r.exitCode, r.tasks]),
    [['interrupted', 130, ['stubborn']]],
  );
  // And the lock does not outlive the process: the next real run takes it and goes ahead.
  const next = await collect(startCli(project, ['quick']), 20_000);
  assert.is(next.code, 0, next.stderr);
});

Signals.run();
