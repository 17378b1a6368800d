/**
 * Nothing changed means nothing happens, on the real engine: a second deploy-secure in a row
 * builds, scans and starts nothing; each input that matters makes exactly the right task run
 * again, and --explain names it. The docker calls are recorded by the stand-in that forwards to
 * the real docker; the Trivy stand-in's DB date is what a real `trivy --version` reports.
 */
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { called, cleanup, type Deployment, deployment, editConfig, run } from '../helpers/deployment.js';
import { docker, ensureDocker, ensureTestImages, inspect } from '../helpers/docker.js';

const Converge = suite('up to date: builds, scans and deploys (real engine)');
let d: Deployment;
let firstId = '';

Converge.before(() => {
  ensureDocker();
  ensureTestImages();
  d = deployment({ image: { buildArgs: { NOTE: 'one' } } });
});
Converge.after(() => cleanup(d));

const scanned = (trivyCalls: readonly string[][]) => trivyCalls.some((a) => a[0] === 'image' || a[0] === 'config');

Converge('a second deploy-secure in a row builds, scans and starts nothing, exits 0, keeps the container', async () => {
  const first = await run(d, ['deploy-secure']);
  assert.is(first.code, 0, `${first.stdout}\n${first.stderr}`);
  assert.ok(called(first.dockerCalls, 'build') && called(first.dockerCalls, 'run'), 'the first run deploys');
  firstId = inspect(d.name).Id;
  const second = await run(d, ['deploy-secure', '--explain']);
  assert.is(second.code, 0, second.stderr);
  for (const sub of ['build', 'run', 'stop', 'rm', 'rename', 'tag'])
    assert.not.ok(called(second.dockerCalls, sub), `docker ${sub} in ${JSON.stringify(second.dockerCalls)}`);
  assert.not.ok(scanned(second.trivyCalls), `no scan: ${JSON.stringify(second.trivyCalls)}`);
  // The precondition and the scan plan share one answer: the scanner is started once per run.
  assert.equal(second.trivyCalls, [['--version']], 'trivy was asked its version, once, and nothing else');
  assert.is(inspect(d.name).Id, firstId, 'the container keeps its id');
  assert.match(second.explain['docker'] ?? '', /^up to date: .*unchanged since sha256:/);
  assert.match(
    second.explain['security-scan'] ?? '',
    /^up to date: .*scanned .* ago with Trivy 0\.0\.0-standin, DB 2026-11-01/,
  );
  assert.match(second.explain['deploy-secure'] ?? '', /^up to date: .* same run settings, healthy, \d+ checks passed/);
  assert.match(second.stdout, /\[docker\] no rebuild: /);
});

Converge('touching a context file (mtime only) changes nothing', async () => {
  const file = path.join(d.project.dir, 'app', 'service.sh');
  const later = new Date(Date.now() + 5000);
  utimesSync(file, later, later);
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(called(r.dockerCalls, 'build'), 'same content: no build');
  assert.match(r.explain['docker'] ?? '', /^up to date/);
  assert.is(inspect(d.name).Id, firstId);
});

Converge('a changed context file rebuilds, rescans and replaces; --explain names the file', async () => {
  appendFileSync(path.join(d.project.dir, 'app', 'service.sh'), '# a change\n');
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(called(r.dockerCalls, 'build'), 'built');
  assert.ok(scanned(r.trivyCalls), 'scanned');
  assert.ok(called(r.dockerCalls, 'run'), 'started a new container');
  assert.match(r.explain['docker'] ?? '', /^ran: app\/service\.sh changed/);
  assert.match(r.explain['security-scan'] ?? '', /^ran: new image sha256:/);
  assert.match(r.explain['deploy-secure'] ?? '', /^ran: image changed \(/);
  assert.is.not(inspect(d.name).Id, firstId);
});

Converge('a changed build arg rebuilds; --explain names it with both values', async () => {
  editConfig(d, (c) => {
    c['image'] = { ...c['image'], buildArgs: { NOTE: 'two' } };
  });
  const r = await run(d, ['docker', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(called(r.dockerCalls, 'build'));
  assert.match(r.explain['docker'] ?? '', /^ran: build arg NOTE one → two/);
  const again = await run(d, ['docker', '--explain']);
  assert.match(again.explain['docker'] ?? '', /^up to date/, 'and then it is up to date');
});

Converge('a changed run setting replaces the container without a build or a scan', async () => {
  const deployed = await run(d, ['deploy-secure']);
  assert.is(deployed.code, 0, deployed.stderr);
  const before = inspect(d.name).Id;
  editConfig(d, (c) => {
    c['container'] = { ...c['container'], memory: '1g' };
  });
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(called(r.dockerCalls, 'build'), 'no build');
  assert.not.ok(scanned(r.trivyCalls), 'no scan');
  assert.ok(called(r.dockerCalls, 'run'), 'a new container');
  assert.match(r.explain['deploy-secure'] ?? '', /^ran: container\.memory 512m → 1g; container\.memorySwap 512m → 1g/);
  const now = inspect(d.name);
  assert.is.not(now.Id, before);
  assert.is(now.HostConfig.Memory, 1024 ** 3);
});

Converge('a stopped container is replaced, and --explain says it was stopped', async () => {
  docker(['stop', d.name], { check: true });
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(called(r.dockerCalls, 'build'));
  assert.match(r.explain['deploy-secure'] ?? '', /^ran: container .* was stopped \(exited/);
  assert.is(inspect(d.name).State.Running, true);
});

Converge('a newer Trivy DB rescans the unchanged image, and nothing else runs', async () => {
  const env = { TRIVY_STANDIN_DB_UPDATED_AT: '2026-12-01T06:00:00Z' };
  const before = inspect(d.name).Id;
  const r = await run(d, ['deploy-secure', '--explain'], env);
  assert.is(r.code, 0, r.stderr);
  assert.ok(scanned(r.trivyCalls), 'scanned again');
  assert.not.ok(called(r.dockerCalls, 'build') || called(r.dockerCalls, 'run'), 'no build, no new container');
  assert.match(r.explain['security-scan'] ?? '', /^ran: Trivy DB updated 2026-12-01 06:00 \(was 2026-11-01 00:00\)/);
  assert.match(r.explain['docker'] ?? '', /^up to date/);
  assert.match(r.explain['deploy-secure'] ?? '', /^up to date/);
  assert.is(inspect(d.name).Id, before);
  const again = await run(d, ['security-scan', '--explain'], env);
  assert.not.ok(scanned(again.trivyCalls), 'the new result is reused');
});

Converge('an added ignore file rescans; --force rebuilds, rescans and redeploys', async () => {
  writeFileSync(path.join(d.project.dir, '.trivyignore'), 'CVE-2019-14697\n');
  const env = { TRIVY_STANDIN_DB_UPDATED_AT: '2026-12-01T06:00:00Z' };
  const r = await run(d, ['security-scan', '--explain'], env);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.explain['security-scan'] ?? '', /ignore file added/);
  const before = inspect(d.name).Id;
  const forced = await run(d, ['deploy-secure', '--force', '--explain'], env);
  assert.is(forced.code, 0, forced.stderr);
  assert.ok(called(forced.dockerCalls, 'build') && called(forced.dockerCalls, 'run') && scanned(forced.trivyCalls));
  assert.match(forced.explain['docker'] ?? '', /^ran: --force/);
  assert.is.not(inspect(d.name).Id, before);
});

Converge.run();
