/**
 * The three output levels through the built CLI (no terminal: the line view): default shows
 * commands and results and keeps tool output for failures, --verbose shows everything, --quiet
 * only failures and the final line; --json frames the run with run-started and run-finished and
 * still says a failure in one line on stderr.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';

const M = suite('output levels');
const project = useProjects(M);

const tasks = {
  noisy: { run: 'for i in 1 2 3; do echo build-log-line-$i; done; echo the-result' },
  broken: { run: 'echo broken-log-line; echo the-cause >&2; exit 4', deps: ['noisy'] },
};

M('default: commands and results; tool output only from the task that failed, after its FAILED line', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks }) } });
  const ok = await runCli(p, ['noisy']);
  assert.is(ok.code, 0, ok.stderr);
  const lines = ok.stdout.trim().split('\n');
  assert.is(lines.length, 3, ok.stdout);
  assert.is(lines[0], '[noisy] $ for i in 1 2 3; do echo build-log-line-$i; done; echo the-result');
  assert.match(lines[1]!, /^\[noisy\] done in \d+(\.\d)?m?s: the-result$/);
  assert.match(lines[2]!, /^✔ 1 task succeeded in \S+$/);
  const bad = await runCli(p, ['broken']);
  assert.is(bad.code, 1);
  assert.not.match(bad.stdout + bad.stderr, /build-log-line-\d/, 'the task that succeeded keeps its output');
  const err = bad.stderr.split('\n');
  assert.match(err[0]!, /^\[broken\] FAILED after \S+: the-cause \(echo exited with code 4\)$/);
  assert.ok(err.includes('[broken]   broken-log-line'), bad.stderr);
  assert.match(bad.stderr, /^✖ 1 task failed, 0 skipped, 1 succeeded in \S+:\n {2}broken: the-cause/m);
});

M('--verbose shows every line of output; --quiet only the failure and the final line', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks }) } });
  const verbose = await runCli(p, ['noisy', '--verbose']);
  assert.match(verbose.stdout, '[noisy] started');
  for (const i of [1, 2, 3]) assert.match(verbose.stdout, `[noisy] build-log-line-${i}`);
  const quiet = await runCli(p, ['noisy', '--quiet']);
  assert.is(quiet.code, 0);
  assert.match(quiet.stdout, /^✔ 1 task succeeded in \S+\n$/);
  const quietBad = await runCli(p, ['broken', '-q']);
  assert.is(quietBad.stdout, '');
  assert.match(quietBad.stderr, /^\[broken\] FAILED after /);
  assert.match(quietBad.stderr, '[broken]   broken-log-line');
  const both = await runCli(p, ['noisy', '--verbose', '--quiet']);
  assert.is(both.code, 2);
  assert.is(both.stderr, 'cloudy-tasks: --verbose and --quiet cannot be used together (see cloudy-tasks --help)\n');
});

M(
  '--json: run-started first, run-finished last (exit code, counts, duration), a one-line failure on stderr',
  async () => {
    const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks }) } });
    const r = await runCli(p, ['broken', '--json']);
    assert.is(r.code, 1);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) assert.match(String(e['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(events[0], {
      ...events[0],
      type: 'run-started',
      project: 'fixture',
      tasks: ['broken'],
      selected: ['noisy', 'broken'],
    });
    const finished = events.at(-1)!;
    assert.is(finished['type'], 'run-finished');
    assert.is(finished['exitCode'], 1);
    assert.is(finished['outcome'], 'failed');
    assert.equal(finished['counts'], { succeeded: 1, failed: 1, skipped: 0 });
    assert.type(finished['durationMs'], 'number');
    assert.equal(finished['failures'], [{ task: 'broken', error: 'the-cause (echo exited with code 4)' }]);
    assert.is(
      r.stderr,
      'cloudy-tasks: broken failed: the-cause (echo exited with code 4) (1 task failed, 0 skipped, 1 succeeded)\n',
    );
  },
);

M('--dry-run --json: the commands a dry run produces are command events, nothing runs', async () => {
  const p = project();
  const r = await runCli(p, ['deploy-secure', '--dry-run', '--json']);
  assert.is(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; task?: string; command?: string });
  const commands = events.filter((e) => e.type === 'command');
  assert.ok(
    commands.some((e) => e.task === 'docker' && e.command?.startsWith('docker build ')),
    r.stdout,
  );
  assert.ok(commands.some((e) => e.task === 'deploy-secure' && /^docker run /.test(e.command ?? '')));
  assert.equal(p.calls(), [], 'no docker or trivy process');
});

M('audit with deploy-secure runs after the deploy (order only); audit alone deploys nothing', async () => {
  const p = project();
  const commandsOf = async (args: string[]) => {
    const r = await runCli(p, [...args, '--dry-run', '--json']);
    assert.is(r.code, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; task?: string })
      .filter((e) => e.type === 'task-started')
      .map((e) => e.task);
  };
  const both = await commandsOf(['audit', 'deploy-secure']);
  assert.ok(both.indexOf('audit') > both.indexOf('deploy-secure'), both.join(' '));
  assert.equal(await commandsOf(['audit']), ['audit']);
});

M.run();
