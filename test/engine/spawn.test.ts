/** The spawning module on its own: quoting, dry runs, probes, abort, cleanup commands, stdin. */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerBoundMs } from '../../lib/docker/cli.js';
import { type ChildGroup, type SpawnEvent, Spawner } from '../../lib/engine/spawn.js';
import { TaskFailure } from '../../lib/failure.js';
import { makeRedactor } from '../../lib/render/redact.js';

const Exec = suite('exec');
let dir: string;
Exec.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-exec-'));
});
Exec.after.each(() => rmSync(dir, { recursive: true, force: true }));

async function spawner(options: { dryRun?: boolean; env?: Record<string, string> } = {}) {
  const events: SpawnEvent[] = [];
  const env = { PATH: process.env['PATH'] ?? '', ...options.env };
  const ex = await Spawner.create({
    cwd: dir,
    env,
    dryRun: options.dryRun ?? false,
    emit: (e) => events.push(e),
    redact: makeRedactor(env),
  });
  return { ex, $: ex.shellFor('t'), events };
}
const failureOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof TaskFailure) return e.failure;
    throw e;
  }
  throw new Error('expected a TaskFailure');
};

Exec('an interpolated value is one argument that no shell interprets', async () => {
  const { $ } = await spawner();
  const marker = path.join(dir, 'pwned');
  const value = `x; touch ${marker}; $(touch ${marker}) \`touch ${marker}\` 'q' "d"`;
  const r = await $`printf %s ${value}`;
  assert.is(r.stdout, value);
  assert.not.ok(existsSync(marker));
  const list = await $`printf '[%s]' ${['a b', 'c']}`;
  assert.is(list.stdout, '[a b][c]');
});

Exec('undefined values are refused instead of becoming the word "undefined"', async () => {
  const { $ } = await spawner();
  const f = await failureOf($`echo ${undefined as unknown as string}`);
  assert.is(f.reason, 'task-error');
});

Exec('a non-zero exit is an exit-non-zero failure with the stderr tail; nothrow returns it', async () => {
  const { $ } = await spawner();
  const f = await failureOf($`sh -c ${'echo boom >&2; exit 4'}`);
  assert.equal(f.reason === 'exit-non-zero' && [f.exitCode, f.stderrTail], [4, 'boom']);
  assert.is((await $.nothrow`sh -c ${'exit 4'}`).exitCode, 4);
});

Exec('dry run: commands are reported, not run; probes run', async () => {
  const { $, events } = await spawner({ dryRun: true });
  const marker = path.join(dir, 'ran');
  const r = await $`touch ${marker}`;
  assert.is(r.exitCode, 0);
  assert.not.ok(existsSync(marker), 'not run');
  const probe = await $.with({ probe: true })`echo probed`;
  assert.is(probe.stdout.trim(), 'probed');
  assert.equal(
    events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.dryRun),
    [true, false],
  );
});

Exec('secrets are masked in shown commands even when quoting changes their spelling', async () => {
  const secret = "hunter'22\\x";
  const { $, events } = await spawner({ env: { DB_PASSWORD: secret } });
  await $`printf %s ${secret}`;
  const shown = events.map((e) => (e.type === 'command' ? e.command : e.line)).join('\n');
  assert.not.match(shown, 'hunter');
  assert.match(shown, /printf %s \$?'?\*\*\*/);
});

Exec('after abort, new commands are refused but cleanup (critical) commands run', async () => {
  const { ex, $ } = await spawner();
  const slow = $`sleep 30`;
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  await ex.abort('SIGINT');
  assert.equal(await failureOf(slow), { reason: 'aborted', signal: 'SIGINT' });
  assert.ok(Date.now() - started < 2000, 'the running command was killed');
  assert.equal(await failureOf($`echo refused`), { reason: 'aborted', signal: 'SIGINT' });
  const cleanup = await $.with({ critical: true })`echo restored`;
  assert.is(cleanup.stdout.trim(), 'restored');
});

Exec('a command that reads stdin gets end-of-file instead of hanging', async () => {
  const { $ } = await spawner();
  const r = await $`sh -c ${'if read -r line; then echo got; else echo eof; fi'}`;
  assert.is(r.stdout.trim(), 'eof');
});

Exec('timeoutMs kills the whole process group past the bound and fails timed-out, even with nothrow', async () => {
  const groups: (readonly ChildGroup[])[] = [];
  const env = { PATH: process.env['PATH'] ?? '' };
  const ex = await Spawner.create({
    cwd: dir,
    env,
    dryRun: false,
    emit: () => undefined,
    redact: makeRedactor(env),
    onChildren: (c) => groups.push(c),
  });
  const pidFile = path.join(dir, 'grandchild');
  const started = Date.now();
  const failure = await failureOf(
    ex.shellFor('t').with({ nothrow: true, timeoutMs: 500 })`sh -c ${`sleep 30 & echo $! > ${pidFile}; wait`}`,
  );
  assert.equal(failure, {
    reason: 'timed-out',
    command: `sh -c $'sleep 30 & echo $! > ${pidFile}; wait'`,
    after: '0.5s',
  });
  assert.ok(Date.now() - started < 5000, 'it did not wait for the sleep');
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  let gone = false;
  for (let i = 0; i < 30 && !gone; i++) {
    try {
      process.kill(grandchild, 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } catch {
      gone = true;
    }
  }
  assert.ok(gone, 'the grandchild in the same process group was killed');
  // The child was reported while it ran, and not after.
  assert.is(groups[0]?.length, 1);
  assert.is(groups[0]?.[0]?.critical, false);
  assert.equal(groups.at(-1), []);
});

Exec('docker commands that can hang have a bound; builds, pulls and runs do not', () => {
  assert.is(dockerBoundMs(['container', 'inspect', 'x']), 30_000);
  assert.is(dockerBoundMs(['inspect', 'x']), 30_000);
  assert.is(dockerBoundMs(['stop', 'x']), 60_000);
  assert.is(dockerBoundMs(['rm', '-f', 'x']), 60_000);
  assert.is(dockerBoundMs(['logs', '--tail', '5', 'x']), 30_000);
  assert.is(dockerBoundMs(['build', '.']), undefined);
  assert.is(dockerBoundMs(['pull', 'x']), undefined);
  assert.is(dockerBoundMs(['run', '-d', 'x']), undefined);
});

Exec.run();
