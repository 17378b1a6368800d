/**
 * The views' words, from synthetic events: result lines from task outputs, the three line
 * levels (tool output only on failure by default), JSON events with their time, GitHub's
 * escaping and grouping of concurrent tasks, the step summary's escaping, polls as one line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lineOfKey } from '../../lib/config/locate.js';
import type { RunEvent } from '../../lib/engine/runner.js';
import type { Check } from '../../lib/hardening/checks/index.js';
import { formatChecksTable } from '../../lib/render/checks.js';
import { escapeData, escapeProperty, formatAnnotation, githubRenderer } from '../../lib/render/github.js';
import { jsonRenderer } from '../../lib/render/json.js';
import { lineRenderer, type Verbosity } from '../../lib/render/line.js';
import { LiveOutput } from '../../lib/render/listr.js';
import { formatFailureLine, formatRunEnd } from '../../lib/render/run-end.js';
import { RunLog } from '../../lib/render/run-log.js';
import { cell, codeBlock } from '../../lib/render/step-summary.js';
import { summarize } from '../../lib/render/summary.js';

const V = suite('views');

const ID = `sha256:${'0123456789abcdef'.repeat(4)}`;
const check = (id: string, status: Check['status']): Check => ({
  id,
  cis: '5.1',
  title: id,
  expected: 'x'.repeat(40),
  actual: 'y'.repeat(40),
  status,
});

V('result lines come from the outputs: built-ins, a summary string, up to date, or nothing', () => {
  const build = {
    imageId: ID,
    ref: 'app:latest',
    tags: [],
    labels: {},
    buildArgs: {},
    noCache: false,
    size: 12_345_678,
  };
  assert.is(summarize('docker', build)?.line, 'sha256:0123456789ab, 12.3 MB (app:latest)');
  assert.equal(summarize('rebuild-no-cache', { ...build, rebuilt: false }), {
    line: 'up to date: no base image changed since the last rebuild (app:latest)',
    upToDate: true,
  });
  const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 2, LOW: 1, UNKNOWN: 0 };
  const scan = { imageId: ID, passed: true, threshold: 'HIGH', counts, blocking: 0, reports: {}, dryRun: false };
  assert.is(
    summarize('security-scan', scan)?.line,
    'CRITICAL 0, HIGH 0, MEDIUM 2, LOW 1, UNKNOWN 0; none at or above HIGH',
  );
  const checks = [check('a', 'pass'), check('b', 'pass'), check('c', 'warn'), check('d', 'skip')];
  assert.is(
    summarize('deploy-secure', { container: 'app', imageId: ID, replaced: true, checks })?.line,
    'app running sha256:0123456789ab, healthy, 2 checks passed, 1 warning (c)',
  );
  const audit = summarize('audit', { container: 'app', checks });
  assert.is(audit?.line, 'app: 2 checks passed, 1 warning (c)');
  assert.match(
    audit?.details?.() ?? '',
    /^audit of app:\nCHECK +CIS +EXPECTED +ACTUAL +RESULT\na +5\.1 +x{40} +y{40} +PASS$/m,
  );
  // Any task: a summary string (first line, control characters blanked), or up to date.
  assert.is(summarize('mine', { summary: '\u001b[31mred\u001b[0m\nsecond' })?.line, '[31mred [0m');
  assert.equal(summarize('mine', { upToDate: true, reason: 'inputs unchanged' }), {
    line: 'up to date: inputs unchanged',
    upToDate: true,
  });
  assert.is(summarize('mine', { upToDate: 'same digest' })?.line, 'up to date: same digest');
  assert.equal(summarize('mine', { upToDate: true }), { line: 'up to date: nothing changed', upToDate: true });
  // A built-in up to date without a reason: its own line says what is there.
  assert.equal(summarize('docker', { ...build, upToDate: true }), {
    line: 'up to date: sha256:0123456789ab, 12.3 MB (app:latest)',
    upToDate: true,
  });
  assert.is(
    summarize('deploy-secure', { container: 'app', imageId: ID, replaced: false, upToDate: true, checks })?.line,
    'up to date: app running sha256:0123456789ab, healthy, 2 checks passed, 1 warning (c)',
  );
  assert.is(summarize('mine', { container: 'x' }), undefined);
  assert.is(summarize('mine', undefined), undefined);
  assert.is(summarize('constructor', {}), undefined, 'no Object.prototype lookup');
  assert.is(summarize('docker', { imageId: 42 }), undefined, 'a foreign shape gets no line, not a crash');
});

V('a checks table fits a terminal width; without one nothing is cut', () => {
  const checks = [check('read-only-rootfs', 'pass'), check('restart-policy', 'warn')];
  const narrow = formatChecksTable(checks, 79).split('\n');
  for (const line of narrow) assert.ok(line.length <= 79, `${line.length}: ${line}`);
  assert.match(narrow[1]!, /^read-only-rootfs +5\.1 +x+… +y+… +PASS$/);
  // Without a width, a value too long for a log line continues on the next line, whole.
  const log = formatChecksTable(checks).split('\n');
  const expected = log.map((l) => l.slice(log[0]!.indexOf('EXPECTED'), log[0]!.indexOf('ACTUAL')).trim());
  assert.is(log[1]!.split(/ {2,}/)[0], 'read-only-rootfs');
  assert.is(log[3]!.split(/ {2,}/)[0], 'restart-policy', 'the first row took two lines');
  assert.is(expected.slice(1, 3).join(''), 'x'.repeat(40), 'all 40 characters, in order');
});

V('without a terminal, a row too wide for a log continues on the next lines; nothing is cut', () => {
  const long = (word: string) => Array.from({ length: 12 }, (_, i) => `${word}${i}`).join(' ');
  const checks: Check[] = [
    {
      id: 'seccomp-profile',
      cis: '5.21',
      title: 't',
      expected: long('expected'),
      actual: long('actual'),
      status: 'fail',
    },
    { id: 'short', cis: '5.1', title: 't', expected: 'a', actual: 'b', status: 'pass' },
  ];
  const lines = formatChecksTable(checks).split('\n');
  for (const l of lines) assert.ok(l.length <= 110, `${l.length}: ${l}`);
  assert.ok(lines.length > 3, 'the long row was continued');
  const column = (header: string, next: string) =>
    lines
      .slice(1, -1)
      .map((l) => l.slice(lines[0]!.indexOf(header), lines[0]!.indexOf(next)).trim())
      .filter((piece) => piece !== '')
      .join(' ');
  assert.is(column('EXPECTED', 'ACTUAL'), long('expected'), 'every word of EXPECTED, in order, in its column');
  assert.is(column('ACTUAL', 'RESULT'), long('actual'));
  assert.match(lines[1]!, /^seccomp-profile +5\.21 +expected0 .* FAIL$/);
  assert.match(lines.at(-1)!, /^short +5\.1 +a +b +PASS$/);
});

function render(verbosity: Verbosity, events: readonly RunEvent[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = new RunLog(['build', 'after']);
  const view = lineRenderer({ out: (l) => out.push(l), err: (l) => err.push(l) }, { verbosity, log });
  for (const e of events) {
    log.record(e);
    view(e);
  }
  return { out, err, log };
}

const run: RunEvent[] = [
  { type: 'task-started', task: 'build' },
  { type: 'command', task: 'build', command: 'docker build .', dryRun: false },
  { type: 'output', task: 'build', stream: 'stdout', line: 'Step 1/2 : FROM scratch' },
  { type: 'command', task: 'build', command: 'docker container inspect app', dryRun: false, poll: true },
  { type: 'command', task: 'build', command: 'docker container inspect app', dryRun: false, poll: true },
  { type: 'task-progress', task: 'build', message: 'waiting for app to become healthy (starting)' },
  { type: 'output', task: 'build', stream: 'stderr', line: 'oops: the cause' },
  {
    type: 'task-failed',
    task: 'build',
    durationMs: 2100,
    failure: { reason: 'exit-non-zero', command: 'docker build .', exitCode: 1, stderrTail: 'oops: the cause' },
  },
  { type: 'task-skipped', task: 'after', reason: 'dependency build failed' },
];

V('default level: commands and progress, no polls, tool output only with the failure (what it does not quote)', () => {
  const { out, err } = render('default', run);
  assert.equal(out, [
    '[build] $ docker build .',
    '[build] waiting for app to become healthy (starting)',
    '[after] skipped: dependency build failed',
  ]);
  assert.equal(err, [
    '[build] FAILED after 2.1s: oops: the cause (docker build exited with code 1)\n    $ docker build .',
    '[build] its last line of output:',
    '[build]   Step 1/2 : FROM scratch',
  ]);
});

V('verbose level: every event, each poll too, no tail (it was all shown); quiet: the failure alone', () => {
  const verbose = render('verbose', run);
  assert.equal(verbose.out.filter((l) => l.includes('docker container inspect')).length, 2);
  assert.ok(verbose.out.includes('[build] started'));
  assert.ok(verbose.out.includes('[build] Step 1/2 : FROM scratch'));
  assert.equal(verbose.err.length, 1);
  const quiet = render('quiet', run);
  assert.equal(quiet.out, []);
  assert.equal(quiet.err.length, 3);
  assert.equal(formatRunEnd(quiet.log, 2400), {
    ok: false,
    text: '✖ 1 task failed, 1 skipped, 0 succeeded in 2.4s:\n  build: oops: the cause (docker build exited with code 1)',
  });
  assert.is(
    formatFailureLine(quiet.log),
    'cloudy-tasks: build failed: oops: the cause (docker build exited with code 1) (1 task failed, 1 skipped, 0 succeeded)',
  );
});

V('no output tail for failures the output cannot explain (no daemon): only banners would show', () => {
  const { err } = render('default', [
    { type: 'task-started', task: 'build' },
    { type: 'output', task: 'build', stream: 'stderr', line: 'DEPRECATED: The legacy builder is deprecated' },
    { type: 'task-failed', task: 'build', durationMs: 5, failure: { reason: 'daemon-unreachable', detail: 'gone' } },
  ]);
  assert.is(err.length, 1, err.join('\n'));
  assert.match(err[0]!, /^\[build\] FAILED after 5ms: cannot reach the Docker daemon \(gone\)/);
});

V('the final line counts up-to-date tasks and says the total time', () => {
  const log = new RunLog(['a', 'b']);
  log.record({ type: 'task-succeeded', task: 'a', durationMs: 5, output: { upToDate: true, reason: 'same' } });
  log.record({ type: 'task-succeeded', task: 'b', durationMs: 5, output: undefined });
  assert.equal(formatRunEnd(log, 61_234), { ok: true, text: '✔ 2 tasks succeeded (1 up to date) in 61.2s' });
});

V('an interrupted run says so first; a task that names itself is not named twice', () => {
  const log = new RunLog(['check', 'deploy']);
  const failure = { reason: 'checks-failed', what: 'check', failed: ['a', 'b'] } as const;
  log.record({ type: 'task-failed', task: 'check', durationMs: 5, failure });
  log.record({ type: 'task-failed', task: 'deploy', durationMs: 5, failure: { reason: 'aborted', signal: 'SIGINT' } });
  assert.equal(formatRunEnd(log, 1200), {
    ok: false,
    text: '✖ interrupted by SIGINT: 2 tasks failed, 0 skipped, 0 succeeded in 1.2s:\n  check: 2 checks failed: a, b\n  deploy: interrupted by SIGINT',
  });
  assert.match(formatFailureLine(log) ?? '', /^cloudy-tasks: check failed: 2 checks failed: a, b; deploy failed: /);
});

V('--json events carry an ISO time; --verbose adds commands and output; run-finished keeps its fields', () => {
  const lines: string[] = [];
  const log = new RunLog(['t']);
  const json = jsonRenderer((l) => lines.push(l), { verbose: true, log, now: () => new Date(0) });
  const done: RunEvent = { type: 'task-succeeded', task: 't', durationMs: 3, output: { summary: 'ok' } };
  log.record(done);
  json({ type: 'command', task: 't', command: 'x', dryRun: false, poll: true });
  json(done);
  json({
    type: 'run-finished',
    project: 'p',
    host: 'h',
    startedAt: 'S',
    finishedAt: 'F',
    durationMs: 1,
    tasks: ['t'],
    outcome: 'succeeded',
    exitCode: 0,
    counts: { succeeded: 1, failed: 0, skipped: 0 },
    failures: [],
    changes: [],
  });
  const [command, succeeded, finished] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(command, { type: 'command', time: '1970-01-01T00:00:00.000Z', task: 't', command: 'x', poll: true });
  assert.is(succeeded!['summary'], 'ok');
  assert.is(finished!['time'], 'F', 'run-finished is timed by its end');
  assert.equal(Object.keys(finished!).slice(0, 3), ['type', 'time', 'project']);
  const quiet: string[] = [];
  jsonRenderer((l) => quiet.push(l))({ type: 'output', task: 't', stream: 'stdout', line: 'x' });
  assert.equal(quiet, [], 'without --verbose, output lines are not events');
});

V('GitHub escaping: % CR LF in data; also : and , in properties', () => {
  assert.is(escapeData('100% done\r\nnext: a,b'), '100%25 done%0D%0Anext: a,b');
  assert.is(escapeProperty('a:b,c%\n'), 'a%3Ab%2Cc%25%0A');
  assert.is(
    formatAnnotation({
      level: 'error',
      file: 'dir,x/Dockerfile',
      line: 3,
      title: 'preflight: user-root',
      message: 'a\nb',
    }),
    '::error file=dir%2Cx/Dockerfile,line=3,title=preflight%3A user-root::a%0Ab',
  );
  assert.is(formatAnnotation({ level: 'warning', message: 'm' }), '::warning::m');
});

V('GitHub groups: one open at a time, a concurrent task buffered and shown in its own group after', () => {
  const out: string[] = [];
  const log = new RunLog(['a', 'b', 'c']);
  const view = githubRenderer(
    { out: (l) => out.push(l), err: (l) => out.push(`ERR ${l}`) },
    { verbosity: 'default', log, token: 'TOKEN', relative: (p) => p },
  );
  const events: RunEvent[] = [
    { type: 'task-started', task: 'a' },
    { type: 'task-started', task: 'b' },
    { type: 'output', task: 'b', stream: 'stdout', line: 'b says' },
    { type: 'output', task: 'a', stream: 'stdout', line: 'a says' },
    { type: 'task-succeeded', task: 'b', durationMs: 1, output: undefined },
    { type: 'task-skipped', task: 'c', reason: 'why not' },
    { type: 'task-succeeded', task: 'a', durationMs: 1000, output: undefined },
  ];
  for (const e of events) {
    log.record(e);
    view(e);
  }
  assert.equal(out, [
    '::group::a',
    '::stop-commands::TOKEN',
    'a says',
    '::TOKEN::',
    '::endgroup::',
    '[a] done in 1.0s',
    '::group::b',
    '::stop-commands::TOKEN',
    'b says',
    '::TOKEN::',
    '::endgroup::',
    '[b] done in 1ms',
    '[c] skipped: why not',
  ]);
});

V('polls show as one line with the time waited, under the last progress message', () => {
  const live = new LiveOutput();
  live.onEvent({ type: 'command', task: 't', command: 'docker container inspect app', dryRun: false, poll: true });
  const since = live.pollSince!;
  live.onEvent({ type: 'task-progress', task: 't', message: 'waiting for app to become healthy (starting)' });
  for (let i = 0; i < 5; i++)
    live.onEvent({ type: 'command', task: 't', command: 'docker container inspect app', dryRun: false, poll: true });
  assert.is(live.text(since + 12_000, 100), 'waiting for app to become healthy (starting), 12s');
  live.onEvent({ type: 'command', task: 't', command: 'docker rm old', dryRun: false });
  live.onEvent({ type: 'output', task: 't', stream: 'stdout', line: `${'x'.repeat(50)}` });
  assert.is(live.text(since + 13_000, 20), '$ docker rm old\nxxxxxxxxxxxxxxxxxxx…');
});

V('step summary cells and code blocks cannot break the Markdown', () => {
  assert.is(cell('a | <b>\nc'), 'a \\| &lt;b&gt; c');
  assert.is(codeBlock('x ``` y'), '````text\nx ``` y\n````');
});

V('the line of a config key, for annotations: JSON, YAML, TypeScript; none when absent', () => {
  const json = '{\n  "container": {\n    "name": "x",\n    "memroy": "1g"\n  }\n}\n';
  assert.is(lineOfKey(json, 'container.memroy'), 4);
  assert.is(lineOfKey('image:\n  name: a\ncontainer:\n  memroy: 1g\n', 'container.memroy'), 4);
  assert.is(lineOfKey("export default {\n  tasks: {\n    'lint': { run: 1 },\n  },\n};\n", 'tasks["lint"].run'), 3);
  assert.is(lineOfKey('{"memroy": 1}', 'container.memroy'), undefined);
  assert.is(lineOfKey('{"a": {"b": 1}}', 'a.b'), 1);
});

V.run();
