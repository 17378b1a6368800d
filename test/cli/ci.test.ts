/**
 * CI integration, through the built CLI: on GitHub Actions (GITHUB_ACTIONS=true) each task's
 * output is a group, failures are `::error` annotations (with file and line for preflight
 * findings and config errors), the step summary is appended to $GITHUB_STEP_SUMMARY; `--junit`
 * writes a report that validates against the Jenkins JUnit schema.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateJUnit } from '../helpers/junit-schema.js';
import { GOOD_DOCKERFILE, runCli, trivyFixtures, useProjects } from '../helpers/rig.js';

const Ci = suite('CI integration');
const project = useProjects(Ci);
const temps: string[] = [];
Ci.after.each(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-ci-'));
  temps.push(dir);
  return dir;
};

/** The environment of a GitHub Actions step, with its own step summary file. */
function actions(workspace: string): { env: Record<string, string>; summary: string } {
  const summary = path.join(tempDir(), 'step_summary');
  writeFileSync(summary, '');
  return { env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: workspace, GITHUB_STEP_SUMMARY: summary }, summary };
}

Ci(
  'a preflight finding is an ::error with file= and line=, each task is a group, the summary is appended',
  async () => {
    const p = project({ dockerfile: GOOD_DOCKERFILE.replace('USER 1001:1001', 'USER 0') });
    const gh = actions(p.dir);
    const r = await runCli(p, ['docker'], { env: gh.env });
    assert.is(r.code, 1, r.stderr);
    // USER is line 5 of the Dockerfile; the title's colon is escaped as a property must be.
    assert.match(r.stderr, /^::error file=Dockerfile,line=5,title=preflight%3A user-root::Dockerfile:5: /m);
    assert.match(r.stdout, /^::group::preflight$/m);
    assert.match(r.stdout, /^::endgroup::$/m);
    assert.match(r.stdout, /^\[docker\] skipped: dependency preflight failed$/m);
    const summary = readFileSync(gh.summary, 'utf8');
    assert.match(summary, /^### cloudy-tasks docker: failed in /m);
    assert.match(summary, /^\| preflight \| ❌ failed \| \S+ \| preflight: 1 check failed: user-root \|$/m);
    assert.match(summary, /^\| docker \| ⏭️ skipped \| {2}\| skipped: dependency preflight failed \|$/m);
    assert.match(summary, '<details><summary>preflight failed</summary>');
  },
);

Ci('tool output is grouped and cannot issue workflow commands; the result line follows the group', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ tasks: { say: { run: ['echo "::error::injected"', 'echo said it'] } } }),
    },
  });
  const gh = actions(p.dir);
  const r = await runCli(p, ['say'], { env: gh.env });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const open = lines.indexOf('::group::say');
  assert.ok(open >= 0, r.stdout);
  const stop = /^::stop-commands::([0-9a-f-]{36})$/.exec(lines[open + 1] ?? '');
  assert.ok(stop, `commands are stopped inside the group:\n${r.stdout}`);
  const injected = lines.indexOf('::error::injected');
  const resume = lines.indexOf(`::${stop![1]}::`);
  assert.ok(open < injected && injected < resume, r.stdout);
  assert.is(lines[resume + 1], '::endgroup::');
  assert.match(lines[resume + 2] ?? '', /^\[say\] done in \S+: said it$/);
  assert.match(readFileSync(gh.summary, 'utf8'), /^\| say \| ✅ succeeded \| \S+ \| said it \|$/m);
});

Ci('a config error is an ::error at the line of the bad key, before anything runs', async () => {
  const config = '{\n  "container": {\n    "memroy": "512m"\n  }\n}\n';
  const p = project({ files: { '.cloudyrc.json': config } });
  const gh = actions(p.dir);
  const r = await runCli(p, ['docker'], { env: gh.env });
  assert.is(r.code, 2, r.stderr);
  const [first, annotation] = r.stderr.trim().split('\n');
  assert.is(
    first,
    'cloudy-tasks: .cloudyrc.json: container.memroy is not a config key; did you mean container.memory?',
  );
  assert.is(
    annotation,
    '::error file=.cloudyrc.json,line=3,title=cloudy-tasks::.cloudyrc.json: container.memroy is not a config key; did you mean container.memory?',
  );
  assert.equal(p.calls(), []);
});

Ci('--junit writes a schema-valid report: a testcase per task, failures with the message, skips', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({
        tasks: {
          ok: { run: 'echo "fine & done"' },
          bad: { run: ['echo "<building>"', 'echo "it broke: a&b" >&2; exit 3'], deps: ['ok'] },
          after: { run: 'true', deps: ['bad'] },
        },
      }),
    },
  });
  const r = await runCli(p, ['after', '--junit', 'reports/junit.xml']);
  assert.is(r.code, 1, r.stderr);
  const xml = readFileSync(path.join(p.dir, 'reports', 'junit.xml'), 'utf8');
  assert.equal(await validateJUnit(xml), [], xml);
  assert.match(xml, /<testsuite name="cloudy-tasks fixture" tests="3" failures="1" errors="0" skipped="1" /);
  assert.match(
    xml,
    /<testcase name="ok" classname="cloudy-tasks\.fixture" time="\d+\.\d{3}">\n {6}<system-out>fine &amp; done<\/system-out>/,
  );
  assert.match(xml, '<failure message="it broke: a&amp;b (echo exited with code 3)" type="exit-non-zero">');
  assert.match(xml, '&lt;building&gt;');
  assert.match(xml, '<skipped message="dependency bad failed"/>');
  // The schema can fail: a report without the suite's required attributes does not pass.
  const broken = xml.replace(/(<testsuite name="[^"]*" tests="3") failures="1" errors="0"/, '$1');
  assert.is.not(broken, xml);
  assert.match((await validateJUnit(broken)).join('\n'), "The attribute 'failures' is required but missing");
});

Ci('--junit: blocking scan findings are failing testcases of their own suite', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan', '--junit', 'junit.xml'], {
    env: { TRIVY_STANDIN_REPORT: path.join(trivyFixtures, 'alpine-39.json.golden') },
  });
  assert.is(r.code, 1, r.stderr);
  const xml = readFileSync(path.join(p.dir, 'junit.xml'), 'utf8');
  assert.equal(await validateJUnit(xml), [], xml);
  const suiteTag = /<testsuite name="security-scan findings at or above HIGH" tests="(\d+)" failures="(\d+)"/.exec(xml);
  assert.ok(suiteTag, xml);
  assert.ok(Number(suiteTag![1]) > 0);
  assert.is(suiteTag![1], suiteTag![2]);
  assert.match(xml, /<testcase name="CVE-2019-14697 in musl 1\.1\.20-r4" classname="security-scan\.[^"]+"/);
  assert.match(
    xml,
    /<failure message="CRITICAL CVE-2019-14697 in musl 1\.1\.20-r4; fixed in 1\.1\.20-r5" type="CRITICAL">/,
  );
});

Ci(
  '--junit: a relative path leaving the project is refused before anything runs; an absolute one is written',
  async () => {
    const p = project();
    const refused = await runCli(p, ['docker', '--junit', '../junit.xml']);
    assert.is(refused.code, 2);
    assert.match(refused.stderr, /^cloudy-tasks: --junit \.\.\/junit\.xml is outside the project/);
    assert.equal(p.calls(), []);
    const missing = await runCli(p, ['docker', '--junit', '/nonexistent-dir-for-cloudy/junit.xml']);
    assert.is(missing.code, 2);
    assert.match(missing.stderr, '/nonexistent-dir-for-cloudy is not an existing directory');
    const outside = path.join(tempDir(), 'junit.xml');
    const r = await runCli(p, ['docker', '--junit', outside]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(await validateJUnit(readFileSync(outside, 'utf8')), []);
  },
);

Ci.run();
