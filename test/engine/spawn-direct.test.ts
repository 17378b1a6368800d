/**
 * Commands without shell syntax start without bash (through zx's `spawn` option) and behave as
 * they did under bash: same output, same exit codes, a missing program is exit 127.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SpawnEvent, Spawner } from '../../lib/engine/spawn.js';
import { TaskFailure } from '../../lib/failure.js';

const D = suite('direct spawn');
let dir: string;
D.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-direct-'));
});
D.after.each(() => rmSync(dir, { recursive: true, force: true }));

async function shell(env: Record<string, string> = {}) {
  const events: SpawnEvent[] = [];
  const spawner = await Spawner.create({
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    dryRun: false,
    emit: (e) => events.push(e),
    redact: (t) => t,
  });
  return { $: spawner.shellFor('t'), events };
}

/** Prints SHLVL: bash sets it for every program it starts; a direct start leaves the env as given. */
const SHLVL = 'process.stdout.write(String(process.env.SHLVL))';

D('a plain command starts without bash; one with shell syntax runs under bash', async () => {
  const { $ } = await shell();
  assert.is((await $`node -e ${SHLVL}`).stdout, 'undefined', 'no shell syntax in the template: no bash');
  // Under bash it is 0 or 1 (bash lowers it again when it execs the last command).
  assert.is.not((await $.script(`node -e '${SHLVL}'`)).stdout, 'undefined', 'quotes in the line: bash started it');
  assert.is.not((await $`node -e ${SHLVL} | cat`).stdout, 'undefined', 'a pipe in the template: bash');
});

D('arguments, output and exit codes are the same either way', async () => {
  const { $ } = await shell();
  const arg = "a b; $(touch x) 'q'";
  const echo = 'process.stdout.write(process.argv.slice(1).join("|"))';
  assert.is((await $`node -e ${echo} ${arg} ${['1', '']}`).stdout, `${arg}|1|`);
  assert.is((await $`node -e ${`${echo};`} ${arg} ${['1', '']} | cat`).stdout, `${arg}|1|`, 'through bash');
  assert.is((await $.nothrow`node -e ${'process.exit(3)'}`).exitCode, 3);
  assert.is((await $.nothrow`node -e ${'process.exit(3)'} | cat`).exitCode, 3, 'pipefail under bash');
  const failed = await $`node -e ${'process.exit(4)'}`.then(
    () => undefined,
    (error: unknown) => (error instanceof TaskFailure ? error.failure : undefined),
  );
  assert.equal(failed?.reason === 'exit-non-zero' && failed.exitCode, 4);
});

D('a missing program is exit 127 "command not found", as under bash', async () => {
  const { $ } = await shell();
  const r = await $.nothrow`no-such-program-cloudy ${'x'}`;
  assert.is(r.exitCode, 127);
  assert.match(r.stderr, 'no-such-program-cloudy: command not found');
  try {
    await $.script('no-such-program-cloudy --flag');
    assert.unreachable('a missing program fails the task');
  } catch (error) {
    assert.instance(error, TaskFailure);
    const f = (error as TaskFailure).failure;
    assert.is(f.reason, 'spawn-error');
    assert.match(f.reason === 'spawn-error' ? f.message : '', 'command not found');
  }
});

D('exported bash functions in the environment send every command through bash', async () => {
  const { $ } = await shell({ 'BASH_FUNC_greet%%': '() {  echo function-ran; }' });
  assert.is((await $.script('greet')).stdout.trim(), 'function-ran');
});

D.run();
