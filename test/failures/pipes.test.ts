/**
 * A closed stdout (`cloudy-tasks --list | head -1`) ends nothing badly: no EPIPE stack trace, the
 * run's usual exit code, and its cleanup (the history record) still done.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, startCli, useProjects } from '../helpers/rig.js';

const Pipes = suite('failures: a closed stdout');
const project = useProjects(Pipes);

Pipes('--list into a reader that has gone: exit 0, nothing on stderr', async () => {
  const p = project();
  const child = startCli(p, ['--list']);
  child.stdout!.destroy(); // the reader closed its end before anything was written
  const r = await collect(child, 30_000);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
});

Pipes('a run whose reader goes away finishes, exits as usual and is recorded', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ tasks: { chatty: { run: 'for i in $(seq 1 2000); do echo line $i; done' } } }),
    },
  });
  const child = startCli(p, ['chatty']);
  child.stdout!.once('data', () => child.stdout!.destroy()); // `| head -1`
  const r = await collect(child, 60_000);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /EPIPE|at \w+ \(/, 'no stack trace');
  const history = readFileSync(path.join(p.dir, '.cloudy', 'history.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.is((JSON.parse(history.at(-1)!) as { outcome: string }).outcome, 'succeeded');
});

Pipes.run();
