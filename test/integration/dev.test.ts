/**
 * compose-file, dev-up and dev-down against the real engine, with docker-compose 1.29 and through
 * the v2 command surface (see test/helpers/compose.ts for what that wrapper does and does not
 * prove). The promises: every started container is verified from `docker inspect` (the memory
 * limit the engine applied included), dev-down keeps volumes (a file survives dev-down + dev-up),
 * one project never touches another's containers, and a weakened or stale file starts nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scopedPolicy } from '../../lib/compose/project.js';
import { resolveConfig } from '../../lib/config/resolve.js';
import { LABELS, projectId } from '../../lib/docker/labels.js';
import { failingChecks, verifyContainer } from '../../lib/hardening/checks/index.js';
import {
  calls,
  composeContainers,
  composeVolumes,
  type DevProject,
  devProject,
  ollamaStandin,
  outputOf,
  removeComposeProject,
  surfacePath,
  which,
} from '../helpers/compose.js';
import { docker, ensureDocker, ensureTestImages, inspect, removeImages } from '../helpers/docker.js';

interface DevUpOutput {
  project: string;
  profiles: string[];
  services: { service: string; container: string; checks: { id: string; status: string; actual: string }[] }[];
}

const Dev = suite('dev-up / dev-down (real engine, compose v1 and the v2 surface)');
const made: DevProject[] = [];
const dirs: string[] = [];
const images: string[] = [];

const dev = (extra?: Record<string, unknown>) => {
  const d = devProject(extra);
  made.push(d);
  return d;
};

Dev.before(() => {
  ensureDocker();
  ensureTestImages();
  // .ci/run installs docker-compose 1.29; without it these tests cannot mean anything.
  if (!which('docker-compose')) throw new Error('docker-compose is not installed (apt-get install docker-compose)');
});

Dev.after(() => {
  for (const d of made) d.cleanup();
  removeImages(images);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const surface of ['v1', 'v2-surface'] as const) {
  Dev(`${surface}: dev-up starts the development profile verified; dev-down keeps the volumes`, async () => {
    const d = dev();
    const { PATH, log } = surfacePath(surface, dirs);
    const file = await d.run(['compose-file'], PATH);
    assert.is(file.code, 0, file.stderr);

    const up = await d.run(['dev-up', '--json'], PATH);
    assert.is(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const out = outputOf<DevUpOutput>(up.stdout, 'dev-up');
    assert.ok(out, up.stdout);
    assert.equal(out.profiles, ['development']);
    assert.equal(
      out.services.map((s) => s.service),
      [d.name],
    );
    const [app] = out.services;
    assert.equal(
      app!.checks.filter((c) => c.status === 'fail'),
      [],
      'every inspect check holds',
    );
    // What the engine applied, not what the file says.
    const c = inspect(app!.container);
    assert.is(c.HostConfig.Memory, 512 * 1024 * 1024);
    assert.is(c.HostConfig.MemorySwap, 512 * 1024 * 1024);
    assert.is(c.HostConfig.NanoCpus, 1e9);
    assert.is(c.HostConfig.PidsLimit, 64);
    assert.is(c.HostConfig.ReadonlyRootfs, true);
    assert.equal(c.HostConfig.CapDrop, ['ALL']);
    assert.equal(c.HostConfig.SecurityOpt, ['no-new-privileges:true']);
    assert.is(c.HostConfig.NetworkMode, 'none');
    assert.is(c.Config.Labels[LABELS.project], projectId(d.project.dir, d.name), 'owned by this project');
    assert.is(c.State.Health.Status, 'healthy');
    assert.is(c.Image, inspect(`${d.name}:latest`, 'image').Id, 'runs the image the docker task built');
    assert.match(app!.checks.find((ch) => ch.id === 'memory')!.actual, '536870912');
    assert.is.not(app!.container, d.name, 'never the deployed service name');

    // The flavour: v2 surface means `docker compose`, v1 means docker-compose, each for every call.
    const composeCalls = calls(log).filter((x) => x[1] === 'compose' || x[0] === 'docker-compose');
    const ours = composeCalls.filter((x) => x.includes('--project-name'));
    assert.ok(ours.length >= 2, JSON.stringify(composeCalls));
    for (const call of ours)
      assert.is(call[0] === 'docker' ? 'v2-surface' : 'v1', surface, `${call.join(' ')} for ${surface}`);

    // Nothing changed: the same file and image again (compose itself) keep the container.
    const same = spawnSync(which('docker-compose')!, ['-p', d.composeProject, '--profile', 'development', 'up', '-d'], {
      cwd: d.project.dir,
      encoding: 'utf8',
    });
    assert.is(same.status, 0, same.stderr);
    assert.is(inspect(app!.container).Id, c.Id, 'the generated file gives compose nothing to recreate');
    assert.is(inspect(app!.container).State.StartedAt, c.State.StartedAt, 'not restarted');

    // A file in a volume survives dev-down + dev-up; dev-down removes containers, not volumes.
    docker(['exec', app!.container, '/app/cloudy', 'sh', '-c', 'echo kept > /app/data/marker'], { check: true });
    const volumes = composeVolumes(d.composeProject);
    const down = await d.run(['dev-down'], PATH);
    assert.is(down.code, 0, down.stderr);
    assert.equal(composeContainers(d.composeProject), [], 'no container left');
    assert.equal(composeVolumes(d.composeProject), volumes, 'every volume kept');
    const again = await d.run(['dev-up'], PATH);
    assert.is(again.code, 0, again.stderr);
    const [name] = composeContainers(d.composeProject);
    assert.is(docker(['exec', name!, '/app/cloudy', 'cat', '/app/data/marker']).stdout.trim(), 'kept');
  });
}

Dev('--profile ollama adds the ollama service, hardened and verified like the app; projects stay apart', async () => {
  const image = ollamaStandin();
  images.push(image);
  const d = dev({ dev: { ollama: { image, memory: '256m', cpus: 0.5, pidsLimit: 128 } } });
  assert.is((await d.run(['compose-file'])).code, 0);
  const up = await d.run(['dev-up', '--profile', 'ollama', '--json']);
  assert.is(up.code, 0, `${up.stdout}\n${up.stderr}`);
  const out = outputOf<DevUpOutput>(up.stdout, 'dev-up')!;
  assert.equal(out.profiles, ['development', 'ollama']);
  assert.equal(
    out.services.map((s) => s.service),
    [d.name, 'ollama'],
  );
  const ai = inspect(out.services[1]!.container);
  assert.is(ai.HostConfig.Memory, 256 * 1024 * 1024);
  assert.is(ai.HostConfig.NanoCpus, 5e8);
  assert.is(ai.HostConfig.PidsLimit, 128);
  assert.is(ai.Config.User, '1001:1001');
  assert.is(ai.HostConfig.ReadonlyRootfs, true);
  assert.is(ai.State.Health.Status, 'healthy');
  assert.equal(
    out.services[1]!.checks.filter((c) => c.status === 'fail'),
    [],
  );
  const unknown = await d.run(['dev-up', '--profile', 'gpu']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, 'no service in docker-compose.yml has the profile gpu');

  // Another project's dev-down never touches this one's containers.
  const other = dev();
  assert.is((await other.run(['compose-file'])).code, 0);
  assert.is((await other.run(['dev-up'])).code, 0);
  const mine = composeContainers(d.composeProject);
  assert.is(mine.length, 2);
  const down = await other.run(['dev-down']);
  assert.is(down.code, 0, down.stderr);
  assert.equal(composeContainers(other.composeProject), []);
  assert.equal(composeContainers(d.composeProject), mine);
  for (const name of mine) assert.is(inspect(name).State.Running, true);
});

Dev(
  'the generated file started with plain docker-compose up passes the same inspect checks as deploy-secure',
  async () => {
    const d = dev();
    assert.is((await d.run(['docker'])).code, 0);
    assert.is((await d.run(['compose-file'])).code, 0);
    const compose = which('docker-compose')!;
    const started = spawnSync(compose, ['-p', d.composeProject, '--profile', 'development', 'up', '-d'], {
      cwd: d.project.dir,
      encoding: 'utf8',
    });
    assert.is(started.status, 0, started.stderr);
    const [name] = composeContainers(d.composeProject);
    // Healthy first, as deploy-secure waits for it.
    for (let i = 0; i < 60 && inspect(name!).State.Health?.Status !== 'healthy'; i++)
      await new Promise((resolve) => setTimeout(resolve, 1000));
    const config = resolveConfig(
      JSON.parse(readFileSync(path.join(d.project.dir, '.cloudyrc.json'), 'utf8')),
      d.project.dir,
    );
    const checks = verifyContainer(inspect(name!), scopedPolicy(config.container, d.composeProject), {
      expectedImageId: inspect(`${d.name}:latest`, 'image').Id,
    });
    assert.equal(failingChecks(checks), []);
    assert.is(checks.find((c) => c.id === 'memory')?.status, 'pass');
    assert.is(inspect(name!).HostConfig.Memory, 536870912, 'the limit compose v1 applied from mem_limit');
  },
);

Dev('a weakened or stale compose file starts nothing', async () => {
  const d = dev();
  assert.is((await d.run(['compose-file'])).code, 0);
  const file = path.join(d.project.dir, 'docker-compose.yml');
  const generated = readFileSync(file, 'utf8');

  writeFileSync(
    file,
    generated.replace('- no-new-privileges:true', '- no-new-privileges:true\n      - seccomp:unconfined'),
  );
  const weak = await d.run(['dev-up']);
  assert.is(weak.code, 1, weak.stdout);
  assert.match(weak.stderr, 'nothing was started');
  assert.match(weak.stderr, /seccomp \(CIS 5\.22, seccomp unconfined as in the security guide's own compose file\)/);
  assert.equal(composeContainers(d.composeProject), []);

  writeFileSync(file, generated);
  const cfgFile = path.join(d.project.dir, '.cloudyrc.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as { container: Record<string, unknown> };
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, container: { ...cfg.container, pidsLimit: 100 } }));
  const stale = await d.run(['dev-up']);
  assert.is(stale.code, 1, stale.stdout);
  assert.match(stale.stderr, /generated from another config or Dockerfile/);
  assert.match(stale.stderr, 'cloudy-tasks compose-file');
  assert.equal(composeContainers(d.composeProject), []);
  removeComposeProject(d.composeProject);
});

Dev.run();
