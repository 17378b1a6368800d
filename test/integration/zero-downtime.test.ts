/**
 * Replacing the service on the real engine: with no host port published the new container starts
 * first and the service is never without a healthy container; a failure at any step of that
 * start-first replace rolls back to the untouched old container; stop-first (configured) still
 * restores the old one; a `-next` container left by a killed deploy is removed.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, type Deployment, deployment, editConfig, run } from '../helpers/deployment.js';
import { docker, ensureDocker, ensureTestImages, inspect } from '../helpers/docker.js';

const Zero = suite('zero-downtime replace and rollback (real engine)');
const made: Deployment[] = [];
Zero.before(() => {
  ensureDocker();
  ensureTestImages();
});
Zero.after(() => made.forEach(cleanup));

/** `docker ps` of our healthy containers, every 100 ms, until stopped; returns the counts seen. */
function pollHealthy(label: string): { stop: () => Promise<number[]> } {
  const counts: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const out = await new Promise<string>((resolve) => {
        const child = spawn(
          'docker',
          ['ps', '--quiet', '--filter', 'health=healthy', '--filter', `label=io.cloudy-tasks.project=${label}`],
          { stdio: ['ignore', 'pipe', 'ignore'] },
        );
        let text = '';
        child.stdout.on('data', (b: Buffer) => (text += String(b)));
        child.on('close', () => resolve(text));
      });
      counts.push(out.split('\n').filter(Boolean).length);
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
}

Zero('with network none, a redeploy never leaves the service without a healthy container', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await run(d, ['deploy-secure'])).code, 0);
  const before = inspect(d.name).Id;
  const poller = pollHealthy(d.projectLabel);
  const r = await run(d, ['deploy-secure', '--force']);
  const counts = await poller.stop();
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /replacing .* \(start-first\)/);
  assert.is.not(inspect(d.name).Id, before, 'replaced');
  assert.ok(counts.length >= 10, `polled ${counts.length} times`);
  assert.ok(Math.min(...counts) >= 1, `a poll saw no healthy container: ${counts.join(',')}`);
  assert.ok(Math.max(...counts) >= 2, `old and new were healthy together at some point: ${counts.join(',')}`);
  assert.is(inspect(`${d.name}-next`), undefined);
  assert.is(inspect(`${d.name}-previous`), undefined);
  assert.equal(inspect(d.name).Config.Labels['io.cloudy-tasks.service'], d.name);
});

// One failure injected at each step of a start-first replace (the docker stand-in fails the
// first call matching the pattern). Every one must end with the old container, untouched.
const steps: readonly [string, (name: string) => string][] = [
  ['docker run of the new container', (n) => `^run -d --name ${n}-next `],
  ['renaming the old container away', (n) => `^rename [0-9a-f]{64} ${n}-previous$`],
  ['renaming the new container to the service name', (n) => `^rename ${n}-next ${n}$`],
  ['verifying the renamed container', (n) => `^container inspect ${n}$`],
];

Zero('a failure at any step of a start-first replace rolls back to the running old container', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await run(d, ['deploy-secure'])).code, 0);
  const old = inspect(d.name);
  for (const [step, pattern] of steps) {
    rmSync(`${d.project.log}.failed`, { force: true });
    const r = await run(d, ['deploy-secure', '--force'], { FAKE_DOCKER_FAIL: pattern(d.name) });
    assert.is(r.code, 1, `${step}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /deploy failed: .*; rollback: the new container was removed; the previous container/, step);
    const now = inspect(d.name);
    assert.is(now?.Id, old.Id, `${step}: the old container is the service`);
    assert.is(now.State.Running, true, step);
    assert.is(now.State.StartedAt, old.State.StartedAt, `${step}: never stopped or restarted`);
    assert.is(inspect(`${d.name}-next`), undefined, `${step}: no -next left`);
    assert.is(inspect(`${d.name}-previous`), undefined, `${step}: no -previous left`);
  }
  // And the next deploy goes ahead normally.
  rmSync(`${d.project.log}.failed`, { force: true });
  const ok = await run(d, ['deploy-secure', '--force']);
  assert.is(ok.code, 0, ok.stderr);
});

Zero('deploy.order stop-first: an unhealthy new image restores and restarts the old container', async () => {
  const d = deployment({ deploy: { order: 'stop-first' } });
  made.push(d);
  assert.is((await run(d, ['deploy-secure'])).code, 0);
  const old = inspect(d.name).Id;
  editConfig(d, (c) => {
    c['image'] = { ...c['image'], dockerfile: 'Dockerfile.unhealthy' };
  });
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /replacing .* \(stop-first\)/);
  assert.match(r.stderr, /rollback: the previous container .* restored and restarted \(healthy\)/);
  assert.is(inspect(d.name).Id, old);
  assert.match(r.explain['deploy-secure'] ?? '', /^failed: image changed .*; then: deploy failed/);
});

Zero('a -next container left by a killed start-first deploy is removed; the service is kept', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await run(d, ['deploy-secure'])).code, 0);
  const service = inspect(d.name).Id;
  // What a SIGKILL after `docker run --name <name>-next` leaves: an uncommitted new container.
  docker(['run', '-d', '--name', `${d.name}-next`, '--network', 'none', `${d.image}:latest`], { check: true });
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /removing .*-next, a new container an interrupted deploy never committed/);
  assert.is(inspect(`${d.name}-next`), undefined);
  assert.is(inspect(d.name).Id, service, 'the verified service was kept');
  assert.match(r.explain['deploy-secure'] ?? '', /^up to date/);
});

Zero.run();
