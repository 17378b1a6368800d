/**
 * deploy-secure with deploy.target "swarm" on the real engine: a single-node swarm (created by
 * this suite when the engine is in none, and left again at the end, as found), then a two-node
 * swarm with a second engine in a network namespace (scripts/docker-engine-2.sh). One suite, so
 * its tests run one after another; everything is found and removed by name and label.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LABELS, projectId } from '../../lib/docker/labels.js';
import {
  docker,
  ensureDocker,
  ensureTestImages,
  exampleDir,
  inspect,
  type LocalRegistry,
  removeImages,
  removeVolumes,
  startRegistry,
  uniqueName,
  waitFor,
} from '../helpers/docker.js';
import { type Engine2, startEngine2 } from '../helpers/engine2.js';
import { collect, makeProject, type Project, runCli, startCli, trivyFixtures } from '../helpers/rig.js';

const CLEAN = path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden');
const ACCEPT = ['no-new-privileges', 'memory-swap', 'network-none', 'icc'];

// biome-ignore lint/suspicious/noExplicitAny: raw inspect JSON.
type Json = any;
type Check = { id: string; status: string; actual: string };

interface Stack {
  readonly project: Project;
  readonly name: string;
  readonly volumes: readonly string[];
  readonly images: Set<string>;
  readonly label: string;
}

const Swarm = suite('swarm target (real engine)');
const stacks: Stack[] = [];
let createdSwarm = false;
let gwbridgeExisted = true;
let e2: Engine2 | undefined;
let e2Error = '';
let e2Joined = '';
let registry: LocalRegistry | undefined;

function stack(extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Stack {
  const name = uniqueName('cloudy-sw');
  const volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}`);
  const config = {
    image: { name },
    container: {
      name,
      volumes: volumes.map((v, i) => `${v}:/app/${['data', 'config', 'logs'][i]}`),
      healthTimeoutSeconds: 60,
      ...container,
    },
    deploy: { target: 'swarm' },
    swarm: { updateMonitorSeconds: 5, allowUnsupported: ACCEPT },
    baseImages: [],
    ...extra,
  };
  const project = makeProject({ copyFrom: exampleDir, files: { '.cloudyrc.json': JSON.stringify(config) } });
  const s = {
    project,
    name,
    volumes,
    images: new Set<string>(),
    label: projectId(project.dir, name),
  };
  stacks.push(s);
  return s;
}

function setConfig(s: Stack, edit: (c: Json) => void): void {
  const file = path.join(s.project.dir, '.cloudyrc.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as Json;
  edit(c);
  writeFileSync(file, JSON.stringify(c));
}

async function deploy(s: Stack, args: string[] = []) {
  const r = await runCli(s.project, ['deploy-secure', '--json', ...args], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
    timeoutMs: 400_000,
  });
  const built = inspect(`${s.name}:latest`, 'image') as { Id: string } | undefined;
  if (built) s.images.add(built.Id);
  const events = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Json);
  const done = events.find((e) => e.task === 'deploy-secure' && e.type !== 'task-started');
  return { ...r, done, checks: (done?.output?.checks ?? []) as Check[], error: String(done?.error ?? '') };
}

const runningTasks = (name: string): Json[] => {
  const ids = docker(['service', 'ps', '-q', '--no-trunc', '--filter', 'desired-state=running', name]).stdout.trim();
  return ids ? (JSON.parse(docker(['inspect', '--type', 'task', ...ids.split('\n')]).stdout) as Json[]) : [];
};
const taskContainer = (name: string): Json =>
  inspect(runningTasks(name).find((t) => t.Status.State === 'running')?.Status.ContainerStatus.ContainerID ?? '');

function removeStack(s: Stack): void {
  docker(['service', 'rm', s.name]);
}

const service = (name: string): Json => JSON.parse(docker(['service', 'inspect', name]).stdout)[0];

Swarm.before(async () => {
  ensureDocker();
  ensureTestImages();
  gwbridgeExisted = docker(['network', 'inspect', 'docker_gwbridge']).code === 0;
  try {
    e2 = startEngine2();
  } catch (error) {
    e2Error = error instanceof Error ? error.message : String(error);
  }
  const state = docker(['info', '--format', '{{.Swarm.LocalNodeState}}']).stdout.trim();
  if (state === 'inactive') {
    // Advertised on the veth, so the second engine can join; loopback when there is none.
    docker(['swarm', 'init', '--advertise-addr', e2 ? e2.hostIp : '127.0.0.1'], { check: true });
    createdSwarm = true;
  } else if (state !== 'active') throw new Error(`the engine's swarm is ${state}; cannot test the swarm target`);
});

Swarm.after(async () => {
  for (const s of stacks) removeStack(s);
  for (const s of stacks) {
    // Swarm removes the task containers itself, a moment after the service; volumes wait for them.
    await waitFor(
      () => docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${s.name}`]).stdout.trim() === '',
      60_000,
    ).catch(() => undefined);
    const nets = docker(['network', 'ls', '-q', '--filter', `label=${LABELS.project}=${s.label}`]).stdout.trim();
    if (nets) docker(['network', 'rm', ...nets.split('\n')]);
    removeVolumes(s.volumes);
    const labelled = docker(['images', '-q', '--no-trunc', '--filter', `label=${LABELS.project}=${s.label}`]).stdout;
    removeImages([
      `${s.name}:latest`,
      ...s.images,
      ...labelled.split('\n').filter(Boolean),
      ...(registry ? [`${registry.addr}/${s.name}:latest`] : []),
    ]);
    s.project.cleanup();
  }
  if (e2Joined) {
    e2?.docker(['swarm', 'leave', '--force']);
    docker(['node', 'rm', '--force', e2Joined]);
  }
  // Left as found, but never under another suite's feet: a second test run on this engine (a
  // developer's, beside CI's) may have services in the swarm this one created.
  const othersServices = docker(['service', 'ls', '-q']).stdout.trim() !== '';
  if (createdSwarm && !othersServices) {
    docker(['swarm', 'leave', '--force'], { check: true });
    if (!gwbridgeExisted) docker(['network', 'rm', 'docker_gwbridge']);
  }
  e2?.stop();
  registry?.stop();
});

Swarm('refuses by default, naming each setting Swarm cannot apply, before anything is built', async () => {
  const s = stack({ swarm: {} });
  const r = await runCli(s.project, ['deploy-secure'], { fakeDocker: false, env: { TRIVY_STANDIN_REPORT: CLEAN } });
  assert.is(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 4, r.stderr);
  for (const id of ACCEPT)
    assert.ok(
      lines.some((l) => l.includes(`swarm.allowUnsupported: ["${id}"]`)),
      id,
    );
  assert.match(r.stderr, 'deploy.target "swarm" cannot apply container.securityOpt "no-new-privileges:true"');
  assert.is(inspect(`${s.name}:latest`, 'image'), undefined, 'nothing was built');
  assert.is(docker(['service', 'inspect', s.name]).code, 1, 'no service');
});

Swarm('--dry-run prints the overlay network and a service create with the hardening flags', async () => {
  const s = stack();
  const r = await runCli(s.project, ['deploy-secure', '--dry-run'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
  });
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    `docker network create --driver overlay --label ${LABELS.project}=${s.label} --internal ${s.name}_isolated`,
  );
  const create = r.stdout.split('\n').find((l) => l.includes('docker service create')) ?? '';
  for (const flag of [
    '--user 1001:1001',
    '--read-only=true',
    '--cap-drop ALL',
    '--limit-pids 64',
    '--limit-memory 512m',
    '--reserve-memory 512m',
    '--restart-condition on-failure --restart-max-attempts 5',
    '--update-order start-first --update-failure-action rollback --update-monitor 5s',
    '--ulimit nofile=1024:1024',
    `--network ${s.name}_isolated`,
  ])
    assert.ok(create.includes(flag), `${flag} in: ${create}`);
  assert.is(docker(['service', 'inspect', s.name]).code, 1, 'dry run created nothing');
});

let main: Stack;

Swarm('deploys a hardened service on a single-node swarm and verifies its task container', async () => {
  main = stack();
  const r = await deploy(main);
  assert.is(r.code, 0, `${r.error}\n${r.stderr}`);
  assert.equal(
    r.checks.filter((c) => c.status === 'fail'),
    [],
  );
  const status = (id: string) => r.checks.find((c) => c.id === id)?.status;
  for (const id of ACCEPT) assert.is(status(`swarm-not-applied:${id}`), 'warn', id);
  assert.is(status('task.1:no-new-privileges'), 'warn');
  assert.is(status('task.1:read-only-rootfs'), 'pass');
  assert.is(status('swarm-update'), 'pass');
  const spec = service(main.name);
  assert.equal(spec.Spec.UpdateConfig.Order, 'start-first');
  assert.equal(spec.Spec.UpdateConfig.FailureAction, 'rollback');
  assert.is(spec.Spec.Labels[LABELS.project], main.label);
  const c = taskContainer(main.name);
  assert.is(c.Image, [...main.images].at(-1), 'the task runs the scanned image id');
  assert.is(c.Config.User, '1001:1001');
  assert.is(c.HostConfig.ReadonlyRootfs, true);
  assert.equal(c.HostConfig.CapDrop, ['ALL']);
  assert.is(c.HostConfig.PidsLimit, 64);
  assert.is(c.HostConfig.Memory, 512 * 1024 ** 2);
  assert.equal(c.HostConfig.Ulimits, [{ Name: 'nofile', Hard: 1024, Soft: 1024 }]);
  assert.equal(Object.keys(c.NetworkSettings.Networks), [`${main.name}_isolated`]);
  assert.is(c.Config.Labels[LABELS.project], main.label);
  assert.is(c.State.Health.Status, 'healthy');
  const net = inspect(`${main.name}_isolated`, 'network');
  assert.equal([net.Driver, net.Internal, net.Labels[LABELS.project]], ['overlay', true, main.label]);
});

Swarm('an unchanged redeploy is up to date; --force updates start-first, healthy throughout, data kept', async () => {
  const before = taskContainer(main.name);
  const same = await deploy(main);
  assert.is(same.code, 0, same.error);
  assert.is(same.done?.output?.upToDate, true, 'nothing changed: the service is left as it is');
  assert.is(taskContainer(main.name).Id, before.Id, 'the same task still runs');
  docker(['exec', before.Id, '/app/cloudy', 'sh', '-c', 'echo kept > /app/data/marker'], { check: true });
  const child = startCli(main.project, ['deploy-secure', '--force'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
  });
  let polls = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let done = false;
  const exit = collect(child, 300_000);
  void exit.then(() => (done = true));
  while (!done) {
    const healthy = docker([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.swarm.service.name=${main.name}`,
      '--filter',
      'health=healthy',
    ]);
    lowest = Math.min(lowest, healthy.stdout.trim().split('\n').filter(Boolean).length);
    polls++;
    await new Promise((r) => setTimeout(r, 200));
  }
  const result = await exit;
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.ok(polls > 5, `polled ${polls} times`);
  assert.is(lowest, 1, 'never without a healthy task');
  const after = taskContainer(main.name);
  assert.is.not(after.Id, before.Id, 'a new task runs');
  assert.is(docker(['exec', after.Id, '/app/cloudy', 'cat', '/app/data/marker']).stdout.trim(), 'kept');
});

Swarm('an update whose health fails is rolled back by Swarm and reported; the previous spec runs again', async () => {
  const previous = service(main.name).Spec.TaskTemplate.ContainerSpec.Image;
  setConfig(main, (c) => (c.image.dockerfile = 'Dockerfile.unhealthy'));
  try {
    const r = await deploy(main);
    assert.is(r.code, 1);
    assert.match(r.error, `deploy failed: Swarm rolled back the update of service ${main.name}: task 1 on`);
    assert.match(r.error, /health check failed|stopped by Swarm/);
    assert.match(r.error, `rollback: Swarm put service ${main.name} back on its previous spec`);
    assert.match(r.error, '1/1 tasks running');
    const svc = service(main.name);
    assert.is(svc.Spec.TaskTemplate.ContainerSpec.Image, previous, 'the previous spec is the service again');
    assert.is(svc.UpdateStatus.State, 'rollback_completed');
    const tasks = runningTasks(main.name);
    assert.equal(
      tasks.map((t) => [t.Spec.ContainerSpec.Image, t.Status.State]),
      [[previous, 'running']],
    );
    assert.is(taskContainer(main.name).State.Health.Status, 'healthy');
  } finally {
    setConfig(main, (c) => delete c.image.dockerfile);
  }
});

Swarm('SIGINT during an update asks Swarm to roll back, and the previous spec runs again', async () => {
  const previous = service(main.name).Spec.TaskTemplate.ContainerSpec.Image;
  const child = startCli(main.project, ['deploy-secure', '--force'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
  });
  const done = collect(child, 300_000);
  await new Promise<void>((resolve) =>
    child.stdout!.on(
      'data',
      (b: Buffer) => String(b).includes(`waiting for service ${main.name} to converge: updating`) && resolve(),
    ),
  );
  child.kill('SIGINT');
  const r = await done;
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, `rollback: Swarm put service ${main.name} back on its previous spec`);
  const svc = service(main.name);
  assert.is(svc.Spec.TaskTemplate.ContainerSpec.Image, previous);
  assert.equal(
    runningTasks(main.name).map((t) => [t.Spec.ContainerSpec.Image, t.Status.State]),
    [[previous, 'running']],
  );
});

Swarm('a configured internal network becomes an internal overlay; a local bridge of that name is refused', async () => {
  const network = uniqueName('cloudy-swnet');
  const s = stack(
    { swarm: { updateMonitorSeconds: 5, allowUnsupported: ['no-new-privileges', 'memory-swap', 'icc'] } },
    {
      network: { name: network, internal: true },
    },
  );
  docker(['network', 'create', '--driver', 'bridge', network], { check: true });
  try {
    const clash = await deploy(s);
    assert.is(clash.code, 1);
    assert.match(clash.error, `network ${network} exists as a local bridge network with Internal=false`);
    assert.is(docker(['service', 'inspect', s.name]).code, 1, 'no service was created');
  } finally {
    docker(['network', 'rm', network]);
  }
  const r = await deploy(s);
  assert.is(r.code, 0, `${r.error}\n${r.stderr}`);
  const net = inspect(network, 'network');
  assert.equal([net.Driver, net.Scope, net.Internal, net.Attachable], ['overlay', 'swarm', true, false]);
  assert.equal(Object.keys(taskContainer(s.name).NetworkSettings.Networks), [network]);
  assert.is(r.checks.find((c) => c.id === 'swarm-network-isolation')?.status, 'pass');
  assert.not.ok(r.checks.some((c) => c.id === 'swarm-not-applied:network-none'));
  removeStack(s);
  await waitFor(() => docker(['network', 'rm', network]).code === 0, 60_000);
});

Swarm('a service this project did not create is refused and left as it was', async () => {
  const s = stack();
  docker(
    ['service', 'create', '-d', '--name', s.name, '--no-resolve-image', 'cloudy-local/busybox:1', 'sleep', '600'],
    {
      check: true,
    },
  );
  const version = service(s.name).Version.Index;
  const r = await deploy(s);
  assert.is(r.code, 1);
  assert.match(r.error, `service ${s.name} exists and was not created by this project`);
  assert.is(service(s.name).Version.Index, version);
});

Swarm('the second engine is independent: its own root and socket, the first engine untouched', () => {
  assert.ok(e2, `scripts/docker-engine-2.sh could not start a second engine: ${e2Error}`);
  const info = JSON.parse(e2!.docker(['info', '--format', '{{json .}}']).stdout) as Json;
  assert.is(info.DockerRootDir, '/var/lib/cloudy-engine-e2/data');
  assert.is.not(info.DockerRootDir, JSON.parse(docker(['info', '--format', '{{json .DockerRootDir}}']).stdout));
  assert.is(e2!.host, 'unix:///run/cloudy-engine-e2/docker.sock');
  assert.is(docker(['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}']).code, 0);
  assert.equal(e2!.docker(['ps', '-aq', '--filter', 'label=com.docker.swarm.service.name']).stdout.trim(), '');
});

Swarm(
  'on two nodes: replicas spread over both engines, every task verified on its own node, rolled out on both',
  async () => {
    assert.ok(e2, `no second engine: ${e2Error}`);
    const addr = docker(['info', '--format', '{{.Swarm.NodeAddr}}']).stdout.trim();
    assert.not.match(addr, /^127\./, `the swarm advertises ${addr}: a second node cannot reach it`);
    registry = startRegistry();
    e2!.forward(Number(registry.addr.split(':')[1]));
    const token = docker(['swarm', 'join-token', '-q', 'worker'], { check: true }).stdout.trim();
    const joined = e2!.docker(['swarm', 'join', '--token', token, `${addr}:2377`]);
    assert.is(joined.code, 0, joined.stderr);
    e2Joined = e2!.docker(['info', '--format', '{{.Swarm.NodeID}}']).stdout.trim();
    const s = stack({ deploy: { target: 'swarm', replicas: 2 } });
    setConfig(s, (c) => {
      c.image.registry = registry!.addr;
      c.swarm.nodeHosts = [e2!.host];
    });
    const first = await deploy(s);
    assert.is(first.code, 0, `${first.error}\n${first.stderr}`);
    const nodes = new Set(runningTasks(s.name).map((t) => t.NodeID));
    assert.is(nodes.size, 2, 'one task on each node');
    assert.ok(nodes.has(e2Joined));
    const via = first.checks.filter((c) => c.id.endsWith(':node')).map((c) => c.actual);
    assert.is(via.length, 2);
    assert.ok(
      via.some((v) => v.includes(`via ${e2!.host}`)),
      via.join(' | '),
    );
    assert.equal(
      first.checks.filter((c) => c.status === 'fail'),
      [],
    );
    assert.match(service(s.name).Spec.TaskTemplate.ContainerSpec.Image, `${registry.addr}/${s.name}@sha256:`);

    const second = await deploy(s);
    assert.is(second.code, 0, `${second.error}\n${second.stderr}`);
    const image = service(s.name).Spec.TaskTemplate.ContainerSpec.Image;
    const tasks = runningTasks(s.name);
    assert.is(tasks.length, 2);
    assert.ok(tasks.every((t) => t.Spec.ContainerSpec.Image === image && t.Status.State === 'running'));
    assert.equal(
      second.checks.filter((c) => c.status === 'fail'),
      [],
    );
    assert.is(second.checks.filter((c) => c.id.endsWith(':node')).length, 2, 'both tasks verified again');
    removeStack(s);
  },
);

Swarm.run();
