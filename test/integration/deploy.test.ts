/**
 * deploy-secure and audit against the real Docker engine: the example image is built, scanned
 * (a Trivy stand-in replays real reports), deployed with every hardening flag, verified,
 * replaced safely, rolled back on failure; audit checks running containers.
 */
import * as fs from 'node:fs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  docker,
  ensureDocker,
  ensureTestImages,
  exampleDir,
  inspect,
  removeContainers,
  removeImages,
  removeVolumes,
  uniqueName,
} from '../helpers/docker.js';
import { collect, makeProject, type Project, runCli, startCli, trivyFixtures } from '../helpers/rig.js';

const CLEAN = path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden');
const CRITICAL = path.join(trivyFixtures, 'alpine-39.json.golden');

interface Deployment {
  readonly project: Project;
  readonly name: string;
  readonly image: string;
  readonly volumes: readonly string[];
  /** Every image id the deployment built (older ones lose their tag but are still ours). */
  readonly images: Set<string>;
}

function deployment(extra: Record<string, unknown> = {}): Deployment {
  const name = uniqueName('cloudy-it');
  const volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}`);
  const config = {
    image: { name },
    container: {
      name,
      volumes: volumes.map((v, i) => `${v}:/app/${['data', 'config', 'logs'][i]}`),
      healthTimeoutSeconds: 30,
    },
    baseImages: [],
    ...extra,
  };
  const project = makeProject({ copyFrom: exampleDir, files: { '.cloudyrc.json': JSON.stringify(config) } });
  return { project, name, image: name, volumes, images: new Set() };
}

async function deploy(d: Deployment, report = CLEAN, args: string[] = []) {
  const result = await runCli(d.project, ['deploy-secure', ...args], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: report },
    timeoutMs: 300_000,
  });
  const built = inspect(`${d.image}:latest`, 'image') as { Id: string } | undefined;
  if (built) d.images.add(built.Id);
  return result;
}

function cleanup(d: Deployment): void {
  removeContainers([d.name, `${d.name}-previous`, `${d.name}-next`, `${d.name}-byhand`]);
  removeImages([`${d.image}:latest`, ...d.images]);
  removeVolumes(d.volumes);
  d.project.cleanup();
}

const Deploy = suite('deploy-secure (real engine)');
const made: Deployment[] = [];
Deploy.before(() => {
  ensureDocker();
  ensureTestImages();
});
Deploy.after(() => made.forEach(cleanup));

Deploy('deploys the scanned image with every hardening property, as docker inspect shows', async () => {
  const d = deployment();
  made.push(d);
  const r = await deploy(d);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const c = inspect(d.name);
  const image = inspect(`${d.image}:latest`, 'image');
  assert.is(c.Image, image.Id, 'runs exactly the built image id');
  assert.is(c.Config.User, '1001:1001');
  const h = c.HostConfig;
  assert.is(h.ReadonlyRootfs, true);
  assert.equal(h.CapDrop, ['ALL']);
  assert.ok(!h.CapAdd || h.CapAdd.length === 0);
  assert.ok(h.SecurityOpt.includes('no-new-privileges:true'));
  assert.not.ok(h.SecurityOpt.some((o: string) => /seccomp[:=]unconfined/.test(o)));
  assert.is(h.Privileged, false);
  assert.is(h.Memory, 512 * 1024 * 1024);
  assert.is(h.MemorySwap, h.Memory);
  assert.is(h.NanoCpus, 1e9);
  assert.ok(h.PidsLimit > 0);
  assert.is(h.NetworkMode, 'none');
  assert.equal(Object.keys(c.NetworkSettings.Networks), ['none']);
  for (const ns of ['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode']) assert.is.not(h[ns], 'host', ns);
  assert.equal(h.RestartPolicy, { Name: 'unless-stopped', MaximumRetryCount: 0 });
  assert.equal(Object.keys(h.Tmpfs ?? {}), ['/tmp']);
  assert.ok(h.LogConfig.Config['max-size'], 'log rotation');
  assert.equal(
    h.Ulimits.map((u: { Name: string }) => u.Name),
    ['nofile'],
  );
  const mounts = c.Mounts.map((m: { Name?: string; Destination: string; Source: string }) => [
    m.Name,
    m.Destination,
  ]).sort();
  assert.equal(mounts, d.volumes.map((v, i) => [v, `/app/${['data', 'config', 'logs'][i]}`]).sort());
  assert.not.ok(c.Mounts.some((m: { Source: string }) => m.Source.includes('docker.sock')));
  assert.is(c.State.Health.Status, 'healthy');
  assert.is(c.Config.Labels['security.read-only'], 'true');
  // audit agrees, and prints its table.
  const audit = await runCli(d.project, ['audit'], { fakeDocker: false });
  assert.is(audit.code, 0, audit.stderr);
  assert.match(audit.stdout, /read-only-rootfs\s+5\.13/);
});

Deploy('a configured user-defined network is created with ICC and masquerading off, internal', async () => {
  const network = uniqueName('cloudy-net');
  const d = deployment({});
  made.push(d);
  const cfgFile = path.join(d.project.dir, '.cloudyrc.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as { container: Record<string, unknown> };
  writeFileSync(
    cfgFile,
    JSON.stringify({ ...cfg, container: { ...cfg.container, network: { name: network, internal: true } } }),
  );
  try {
    const r = await deploy(d);
    assert.is(r.code, 0, r.stderr);
    const net = inspect(network, 'network');
    assert.is(net.Internal, true);
    assert.is(net.Options['com.docker.network.bridge.enable_icc'], 'false');
    assert.is(net.Options['com.docker.network.bridge.enable_ip_masquerade'], 'false');
    assert.equal(Object.keys(inspect(d.name).NetworkSettings.Networks), [network]);
  } finally {
    removeContainers([d.name]);
    docker(['network', 'rm', network]);
  }
});

Deploy('a file in the data volume survives a redeploy; the old container is replaced', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await deploy(d)).code, 0);
  const first = inspect(d.name).Id;
  docker(['exec', d.name, '/app/cloudy', 'sh', '-c', 'echo kept > /app/data/marker'], { check: true });
  // Nothing changed, so only --force replaces the container.
  const again = await deploy(d, CLEAN, ['--force']);
  assert.is(again.code, 0, again.stderr);
  const second = inspect(d.name);
  assert.is.not(second.Id, first, 'a new container runs');
  assert.is(inspect(`${d.name}-previous`), undefined, 'the previous container was removed after success');
  assert.is(docker(['exec', d.name, '/app/cloudy', 'cat', '/app/data/marker']).stdout.trim(), 'kept');
});

/** Build the next deploy of `d` from another of the example's Dockerfiles. */
function useDockerfile(d: { project: { dir: string }; image: string }, dockerfile: string): void {
  const cfgFile = path.join(d.project.dir, '.cloudyrc.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, image: { name: d.image, dockerfile } }));
}

Deploy('an unhealthy image exits 1 and leaves the previous container running, healthy and unchanged', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await deploy(d)).code, 0);
  const before = inspect(d.name);
  useDockerfile(d, 'Dockerfile.unhealthy');
  const bad = await deploy(d);
  assert.is(bad.code, 1, bad.stdout);
  assert.match(bad.stderr, 'unhealthy', `stdout:\n${bad.stdout}\nstderr:\n${bad.stderr}`);
  // network none: start-first, so the previous container was never stopped.
  assert.match(
    bad.stderr,
    /rollback: the new container was removed; the previous container .* kept running and was never stopped \(healthy\)/,
  );
  const after = inspect(d.name);
  assert.is(after.Id, before.Id, 'same container');
  assert.is(after.Image, before.Image, 'same image');
  assert.is(after.State.Running, true);
  assert.is(after.State.Health.Status, 'healthy');
  assert.is(inspect(`${d.name}-previous`), undefined);
});

Deploy(
  'healthy once is not enough: an image that crashes ~3 s after turning healthy is rolled back (stableSeconds)',
  async () => {
    const d = deployment();
    made.push(d);
    assert.is((await deploy(d)).code, 0);
    const before = inspect(d.name);
    useDockerfile(d, 'Dockerfile.crashes');
    const bad = await deploy(d);
    assert.is(bad.code, 1, `${bad.stdout}\n${bad.stderr}`);
    assert.match(
      bad.stderr,
      /container \S+-next turned healthy but did not stay so for container\.stableSeconds \(5s\): it exited/,
      bad.stderr,
    );
    assert.match(bad.stderr, 'CLOUDY_EXIT_AFTER');
    assert.match(bad.stderr, /rollback: the new container was removed; the previous container .* kept running/);
    const after = inspect(d.name);
    assert.is(after.Id, before.Id, 'the previous container is still the service');
    assert.is(after.State.Running, true);
    assert.is(after.State.Health.Status, 'healthy');
    assert.is(inspect(`${d.name}-next`), undefined, 'the crashing container was removed');
  },
);

Deploy('a CRITICAL finding stops the deploy before any docker run', async () => {
  const d = deployment();
  made.push(d);
  const r = await deploy(d, CRITICAL);
  assert.is(r.code, 1);
  assert.match(r.stderr, /finding.* at or above HIGH/);
  assert.match(r.stdout + r.stderr, 'CVE-2019-14697');
  assert.is(inspect(d.name), undefined, 'no container was started');
});

Deploy('audit fails on a container started by hand without hardening flags', async () => {
  const d = deployment();
  made.push(d);
  const build = await runCli(d.project, ['docker', '--json'], { fakeDocker: false });
  assert.is(build.code, 0, build.stderr);
  // The docker task's typed output: image id, tags, labels (from the build args).
  const output = build.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          task: string;
          type: string;
          output?: {
            imageId: string;
            tags: string[];
            labels: Record<string, string>;
            buildArgs: Record<string, string>;
          };
        },
    )
    .find((e) => e.task === 'docker' && e.type === 'task-succeeded')?.output;
  assert.is(output?.imageId, inspect(`${d.image}:latest`, 'image').Id);
  assert.ok(output?.tags.includes(`${d.image}:latest`));
  assert.is(output?.labels['org.opencontainers.image.created'], output?.buildArgs['BUILD_DATE']);
  assert.match(output?.buildArgs['BUILD_DATE'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  docker(['run', '-d', '--name', d.name, `${d.image}:latest`], { check: true });
  const r = await runCli(d.project, ['audit'], { fakeDocker: false });
  assert.is(r.code, 1);
  for (const id of [
    'read-only-rootfs',
    'capabilities',
    'no-new-privileges',
    'memory',
    'pids-limit',
    'network',
    'volumes',
  ])
    assert.match(r.stderr, id);
  const json = await runCli(d.project, ['audit', '--json'], { fakeDocker: false });
  const failed = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; failure?: { failed: string[] } })
    .find((e) => e.type === 'task-failed');
  assert.ok((failed?.failure?.failed.length ?? 0) >= 6);
});

Deploy('a root-owned volume gives one clear line naming the fix, and nothing keeps running', async () => {
  const d = deployment();
  made.push(d);
  // A volume created before the image made /app/data, owned by root: uid 1001 cannot write it.
  docker(['volume', 'create', d.volumes[0]!], { check: true });
  docker(
    [
      'run',
      '--rm',
      '-v',
      `${d.volumes[0]}:/v`,
      'cloudy-local/busybox:1',
      'sh',
      '-c',
      'touch /v/.keep && chown -R 0:0 /v && chmod 755 /v',
    ],
    { check: true },
  );
  const r = await deploy(d);
  assert.is(r.code, 1);
  assert.match(r.stderr, /not writable/);
  assert.match(r.stderr, /chown -R 1001:1001/);
  assert.is(inspect(d.name), undefined, 'the failed container was removed');
  assert.ok(inspect(d.volumes[0]!, 'volume'), 'the volume was kept');
});

Deploy('SIGINT during a redeploy leaves a container running under the name', async () => {
  const d = deployment();
  made.push(d);
  assert.is((await deploy(d)).code, 0);
  const before = inspect(d.name);
  const child = startCli(d.project, ['deploy-secure', '--force'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
  });
  const done = collect(child, 120_000);
  // Interrupt while the new container is starting: the old one is stopped at that point.
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (b: Buffer) => String(b).includes('waiting for') && resolve()),
  );
  child.kill('SIGINT');
  const r = await done;
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, /rollback: .*the previous container .* (restored|kept running)/);
  const running = inspect(d.name);
  assert.is(running?.Id, before.Id, 'the previous (verified) container is the service again');
  assert.ok(running?.State?.Running);
  assert.is(inspect(`${d.name}-previous`), undefined);
});

Deploy(
  'a deploy killed mid-way is repaired by the next one: an unverified container never replaces the verified one',
  async () => {
    const d = deployment();
    made.push(d);
    assert.is((await deploy(d)).code, 0);
    const verified = inspect(d.name);
    // What a SIGKILL between "rename old, start new" and the verification leaves behind: the
    // verified container stopped as <name>-previous, and an unverified one (no hardening) as <name>.
    docker(['rename', d.name, `${d.name}-previous`], { check: true });
    docker(['stop', `${d.name}-previous`], { check: true });
    docker(['run', '-d', '--name', d.name, `${d.image}:latest`], { check: true });
    const r = await deploy(d);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'left unverified by an interrupted deploy');
    assert.is(inspect(`${d.name}-previous`), undefined);
    const now = inspect(d.name);
    assert.is(now.HostConfig.ReadonlyRootfs, true, 'the service is a verified, hardened container');
    assert.is.not(now.Id, verified.Id, 'and a new one: the deploy went ahead');
  },
);

Deploy.run();
