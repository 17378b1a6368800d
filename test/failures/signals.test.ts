/**
 * Interruption: SIGINT/SIGTERM stop the run, kill every child process tree, and exit 130/143
 * quickly, leaving no process behind.
 */

import { execFileSync } from 'node:child_process';
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

Signals.run();
