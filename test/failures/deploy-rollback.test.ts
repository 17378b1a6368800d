/**
 * A deploy that fails after it started replacing the service: exit 1, one line that leads with
 * the cause and says what the rollback did, and the previous container running and healthy. With
 * no published port the new container starts first as <name>-next, so the previous one is never
 * stopped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLEAN_REPORT, cleanup, type Deployment, deploy, deployment, patchConfig } from '../helpers/deployment.js';
import { ensureDocker, ensureTestImages, inspect } from '../helpers/docker.js';
import { collect, startCli } from '../helpers/rig.js';
import { firstErrorLine } from './helpers.js';

const Rollback = suite('failures: deploy rollback (real engine)');
const made: Deployment[] = [];
Rollback.before(() => {
  ensureDocker();
  ensureTestImages();
});
Rollback.after(() => made.forEach(cleanup));

Rollback('a new version that never turns healthy is rolled back; the line says why and what was restored', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await deploy(d)).code, 0);
  const before = inspect(d.name);
  patchConfig(d, { image: { dockerfile: 'Dockerfile.unhealthy' } });
  const r = await deploy(d);
  assert.is(r.code, 1, r.stderr);
  // Exact but for the start time the example app logs.
  assert.match(
    firstErrorLine(r),
    new RegExp(
      `^\\[deploy-secure\\] FAILED after Ns: deploy failed: container ${d.name}-next is unhealthy: its health check failed 3 times in a row with exit code 1 and printed nothing; its last log line: cloudy: started at \\d+ as uid 1001 \\(heartbeat in /app/logs\\); rollback: the new container was removed; the previous container ${d.name} kept running and was never stopped \\(healthy\\)$`,
    ),
  );
  const after = inspect(d.name);
  assert.is(after.Id, before.Id, 'the previous container is the service again');
  assert.is(after.State.Health.Status, 'healthy');
});

Rollback('a new version that exits at once says "exited with code N" and what it logged, not "unhealthy"', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await deploy(d)).code, 0);
  const before = inspect(d.name);
  const dockerfile = readFileSync(path.join(d.project.dir, 'Dockerfile'), 'utf8').replace(
    /ENTRYPOINT .*/,
    'ENTRYPOINT ["/app/cloudy", "sh", "-c", "echo cannot open /app/config/app.yaml; exit 3"]',
  );
  writeFileSync(path.join(d.project.dir, 'Dockerfile.exits'), dockerfile);
  patchConfig(d, { image: { dockerfile: 'Dockerfile.exits' } });
  const r = await deploy(d);
  assert.is(r.code, 1, r.stderr);
  assert.match(
    firstErrorLine(r),
    new RegExp(
      `^\\[deploy-secure\\] FAILED after Ns: deploy failed: container ${d.name}-next exited with code 3( \\(restarted \\d+ times? by its restart policy\\))? before becoming healthy; its last log line: cannot open /app/config/app.yaml; rollback: the new container was removed; the previous container ${d.name} kept running and was never stopped \\(healthy\\)$`,
    ),
  );
  assert.is(inspect(d.name).Id, before.Id, 'the previous container is the service again');
});

Rollback('three SIGINTs during a stop-first rollback still end with the previous container running', async () => {
  const d = deployment({ deploy: { order: 'stop-first' } });
  made.push(d);
  assert.is((await deploy(d)).code, 0);
  const before = inspect(d.name);
  patchConfig(d, { image: { dockerfile: 'Dockerfile.unhealthy' } });
  const child = startCli(d.project, ['deploy-secure'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN_REPORT },
  });
  const done = collect(child, 300_000);
  let out = '';
  // The rollback's first step: the unverified new container is removed (stop-first: the old one is stopped).
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      if (/\$ docker rm -f [0-9a-f]{12,}/.test(out)) resolve();
    }),
  );
  for (let i = 0; i < 3; i++) {
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const r = await done;
  assert.is(r.code, 130, `${r.stdout}\n${r.stderr}`);
  // The restore goes on without the tool: the previous container runs again under its name.
  let now = inspect(before.Id);
  for (let i = 0; i < 60 && !(now?.State?.Running && now.Name === `/${d.name}`); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    now = inspect(before.Id);
  }
  assert.ok(now?.State?.Running, `the previous container runs: ${JSON.stringify(now?.State)}`);
  assert.is(now.Name, `/${d.name}`, 'under the service name');
});

Rollback.run();
