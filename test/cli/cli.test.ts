/**
 * The CLI end to end, run as users run it (the built bin in a temp project), with recording
 * stand-ins for docker and trivy on PATH.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cliEnv, cliPath, collect, runCli, startCli, useProjects } from '../helpers/rig.js';

const Cli = suite('cli');
const project = useProjects(Cli);

Cli('--list shows the built-in tasks with descriptions and deps', async () => {
  const p = project();
  const r = await runCli(p, ['--list']);
  assert.is(r.code, 0, r.stderr);
  for (const name of [
    'preflight',
    'docker',
    'security-scan',
    'deploy-secure',
    'update-base-images',
    'rebuild-no-cache',
    'audit',
  ]) {
    assert.match(r.stdout, new RegExp(`^${name} +\\S`, 'm'), `${name} listed with a description`);
  }
  assert.match(r.stdout, /^deploy-secure .*\(deps: docker, security-scan\)$/m);
  const json = await runCli(p, ['--list', '--json']);
  const rows = JSON.parse(json.stdout) as { name: string; deps: string[] }[];
  assert.equal(rows.find((t) => t.name === 'rebuild-no-cache')?.deps, ['preflight', 'update-base-images']);
});

Cli('deploy-secure --dry-run prints build, scan and hardened run in order and runs none', async () => {
  const p = project();
  const r = await runCli(p, ['deploy-secure', '--dry-run']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const build = lines.findIndex((l) => l.startsWith('docker build '));
  const scan = lines.findIndex((l) => l.startsWith('trivy image '));
  const run = lines.findIndex((l) => l.startsWith('docker run -d '));
  assert.ok(build >= 0 && scan > build && run > scan, `order in:\n${r.stdout}`);
  for (const arg of ['BUILD_DATE=', 'VCS_REF=', 'VERSION='])
    assert.ok(lines[build]!.includes(`--build-arg ${arg}`), arg);
  for (const flag of [
    '--user 1001:1001',
    '--read-only',
    '--security-opt no-new-privileges:true',
    '--cap-drop ALL',
    '--memory 512m',
    '--cpus 1.0',
    '--restart unless-stopped',
    // The project's own volumes: its directory is named fixture.
    '-v fixture_data:/app/data',
    '-v fixture_config:/app/config',
    '-v fixture_logs:/app/logs',
  ]) {
    assert.ok(lines[run]!.includes(flag), `${flag} in ${lines[run]}`);
  }
  // The engine is not asked what runs: the plan says how a replace would differ.
  assert.ok(
    r.stderr
      .split('\n')
      .includes(
        '# deploy-secure: shown as a first start; when fixture runs, the deploy starts fixture-next beside it and swaps names once it is verified',
      ),
    r.stderr,
  );
  // No docker and no trivy process started.
  assert.equal(p.calls(), []);
});

for (const [name, env, variable] of [
  ['GOTELEMETRY=on', 'GOTELEMETRY=on\nUMASK=077\nCGO_ENABLED=0\n', 'GOTELEMETRY'],
  ['UMASK=022', 'GOTELEMETRY=off\nUMASK=022\nCGO_ENABLED=0\n', 'UMASK'],
  ['missing CGO_ENABLED', 'GOTELEMETRY=off\nUMASK=077\n', 'CGO_ENABLED'],
] as const) {
  Cli(`env policy: ${name} exits 2 before any command, naming the variable`, async () => {
    const p = project({ env });
    const r = await runCli(p, ['docker']);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, variable);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.equal(p.calls(), []);
  });
}

Cli('env policy: every missing variable is named at once; the environment can supply them', async () => {
  const p = project({ env: null });
  const r = await runCli(p, ['docker', '--dry-run']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /GOTELEMETRY, UMASK, CGO_ENABLED/);
  const fromEnv = await runCli(p, ['docker', '--dry-run'], {
    env: { GOTELEMETRY: 'off', UMASK: '0077', CGO_ENABLED: '0' },
  });
  assert.is(fromEnv.code, 0, fromEnv.stderr);
});

Cli('a dependency cycle exits 2 and prints the cycle', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ tasks: { a: { run: 'true', deps: ['b'] }, b: { run: 'true', deps: ['a'] } } }),
    },
  });
  const r = await runCli(p, ['a']);
  assert.is(r.code, 2);
  assert.match(r.stderr, 'dependency cycle: a -> b -> a');
});

Cli('an unknown task exits 2 and suggests the closest name', async () => {
  const p = project();
  const r = await runCli(p, ['deploy-secur']);
  assert.is(r.code, 2);
  assert.match(r.stderr, 'did you mean "deploy-secure"?');
});

Cli('config is found in package.json ("cloudy" key) from a subdirectory, up to the project root', async () => {
  const p = project({
    files: {
      'package.json': JSON.stringify({
        name: 'fixture',
        cloudy: { tasks: { greet: { description: 'say hi', run: 'echo hi-from-package-json' } } },
      }),
      'sub/dir/.keep': '',
    },
  });
  const r = await runCli(p, ['greet', '--cwd', path.join(p.dir, 'sub', 'dir')]);
  assert.is(r.code, 0, r.stderr);
  // A Make-style task's last line of output is its result line.
  assert.match(r.stdout, /^\[greet\] done in \S+: hi-from-package-json$/m);
});

Cli('a misspelt key in a YAML config is one line naming the file, the key and the key it probably is', async () => {
  const p = project({ files: { '.cloudyrc.yaml': 'container:\n  memroy: 512m\n' } });
  const r = await runCli(p, ['--list']);
  assert.is(r.code, 2);
  assert.is(
    r.stderr,
    'cloudy-tasks: .cloudyrc.yaml: container.memroy is not a config key; did you mean container.memory?\n',
  );
});

Cli('a config that weakens the container is refused before anything runs', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({
        container: { securityOpt: ['no-new-privileges:true', 'seccomp:unconfined'], user: '0:0' },
      }),
    },
  });
  const r = await runCli(p, ['deploy-secure']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /refusing an unsafe container setting: container\.securityOpt.*seccomp/);
  assert.match(r.stderr, /refusing an unsafe container setting: container\.user/);
  assert.equal(p.calls(), []);
});

Cli('a config value with shell syntax reaches docker as one argument and never runs', async () => {
  const marker = path.join(process.env['TMPDIR'] ?? '/tmp', `pwned-${process.pid}-${Date.now()}`);
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ image: { buildArgs: { NOTE: `x; touch ${marker}` } } }) },
  });
  const r = await runCli(p, ['docker']);
  assert.is(r.code, 0, r.stderr);
  const build = p.calls().find((c) => c.argv[0] === 'build');
  assert.ok(build, 'docker build was called');
  assert.ok(build!.argv.includes(`NOTE=x; touch ${marker}`), JSON.stringify(build!.argv));
  assert.not.ok(existsSync(marker), 'the injected command ran');
  // Where a value would be read as a flag or a name, validation rejects it.
  const bad = project({ files: { '.cloudyrc.json': JSON.stringify({ image: { name: `x; touch ${marker}` } }) } });
  const rejected = await runCli(bad, ['docker']);
  assert.is(rejected.code, 2);
  assert.match(rejected.stderr, 'image.name');
});

Cli('independent tasks overlap with --concurrency 2 and do not with 1', async () => {
  const stamp = (n: string) => `date +%s%N > ${n}.start; sleep 0.6; date +%s%N > ${n}.end`;
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ tasks: { a: { run: stamp('a') }, b: { run: stamp('b') } } }) },
  });
  const read = async (file: string) => Number(fs.readFileSync(path.join(p.dir, file), 'utf8').trim()) / 1e6;
  const overlap = async () => {
    const [as, ae, bs, be] = await Promise.all(['a.start', 'a.end', 'b.start', 'b.end'].map(read));
    return Math.min(ae!, be!) - Math.max(as!, bs!);
  };
  assert.is((await runCli(p, ['a', 'b', '--concurrency', '2'])).code, 0);
  assert.ok((await overlap()) > 300, 'ran together');
  assert.is((await runCli(p, ['a', 'b', '--concurrency', '1'])).code, 0);
  assert.ok((await overlap()) < 0, 'ran one after the other');
});

Cli('a failure stops new tasks; --keep-going runs unrelated ones; dependents are skipped with the reason', async () => {
  const tasks = {
    bad: { run: 'exit 3' },
    after: { run: 'true', deps: ['bad'] },
    other: { run: 'sleep 0.3; echo other-ran' },
  };
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks }) } });
  const stop = await runCli(p, ['bad', 'after', 'other', '--concurrency', '1', '--json']);
  assert.is(stop.code, 1);
  const events = stop.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; task: string; reason?: string; error?: string; time?: string });
  const { time, ...skipped } = events.find((e) => e.task === 'after')!;
  assert.equal(skipped, { type: 'task-skipped', task: 'after', reason: 'dependency bad failed' });
  assert.match(time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.is(events.find((e) => e.task === 'other')?.type, 'task-skipped');
  assert.match(events.find((e) => e.type === 'task-failed')?.error ?? '', 'exit code 3');
  const keep = await runCli(p, ['bad', 'after', 'other', '--concurrency', '1', '--keep-going', '--json']);
  assert.is(keep.code, 1);
  const kept = keep.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; task: string });
  assert.ok(kept.some((e) => e.task === 'other' && e.type === 'task-succeeded'));
  assert.ok(kept.some((e) => e.task === 'after' && e.type === 'task-skipped'));
});

Cli('--json writes only JSON event lines to stdout', async () => {
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ tasks: { hello: { run: 'echo hello-output' } } }) },
  });
  const r = await runCli(p, ['hello', '--json']);
  assert.is(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; task: string; durationMs?: number });
  assert.equal(
    events.map((e) => e.type),
    ['run-started', 'task-started', 'task-succeeded', 'run-finished'],
  );
  assert.type(events[2]!.durationMs, 'number');
});

Cli('secret-looking values never reach the output; files respect UMASK', async () => {
  const p = project({
    env: 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\nAPI_TOKEN=tok-very-secret-1234\n',
    files: {
      '.cloudyrc.json': JSON.stringify({
        tasks: {
          leak: { run: ['echo "token is $API_TOKEN"', 'echo "$API_TOKEN" >&2', 'touch written.txt', 'exit 1'] },
        },
      }),
    },
  });
  const r = await runCli(p, ['leak']);
  assert.is(r.code, 1);
  assert.not.match(r.stdout + r.stderr, 'tok-very-secret-1234');
  // The failed task's output is shown (its tail, on stderr), masked.
  assert.match(r.stderr, '[leak]   token is ***');
  assert.is(statSync(path.join(p.dir, 'written.txt')).mode & 0o777, 0o600);
});

Cli('a TypeScript config importing local .ts files and cloudy-tasks adds typed tasks', async () => {
  const p = project({
    files: {
      'cloudy.config.ts': `import { defineConfig, defineTask, docker } from 'cloudy-tasks';
import { greeting } from './lib/greeting.ts';
const hello = defineTask({ name: 'hello', description: greeting, deps: [docker], run: (ctx, deps) => { ctx.progress('image ' + deps.docker.ref); return { ok: true }; } });
export default defineConfig({ image: { name: 'myapp' }, tasks: { hello } });
`,
      'lib/greeting.ts': `export const greeting: string = 'say hello from ' + import.meta.url.split('/').pop();\n`,
    },
  });
  const list = await runCli(p, ['--list']);
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, /^hello +say hello from greeting\.ts +\(deps: docker\)$/m);
  const run = await runCli(p, ['hello', '--dry-run']);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^docker build .*--tag myapp:latest/m);
  assert.match(run.stderr, 'image myapp:latest');
});

Cli('an edited TypeScript config is reloaded even when its size and mtime are unchanged', async () => {
  const config = (word: string) => `export default { tasks: { t: { description: '${word}', run: 'true' } } };\n`;
  const p = project({ files: { 'cloudy.config.ts': config('AAAA') } });
  const file = path.join(p.dir, 'cloudy.config.ts');
  assert.match((await runCli(p, ['--list'])).stdout, /^t +AAAA/m);
  const { atime, mtime } = fs.statSync(file);
  fs.writeFileSync(file, config('BBBB'));
  fs.utimesSync(file, atime, mtime); // as cp -p, rsync -a and tar do
  assert.match((await runCli(p, ['--list'])).stdout, /^t +BBBB/m);
  // The cached bundle holds the whole config: private whatever the umask.
  const cacheDir = path.join(p.dir, 'node_modules', '.cache', 'cloudy');
  for (const f of fs.readdirSync(cacheDir)) assert.is(fs.statSync(path.join(cacheDir, f)).mode & 0o077, 0, f);
});

Cli('usage errors exit 2 with one line; --help and --version exit 0', async () => {
  const p = project();
  const bad = await runCli(p, ['--concurency', '2']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'did you mean --concurrency?');
  assert.is((await runCli(p, [])).code, 2);
  const help = await runCli(p, ['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, 'Exit codes:');
  const long = help.stdout.split('\n').filter((l) => l.length > 80);
  assert.equal(long, [], '--help fits an 80-column terminal');
  const list = await runCli(p, ['--list', '--json']);
  for (const t of JSON.parse(list.stdout) as { name: string; source: string }[])
    if (t.source === 'built-in')
      assert.ok(new RegExp(`^  (\\S+ / )?${t.name}\\b`, 'm').test(help.stdout), `${t.name} in --help`);
  assert.match((await runCli(p, ['--version'])).stdout, /^\d+\.\d+\.\d+/);
});

Cli('--graph prints Mermaid, or dot', async () => {
  const p = project();
  const m = await runCli(p, ['--graph', 'deploy-secure']);
  assert.match(m.stdout, /^flowchart LR/);
  assert.match(m.stdout, /\["security-scan"\]/);
  assert.not.match(m.stdout, 'update-base-images');
  const d = await runCli(p, ['--graph', 'dot']);
  assert.match(d.stdout, '"docker" -> "security-scan";');
});

Cli('docker daemon down: one clear line and exit 1', async () => {
  const p = project();
  const r = await runCli(p, ['docker'], { env: { FAKE_DOCKER_DOWN: '1' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'cannot reach the Docker daemon');
});

Cli('two overlapping runs: one proceeds, the other exits 75 at once naming the holder', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks: { slow: { run: 'sleep 1.5' } } }) } });
  const first = startCli(p, ['slow', '--json']);
  const firstDone = collect(first, 30_000);
  await new Promise<void>((resolve) =>
    first.stdout!.on('data', (d: Buffer) => String(d).includes('task-started') && resolve()),
  );
  const started = Date.now();
  const second = await runCli(p, ['slow']);
  assert.is(second.code, 75, second.stderr);
  assert.ok(Date.now() - started < 1000 + 500, 'refused within about a second (process start included)');
  assert.match(second.stderr, `pid ${first.pid}`);
  assert.is((await firstDone).code, 0);
  // The lock is released: a third run proceeds, and both runs that got the lock are recorded.
  assert.is((await runCli(p, ['slow'])).code, 0);
  const history = fs
    .readFileSync(path.join(p.dir, '.cloudy', 'history.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(history.map((l) => (JSON.parse(l) as { outcome: string }).outcome).sort(), [
    'locked',
    'succeeded',
    'succeeded',
  ]);
});

Cli('a burst of 10 runs against a held lock: each refused one exits 75 within 1 s of its own start', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks: { slow: { run: 'sleep 20' } } }) } });
  const holder = startCli(p, ['slow', '--json']);
  const holderDone = collect(holder, 60_000);
  await new Promise<void>((resolve) =>
    holder.stdout!.on('data', (d: Buffer) => String(d).includes('task-started') && resolve()),
  );
  // Each run's own time: from its run-started event (its start, once loaded) to its exit as seen here,
  // not from when the burst began (ten processes starting at once on a loaded machine queue for CPU).
  const burst = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const child = startCli(p, ['slow', '--json']);
      let startedAt: number | undefined;
      child.stdout!.on('data', (d: Buffer) => {
        const line = String(d)
          .split('\n')
          .find((l) => l.includes('"run-started"'));
        if (line && startedAt === undefined) startedAt = Date.parse((JSON.parse(line) as { time: string }).time);
      });
      const result = await collect(child, 60_000);
      return { code: result.code, ownMs: Date.now() - (startedAt ?? 0), stderr: result.stderr };
    }),
  );
  holder.kill('SIGTERM');
  await holderDone;
  assert.equal(
    burst.map((r) => r.code),
    Array(10).fill(75),
    burst.map((r) => r.stderr).join('\n'),
  );
  const slow = burst.filter((r) => r.ownMs >= 1000).map((r) => r.ownMs);
  assert.equal(slow, [], `refused runs that took 1 s or more from their own start: ${slow.join(', ')} ms`);
  // The history says the same: every refused run recorded, each in under a second.
  const refused = fs
    .readFileSync(path.join(p.dir, '.cloudy', 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { outcome: string; durationMs: number })
    .filter((r) => r.outcome === 'locked');
  assert.is(refused.length, 10);
  assert.ok(
    refused.every((r) => r.durationMs < 1000),
    refused.map((r) => r.durationMs).join(', '),
  );
});

Cli('a run that loses its lock starts no further task and does not exit 0', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({
        tasks: { first: { run: 'sleep 7' }, second: { run: 'echo second', deps: ['first'] } },
      }),
    },
  });
  const child = startCli(p, ['second', '--json']);
  const done = collect(child, 60_000);
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => String(d).includes('task-started') && resolve()),
  );
  // Someone removes the lock (a cleanup script, another host's stale-lock recovery).
  fs.rmSync(path.join(p.dir, '.cloudy', 'run.lock'), { recursive: true, force: true });
  const r = await done;
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, 'the run lock was lost');
  const second = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { task: string; type: string; reason?: string; time?: string })
    .find((e) => e.task === 'second');
  assert.equal(
    { ...second, time: undefined },
    {
      time: undefined,
      type: 'task-skipped',
      task: 'second',
      reason: 'the run lock was lost: another run may be active',
    },
  );
});

Cli('a state directory that cannot be used is an environment error (exit 2), not "locked" (75)', async () => {
  const p = project({
    files: {
      '.cloudy': 'a file where the state directory belongs\n',
      '.cloudyrc.json': JSON.stringify({ tasks: { t: { run: 'true' } } }),
    },
  });
  const r = await runCli(p, ['t']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, '.cloudy');
});

Cli('a relative bind mount that reaches a sensitive host path is refused when loaded', async () => {
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ container: { volumes: ['../../../../../../../../etc:/hostetc'] } }) },
  });
  const r = await runCli(p, ['deploy-secure', '--dry-run']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /refusing an unsafe container setting: container\.volumes.*\/etc/);
});

Cli('on a terminal (not CI) the listr2 view shows each task state', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({
        tasks: { a: { run: 'true' }, b: { run: 'exit 2' }, c: { run: 'true', deps: ['b'] } },
      }),
    },
  });
  const env: NodeJS.ProcessEnv = { ...cliEnv(p), TERM: 'xterm' };
  delete env['CI'];
  // `script` gives the CLI a pseudo-terminal; stty gives it a size (listr2 draws nothing at 0x0).
  const r = spawnSync(
    'script',
    ['-qec', `stty cols 100 rows 30; ${process.execPath} ${cliPath} a b c -k`, '/dev/null'],
    { cwd: p.dir, env, encoding: 'utf8', timeout: 30_000 },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes.
  const screen = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  assert.match(screen, '✔ a');
  assert.match(screen, '✖ b');
  assert.match(screen, /↓ .*dependency b failed/);
  assert.not.match(screen, '[a] started', 'not the line renderer');
});

Cli.run();
