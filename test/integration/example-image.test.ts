/**
 * Integration test: the worked example image (examples/cloudy-mc-codeface)
 * builds offline with the legacy builder, has the hardening metadata, runs
 * healthy under the full hardened flag set, round-trips through a local
 * registry, and its Dockerfile.unhealthy variant turns unhealthy.
 *
 * Needs a Docker engine: run `bash scripts/docker-engine.sh` (as root) first.
 * Everything created here has a unique name and is removed by name at the end.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildImage,
  docker,
  ensureDocker,
  ensureTestImages,
  HARDENED_RUN_FLAGS,
  healthStatus,
  inspect,
  type LocalRegistry,
  removeContainers,
  removeImages,
  removeVolumes,
  startRegistry,
  uniqueName,
  waitFor,
} from '../helpers/docker.js';

const ExampleImage = suite('integration: example image');

const base = uniqueName('cloudy-example-test');
const image = `${base}:1.2.3`;
const unhealthyImage = `${base}-unhealthy:1`;
const buildArgs = {
  BUILD_DATE: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  VCS_REF: 'abc1234',
  VERSION: '1.2.3',
};

const containers: string[] = [];
const volumes: string[] = [];
const images: string[] = [];
let registry: LocalRegistry | undefined;
let ready = false;
let built = false;

function requireReady(): void {
  if (!ready) throw new Error('no Docker engine or base image (see the first failure)');
}

function requireBuilt(): void {
  requireReady();
  if (!built) throw new Error('the example image was not built (see the earlier failure)');
}

ExampleImage.after(() => {
  if (!ready) return; // nothing was created
  removeContainers(containers);
  removeVolumes(volumes);
  removeImages(images);
  registry?.stop();
});

ExampleImage('engine and local base image are available', () => {
  ensureDocker();
  ensureTestImages();
  ready = true;
});

ExampleImage('builds offline with the legacy builder', () => {
  requireReady();
  images.push(image);
  const r = buildImage({ tag: image, buildArgs });
  assert.is(r.code, 0, `docker build failed:\n${r.stderr.slice(-3000)}`);
  built = true;
});

ExampleImage('image config: numeric user, exec-form health check and entrypoint, labels', () => {
  requireBuilt();
  const img = inspect(image, 'image');
  assert.ok(img, 'image inspect returned nothing');
  const cfg = img.Config;
  assert.is(cfg.User, '1001:1001');
  assert.is(cfg.Healthcheck?.Test?.[0], 'CMD');
  assert.equal(cfg.Healthcheck.Test, ['CMD', '/app/cloudy', 'healthcheck']);
  assert.ok(cfg.Healthcheck.Interval > 0 && cfg.Healthcheck.Retries > 0);
  assert.equal(cfg.Entrypoint, ['/app/cloudy', 'serve']);
  assert.equal(cfg.Volumes ?? null, null);
  const labels: Record<string, string> = cfg.Labels ?? {};
  assert.is(labels['org.opencontainers.image.created'], buildArgs.BUILD_DATE);
  assert.is(labels['org.opencontainers.image.revision'], buildArgs.VCS_REF);
  assert.is(labels['org.opencontainers.image.version'], buildArgs.VERSION);
  assert.is(labels['org.opencontainers.image.title'], 'CloudyMcCodeFace');
  assert.ok(labels['org.opencontainers.image.source'], 'source label');
  assert.is(labels['security.scan.enabled'], 'true');
  assert.is(labels['security.non-root'], 'true');
  assert.is(labels['security.read-only'], 'true');
  assert.is(labels['security.privileged'], 'false');
  // No secrets in the environment.
  for (const e of (cfg.Env ?? []) as string[]) {
    assert.not.match(e, /PASS|SECRET|TOKEN|KEY=/i);
  }
});

ExampleImage('runs healthy with the hardened flags and writes to /app/data', async () => {
  requireBuilt();
  const name = uniqueName('cloudy-example-run');
  const dataVol = `${name}-data`;
  const logsVol = `${name}-logs`;
  containers.push(name);
  volumes.push(dataVol, logsVol);
  const r = docker([
    'run',
    '-d',
    '--name',
    name,
    ...HARDENED_RUN_FLAGS,
    '-v',
    `${dataVol}:/app/data`,
    '-v',
    `${logsVol}:/app/logs`,
    image,
  ]);
  assert.is(r.code, 0, `docker run failed: ${r.stderr}`);

  await waitFor(
    () => {
      const s = healthStatus(name);
      if (s === 'unhealthy') throw new Error(`unhealthy: ${docker(['logs', name]).stderr}`);
      return s === 'healthy';
    },
    30_000,
    { description: `${name} to become healthy` },
  );

  const c = inspect(name);
  assert.is(c.State.Running, true);
  assert.is(c.RestartCount, 0);
  assert.is(c.Config.User, '1001:1001');
  assert.is(c.HostConfig.ReadonlyRootfs, true);
  assert.equal(c.HostConfig.CapDrop, ['ALL']);
  assert.is(c.HostConfig.NetworkMode, 'none');
  assert.is(c.HostConfig.PidsLimit, 64);
  assert.is(c.HostConfig.MemorySwap, c.HostConfig.Memory);

  // The service writes to the fresh named volume (owned by 1001 via the image).
  const counter = docker(['exec', name, '/app/cloudy', 'cat', '/app/data/counter']);
  assert.is(counter.code, 0, counter.stderr);
  assert.ok(Number(counter.stdout.trim()) > 0, `counter: ${counter.stdout}`);
  const owner = docker(['exec', name, '/app/cloudy', 'stat', '-c', '%u:%g', '/app/data']);
  assert.is(owner.stdout.trim(), '1001:1001');
  // The root filesystem is read-only; /tmp (tmpfs) is writable.
  const rootWrite = docker(['exec', name, '/app/cloudy', 'touch', '/cloudy-should-fail']);
  assert.is.not(rootWrite.code, 0);
  const tmpWrite = docker(['exec', name, '/app/cloudy', 'touch', '/tmp/ok']);
  assert.is(tmpWrite.code, 0, tmpWrite.stderr);

  const stop = docker(['stop', '-t', '10', name]);
  assert.is(stop.code, 0, stop.stderr);
  assert.is(inspect(name).State.ExitCode, 0, 'service exits 0 on SIGTERM');
});

ExampleImage('pushes to and pulls back from a local registry', () => {
  requireBuilt();
  registry = startRegistry();
  assert.match(registry.addr, /^127\.0\.0\.1:\d+$/);
  const remote = `${registry.addr}/${base}:1.2.3`;
  images.push(remote);
  const id = inspect(image, 'image').Id as string;

  assert.is(docker(['tag', image, remote]).code, 0);
  const push = docker(['push', remote]);
  assert.is(push.code, 0, `push failed: ${push.stderr}`);
  assert.is(docker(['rmi', remote]).code, 0);
  assert.is(inspect(remote, 'image'), undefined);

  const pull = docker(['pull', remote]);
  assert.is(pull.code, 0, `pull failed: ${pull.stderr}`);
  assert.is(inspect(remote, 'image').Id, id, 'pulled image has the same id');
  removeImages([remote]);
  registry.stop();
});

ExampleImage('Dockerfile.unhealthy builds and its container turns unhealthy', async () => {
  requireReady();
  images.push(unhealthyImage);
  const b = buildImage({ tag: unhealthyImage, dockerfile: 'Dockerfile.unhealthy' });
  assert.is(b.code, 0, `docker build failed:\n${b.stderr.slice(-3000)}`);
  const name = uniqueName('cloudy-example-unhealthy');
  const dataVol = `${name}-data`;
  containers.push(name);
  volumes.push(dataVol);
  const r = docker(['run', '-d', '--name', name, ...HARDENED_RUN_FLAGS, '-v', `${dataVol}:/app/data`, unhealthyImage]);
  assert.is(r.code, 0, `docker run failed: ${r.stderr}`);
  await waitFor(() => healthStatus(name) === 'unhealthy', 30_000, { description: `${name} to become unhealthy` });
  assert.is(inspect(name).State.Health.FailingStreak >= 3, true);
});

ExampleImage.run();
