/**
 * The environment policy: GOTELEMETRY, UMASK and CGO_ENABLED must be present and right before
 * anything runs (exit 2, one line naming the variable, the value, the rule and the fix).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';
import { expectFailure } from './helpers.js';

const Env = suite('failures: environment');
const project = useProjects(Env);
const task = { '.cloudyrc.json': JSON.stringify({ tasks: { hello: { run: 'echo hello' } } }) };

const cases: readonly { what: string; env: string; line: string }[] = [
  {
    what: 'telemetry on',
    env: 'GOTELEMETRY=on\nUMASK=077\nCGO_ENABLED=0\n',
    line: 'cloudy-tasks: GOTELEMETRY="on" is not allowed: expected off; fix it in .env',
  },
  {
    what: 'a umask that lets others read',
    env: 'GOTELEMETRY=off\nUMASK=022\nCGO_ENABLED=0\n',
    line: 'cloudy-tasks: UMASK="022" is not allowed: expected 077 (the owner keeps access; group and others get none); it lets group or others read or write what cloudy-tasks writes; fix it in .env',
  },
  {
    what: 'a umask that would lock the tool out of its own files',
    env: 'GOTELEMETRY=off\nUMASK=0777\nCGO_ENABLED=0\n',
    line: 'cloudy-tasks: UMASK="0777" is not allowed: expected 077 (the owner keeps access; group and others get none); it also takes the owner\'s own read, write or search permission, so cloudy-tasks could not use the files and directories it creates (.cloudy/, reports/); fix it in .env',
  },
  {
    what: 'cgo on',
    env: 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=1\n',
    line: 'cloudy-tasks: CGO_ENABLED="1" is not allowed: expected 0; fix it in .env',
  },
];

for (const c of cases) {
  Env(c.what, async () => {
    const p = project({ env: c.env, files: task });
    expectFailure(await runCli(p, ['hello']), 2, c.line);
  });
}

Env('a wrong value exported in the environment says that is where to fix it (it wins over .env)', async () => {
  const p = project({ files: task });
  expectFailure(
    await runCli(p, ['hello'], { env: { GOTELEMETRY: 'local' } }),
    2,
    'cloudy-tasks: GOTELEMETRY="local" is not allowed: expected off; it is set in the environment, which wins over .env: change it there (or unset GOTELEMETRY to use .env)',
  );
});

Env('a variable too long for Linux to pass to any program is named before anything runs', async () => {
  const p = project({
    env: `GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\nBIG_BLOB=${'x'.repeat(200 * 1024)}\n`,
    files: task,
  });
  expectFailure(
    await runCli(p, ['hello']),
    2,
    'cloudy-tasks: BIG_BLOB="201 KiB of text" is not allowed: expected at most 128 KiB; Linux refuses to start any program with an environment variable that long (E2BIG), so no command could run; shorten it or pass it as a file; fix it in .env or the environment',
  );
});

Env('every missing variable is named in one line, with the file to put them in', async () => {
  const p = project({ env: 'UMASK=077\n', files: task });
  const r = await runCli(p, ['hello']);
  assert.is(r.code, 2, r.stderr);
  const [line] = r.stderr.split('\n');
  assert.match(
    line!,
    /^cloudy-tasks: missing environment variables GOTELEMETRY, CGO_ENABLED \(required by .*env\.example\); set them in .*\/\.env or the environment, e\.g\. GOTELEMETRY=off UMASK=077 CGO_ENABLED=0$/,
  );
  assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
});

Env('--list and --help need no environment (nothing runs)', async () => {
  const p = project({ env: null, files: task });
  assert.is((await runCli(p, ['--list'])).code, 0);
  assert.is((await runCli(p, ['--help'])).code, 0);
});

Env.run();
