/**
 * Up-to-date checks, --explain, --force and `cloudy-tasks history` through the CLI, with the
 * recording docker stand-in (which answers inspects with stable fake ids) and the Trivy stand-in.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, trivyFixtures, useProjects } from '../helpers/rig.js';

const Cli = suite('cli: up to date, --explain, --force, history');
const project = useProjects(Cli);
const CLEAN = { TRIVY_STANDIN_REPORT: path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden') };
const builds = (calls: { argv: string[] }[]) => calls.filter((c) => c.argv[0] === 'build').length;

Cli('a second docker run builds nothing and says why; --force builds; --explain has one line per task', async () => {
  const p = project();
  const first = await runCli(p, ['docker']);
  assert.is(first.code, 0, first.stderr);
  assert.is(builds(p.calls()), 1);
  const build = p.calls().find((c) => c.argv[0] === 'build')!;
  assert.ok(
    build.argv.some((a) => /^io\.cloudy-tasks\.project=[a-z0-9_.-]+\.[0-9a-f]{16}$/.test(a)),
    'the image carries our project label',
  );
  assert.ok(build.argv.some((a) => /^io\.cloudy-tasks\.build-fingerprint=sha256:[0-9a-f]{64}$/.test(a)));
  const second = await runCli(p, ['docker', '--explain']);
  assert.is(second.code, 0, second.stderr);
  assert.is(builds(p.calls()), 1, 'no second build');
  assert.match(
    second.stdout,
    /\[docker\] no rebuild: \d+ build files? \(the Dockerfile and what it copies\), build args and 1 base image unchanged since sha256:/,
  );
  assert.match(second.stdout, /why each task ran \(--explain\):\n {2}preflight +ran: .*\n {2}docker +up to date: /);
  const forced = await runCli(p, ['docker', '--force', '--explain']);
  assert.is(builds(p.calls()), 2, '--force builds');
  assert.match(forced.stdout, / {2}docker +ran: --force/);
});

Cli('--dry-run --explain keeps stdout a script of commands: the explanation goes to stderr', async () => {
  const p = project();
  const r = await runCli(p, ['deploy-secure', '--dry-run', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, 'why each task ran');
  assert.match(r.stderr, /why each task ran[\s\S]*docker +ran: dry run: inputs not checked/);
  assert.equal(p.calls(), [], 'still no docker or trivy process');
});

Cli('--json --explain adds one task-explained object per task, and nothing else changes', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({
        tasks: { lint: { run: 'true' }, after: { run: 'true', deps: ['bad'] }, bad: { run: 'exit 3' } },
      }),
    },
  });
  const r = await runCli(p, ['lint', 'after', '--json', '--explain', '-k']);
  assert.is(r.code, 1);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; time: string; task: string; status?: string; why?: string });
  assert.ok(
    events.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.time)),
    'every event has an ISO time',
  );
  const explained = events.filter((e) => e.type === 'task-explained');
  assert.equal(explained.map((e) => [e.task, e.status]).sort(), [
    ['after', 'skipped'],
    ['bad', 'failed'],
    ['lint', 'ran'],
  ]);
  assert.match(explained.find((e) => e.task === 'lint')!.why!, 'no up-to-date check');
  assert.match(explained.find((e) => e.task === 'after')!.why!, 'dependency bad failed');
  assert.match(explained.find((e) => e.task === 'bad')!.why!, 'exit code 3');
});

Cli('a second security-scan reuses the result; a newer Trivy DB scans again', async () => {
  const p = project();
  assert.is((await runCli(p, ['security-scan'], { env: CLEAN })).code, 0);
  const scans = () => p.calls().filter((c) => c.cmd === 'trivy' && c.argv[0] === 'image').length;
  assert.is(scans(), 1);
  const again = await runCli(p, ['security-scan', '--explain'], { env: CLEAN });
  assert.is(again.code, 0, again.stderr);
  assert.is(scans(), 1, `reused: ${again.stdout}`);
  assert.match(again.stdout, /findings: CRITICAL 0, HIGH 0, MEDIUM 0, LOW 0, UNKNOWN 0 \(from the scan at /);
  const summary = JSON.parse(fs.readFileSync(path.join(p.dir, 'reports', 'scan-summary.json'), 'utf8')) as {
    cacheKey?: string;
  };
  assert.match(summary.cacheKey ?? '', /^[0-9a-f]{64}$/);
  const newer = await runCli(p, ['security-scan', '--explain'], {
    env: { ...CLEAN, TRIVY_STANDIN_DB_UPDATED_AT: '2026-12-01T00:00:00Z' },
  });
  assert.is(scans(), 2);
  assert.match(newer.stdout, /security-scan +ran: Trivy DB updated 2026-12-01 00:00 \(was 2026-11-01 00:00\)/);
  // A DB that is due for an update means a scan would download a newer one: scan, every time.
  const dueEnv = {
    ...CLEAN,
    TRIVY_STANDIN_DB_UPDATED_AT: new Date(Date.now() - 8 * 3600e3).toISOString(),
    TRIVY_STANDIN_DB_NEXT_UPDATE: new Date(Date.now() - 3600e3).toISOString(),
  };
  assert.is((await runCli(p, ['security-scan'], { env: dueEnv })).code, 0);
  const due = await runCli(p, ['security-scan', '--explain'], { env: dueEnv });
  assert.is(scans(), 4);
  assert.match(due.stdout, /security-scan +ran: Trivy DB is due for an update/);
});

Cli('--explain of the scheduled job: docker is provided by the no-cache rebuild, which says why it ran', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ baseImages: ['alpine:latest'] }) } });
  const r = await runCli(p, ['update-base-images', 'rebuild-no-cache', 'security-scan', '--explain'], { env: CLEAN });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, / {2}docker +provided: using the output of rebuild-no-cache/);
  assert.match(r.stdout, / {2}rebuild-no-cache +ran: it rebuilds on every run \(add --if-changed/);
  const again = await runCli(p, ['update-base-images', 'rebuild-no-cache', '--if-changed', '--explain'], {
    env: CLEAN,
  });
  assert.match(again.stdout, / {2}rebuild-no-cache +up to date: no base image changed since the last rebuild/);
});

Cli('a failing scan is not cached: the next run scans again', async () => {
  const p = project();
  const critical = { TRIVY_STANDIN_REPORT: path.join(trivyFixtures, 'alpine-39.json.golden') };
  assert.is((await runCli(p, ['security-scan'], { env: critical })).code, 1);
  assert.is((await runCli(p, ['security-scan'], { env: critical })).code, 1);
  assert.is(p.calls().filter((c) => c.cmd === 'trivy' && c.argv[0] === 'image').length, 2);
});

Cli('history shows the runs as a table, --json as an array, --limit N the last N', async () => {
  const p = project();
  assert.is((await runCli(p, ['docker'])).code, 0);
  assert.is((await runCli(p, ['docker'])).code, 0);
  const table = await runCli(p, ['history']);
  assert.is(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0]!, /^STARTED +DURATION +OUTCOME +EXIT +TASKS +UP TO DATE +CHANGES$/);
  assert.is(lines.length, 3, table.stdout);
  assert.match(lines[1]!, /succeeded +0 +docker +- +image built \(sha256:[0-9a-f]{12}\)$/);
  assert.match(lines[2]!, /succeeded +0 +docker +docker +-$/);
  const json = await runCli(p, ['history', '--json', '--limit', '1']);
  const records = JSON.parse(json.stdout) as { tasks: string[]; upToDate: string[] }[];
  assert.equal(
    records.map((r) => r.upToDate),
    [['docker']],
  );
  assert.is((await runCli(p, ['history', 'docker'])).code, 2, 'history takes no task names');
  assert.is((await runCli(p, ['history', '--limit', 'x'])).code, 2);
  // A config task named history wins over the command.
  const own = project({
    files: { '.cloudyrc.json': JSON.stringify({ tasks: { history: { run: 'echo my-history' } } }) },
  });
  assert.match((await runCli(own, ['history'])).stdout, 'my-history');
});

Cli('bad values for image.keep, scan.maxAge and deploy.order exit 2 naming the key', async () => {
  for (const [config, key] of [
    [{ image: { keep: 0 } }, 'image.keep'],
    [{ scan: { maxAge: 'a day' } }, 'scan.maxAge'],
    [{ deploy: { order: 'start-first' } }, 'deploy.order'],
  ] as const) {
    const p = project({ files: { '.cloudyrc.json': JSON.stringify(config) } });
    const r = await runCli(p, ['docker']);
    assert.is(r.code, 2, key);
    assert.match(r.stderr, key);
    assert.equal(p.calls(), []);
  }
});

Cli.run();
