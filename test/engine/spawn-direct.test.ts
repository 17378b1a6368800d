/**
 * Commands without shell syntax start without bash (through zx's `spawn` option for `ctx.$`, by
 * Node's own spawn for a recipe or a probe) and behave as they did under bash: same output, same
 * exit codes, a missing program is exit 127, a time bound and abort() end the whole group.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ChildGroup, type SpawnEvent, Spawner } from '../../lib/engine/spawn.js';
import { TaskFailure } from '../../lib/failure.js';

const D = suite('direct spawn');
let dir: string;
D.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-direct-'));
});
D.after.each(() => rmSync(dir, { recursive: true, force: true }));

async function shell(env: Record<string, string> = {}) {
  const { spawner, events } = await spawnerWith(env);
  return { $: spawner.shellFor('t'), events };
}

async function spawnerWith(env: Record<string, string> = {}, onChildren?: (groups: readonly ChildGroup[]) => void) {
  const events: SpawnEvent[] = [];
  const spawner = await Spawner.create({
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    dryRun: false,
    emit: (e) => events.push(e),
    redact: (t) => t,
    ...(onChildren ? { onChildren } : {}),
  });
  return { spawner, events };
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

D('a BASH_ENV file (how CI systems extend PATH) is read: the command goes through bash', async () => {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'only-in-bash-env'), '#!/bin/sh\necho found\n');
  chmodSync(path.join(bin, 'only-in-bash-env'), 0o755);
  const file = path.join(dir, 'bash-env');
  writeFileSync(file, `export PATH=${bin}:$PATH\n`);
  const { $ } = await shell({ BASH_ENV: file });
  assert.is((await $.script('only-in-bash-env')).stdout, 'found\n');
});

D('PWD is the directory the command runs in, as bash sets it', async () => {
  const { $ } = await shell({ PWD: '/somewhere/else' });
  const pwd = 'process.stdout.write(String(process.env.PWD))';
  assert.is((await $.script(node(pwd))).stdout, dir, 'a recipe');
  assert.is((await $`node -e ${pwd}`).stdout, dir, 'ctx.$ through zx, without bash');
});

D('a program that cannot start says why in bash words, never as a thrown error', async () => {
  const { $ } = await shell();
  const plain = path.join(dir, 'plain');
  writeFileSync(plain, '');
  const notDir = await $.with({ nothrow: true }).script(`${plain}/x`);
  assert.equal([notDir.exitCode, notDir.stderr], [126, `${plain}/x: Not a directory\n`]);
  const crlf = path.join(dir, 'crlf.sh');
  writeFileSync(crlf, '#!/bin/sh\r\necho hi\r\n');
  chmodSync(crlf, 0o755);
  const badInterpreter = await $.with({ nothrow: true }).script(crlf);
  assert.equal(
    [badInterpreter.exitCode, badInterpreter.stderr],
    [127, `${crlf}: cannot execute: required file not found\n`],
  );
  const gone = path.join(dir, 'gone');
  const noDir = await $.with({ nothrow: true, cwd: gone }).script('ls');
  assert.equal([noDir.exitCode, noDir.stderr], [127, `ls: cannot run in ${gone}: no such directory\n`]);
});

/**
 * A recipe line without shell syntax, as a user writes it in `run:` (`node script.js`): the
 * code goes into a file, since quotes and parentheses would send the line through bash.
 */
function node(code: string): string {
  const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(file, code);
  return `${process.execPath} ${file}`;
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof TaskFailure ? error.failure : undefined),
  );

D('a recipe without shell syntax: output streamed and captured, exit codes read the same way', async () => {
  const { $, events } = await shell();
  const line = node('console.log(1);console.error(2);console.log(3);console.log(process.env.SHLVL)');
  const r = await $.script(line);
  assert.is(r.stdout, '1\n3\nundefined\n', 'no bash started it');
  assert.is(r.stderr, '2\n');
  const lines = events.flatMap((e) => (e.type === 'output' ? [`${e.stream}:${e.line}`] : []));
  assert.equal(lines.sort(), ['stderr:2', 'stdout:1', 'stdout:3', 'stdout:undefined']);
  assert.equal(
    events.flatMap((e) => (e.type === 'command' ? [e.command] : [])),
    [line],
  );
  const failed = await failureOf($.script(node('process.exit(5)')));
  assert.equal(failed?.reason === 'exit-non-zero' && failed.exitCode, 5);
  assert.is((await $.with({ nothrow: true }).script(node('process.exit(6)'))).exitCode, 6);
  const killed = await failureOf($.script(node('process.kill(process.pid, "SIGTERM")')));
  assert.equal(killed?.reason === 'signal' && killed.signal, 'SIGTERM');
  const notExecutable = path.join(dir, 'not-executable');
  writeFileSync(notExecutable, '');
  const r126 = await $.with({ nothrow: true }).script(notExecutable);
  assert.is(r126.exitCode, 126);
  assert.match(r126.stderr, 'Permission denied');
});

/** Starts a grandchild that writes `marker` after 1.5 s, and waits 10 s itself. */
function parentOfSlowGrandchild(marker: string): string {
  const grandchild = node(`setTimeout(() => require("fs").writeFileSync(${JSON.stringify(marker)}, "x"), 1500)`);
  return node(
    `require("child_process").spawn(${JSON.stringify(process.execPath)}, [${JSON.stringify(grandchild.split(' ')[1])}], { stdio: "inherit" }); setTimeout(() => {}, 10000)`,
  );
}

D('a recipe past its time bound is ended with its whole process group', async () => {
  const { $ } = await shell();
  const marker = path.join(dir, 'grandchild-lived');
  const failed = await failureOf($.with({ timeoutMs: 300 }).script(parentOfSlowGrandchild(marker)));
  assert.equal(failed?.reason === 'timed-out' && failed.after, '0.3s');
  await new Promise((resolve) => setTimeout(resolve, 1800));
  assert.not.ok(existsSync(marker), 'the grandchild outlived the time bound');
});

D('abort() ends a running recipe, grandchildren included, and it fails as aborted', async () => {
  const groups: number[][] = [];
  const { spawner } = await spawnerWith({}, (g) => groups.push(g.map((c) => c.pgid)));
  const marker = path.join(dir, 'grandchild-lived');
  const running = failureOf(spawner.shellFor('t').script(parentOfSlowGrandchild(marker)));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.is(groups.at(-1)?.length, 1, 'the running group was reported');
  await spawner.abort('SIGTERM');
  assert.is((await running)?.reason, 'aborted');
  assert.equal(groups.at(-1), [], 'and reported gone');
  await new Promise((resolve) => setTimeout(resolve, 1800));
  assert.not.ok(existsSync(marker), 'the grandchild outlived abort()');
});

D.run();
