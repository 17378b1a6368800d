/**
 * The fleet deploy (deploy.hosts) against two real engines on this machine: the test engine
 * (its own socket URL) and a second, independent engine started by scripts/docker-engine-2.sh
 * (index 3) that pulls from a real local registry through the script's forward relay. One suite,
 * so its tests run in order and build on each other: v1 on both, a v2 that fails on the second
 * engine only, the same with rollbackAll, then the lock. Everything is removed by name and
 * label on both engines; the second engine is purged.
 */
import { appendFileSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LABELS, projectId } from '../../lib/docker/labels.js';
import {
  docker,
  ensureDocker,
  ensureTestImages,
  exampleDir,
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
/** The test engine, addressed like any fleet host. */
const MAIN = process.env['DOCKER_HOST'] || 'unix:///var/run/docker.sock';
const TEST_LABEL = 'io.cloudy-tasks.test=fleet';

// biome-ignore lint/suspicious/noExplicitAny: raw inspect JSON and events.
type Json = any;

const Fleet = suite('fleet deploy (two real engines)');
let registry: LocalRegistry;
let e3: Engine2;
let project: Project;
let other: Project | undefined;
const name = uniqueName('cloudy-fleet');
const volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}`);
const net = `${name}_net`;
const lock = `${name}-fleet-lock`;
const made = new Set<string>();
/** Image id of each version, and the pushed reference of the first. */
const versions: Record<string, string> = {};
let ref1 = '';

const on = (host: string, args: string[]) => docker([`--host=${host}`, ...args], { timeoutMs: 120_000 });
const container = (host: string): Json => {
  const r = on(host, ['container', 'inspect', name]);
  return r.code === 0 ? JSON.parse(r.stdout)[0] : undefined;
};
const markers = (host: string) => on(host, ['ps', '-aq', '--filter', `name=^/${lock}$`]).stdout.trim();

function config(edit: (c: Json) => void = () => {}): string {
  const c: Json = {
    image: { name, registry: registry.addr },
    container: {
      name,
      volumes: volumes.map((v, i) => `${v}:/app/${['data', 'config', 'logs'][i]}`),
      healthTimeoutSeconds: 60,
    },
    deploy: { hosts: [MAIN, e3.host] },
    baseImages: [],
  };
  edit(c);
  return JSON.stringify(c);
}
const configure = (p: Project, edit?: (c: Json) => void) =>
  writeFileSync(path.join(p.dir, '.cloudyrc.json'), config(edit));

/** A new image: the service script (copied into the final image) changes. */
const newVersion = (n: number) => appendFileSync(path.join(project.dir, 'app', 'service.sh'), `\n# version ${n}\n`);

async function run(p: Project, args: string[]) {
  const r = await runCli(p, [...args, '--json'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
    timeoutMs: 400_000,
  });
  return parsed(r);
}

function parsed(r: Awaited<ReturnType<typeof runCli>>) {
  const built = docker(['image', 'inspect', '--format', '{{.Id}}', `${name}:latest`]).stdout.trim();
  if (built) made.add(built);
  const events = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Json);
  const done = (task: string) => events.find((e) => e.task === task && e.type !== 'task-started');
  return {
    ...r,
    done,
    output: (task: string) => done(task)?.output,
    error: String(done('deploy-secure')?.error ?? ''),
  };
}

Fleet.before(() => {
  ensureDocker();
  ensureTestImages();
  registry = startRegistry();
  e3 = startEngine2(3);
  e3.forward(Number(registry.addr.split(':')[1]));
  project = makeProject({ copyFrom: exampleDir, files: { '.cloudyrc.json': '{}' } });
  configure(project);
});

Fleet.after(() => {
  for (const host of [MAIN, e3?.host].filter(Boolean) as string[]) {
    on(host, ['rm', '-f', name, `${name}-previous`, `${name}-next`, lock]);
    on(host, ['network', 'rm', net]);
  }
  removeVolumes(volumes);
  const ours = [project, other].filter(Boolean).map((p) => projectId(p!.dir, name));
  for (const label of ours) {
    const labelled = docker(['images', '-q', '--no-trunc', '--filter', `label=${LABELS.project}=${label}`]).stdout;
    removeImages([...labelled.split('\n').filter(Boolean)]);
  }
  removeImages([`${name}:latest`, `${registry?.addr}/${name}:latest`, ...made]);
  project?.cleanup();
  other?.cleanup();
  e3?.stop();
  registry?.stop();
});

Fleet('push, then a fleet deploy: both engines run the same digest, verified; no lock is left', async () => {
  const pushed = await run(project, ['push']);
  assert.is(pushed.code, 0, pushed.stderr);
  ref1 = pushed.output('push').ref;
  assert.match(ref1, new RegExp(`^${registry.addr}/${name}@sha256:[a-f0-9]{64}$`));
  versions['v1'] = pushed.output('push').imageId;

  const r = await run(project, ['deploy-secure']);
  assert.is(r.code, 0, r.stderr);
  const out = r.output('deploy-secure');
  assert.is(out.engine, 'fleet');
  assert.equal(
    out.hosts.map((h: Json) => [h.host, h.upToDate]),
    [
      [MAIN, false],
      [e3.host, false],
    ],
  );
  for (const h of out.hosts) {
    assert.ok(h.checks.length > 20, `${h.host}: ${h.checks.length} checks`);
    assert.equal(
      h.checks.filter((c: Json) => c.status === 'fail'),
      [],
    );
  }
  assert.match(
    r.done('deploy-secure').summary,
    `${name}: 2 hosts run sha256:${versions['v1']!.slice(7, 19)}, verified`,
  );
  for (const host of [MAIN, e3.host]) {
    const c = container(host);
    assert.is(c.Config.Image, ref1, `${host} runs the digest, never a tag`);
    assert.is(c.Image, versions['v1'], `${host} runs the scanned image id`);
    assert.is(c.State.Health.Status, 'healthy');
    assert.is(markers(host), '', `${host}: the lock marker is removed`);
  }
  // Unchanged: both up to date, nothing replaced.
  const again = await run(project, ['deploy-secure']);
  assert.is(again.code, 0, again.stderr);
  assert.equal(
    again.output('deploy-secure').hosts.map((h: Json) => h.upToDate),
    [true, true],
  );
});

Fleet(
  'a new version failing on the second engine: that engine is rolled back, the first reported as updated',
  async () => {
    const before = { main: container(MAIN).Id, e3: container(e3.host).Id };
    // On the second engine only, someone made the network with ICC and NAT on: verification fails there.
    assert.is(on(e3.host, ['network', 'create', '--label', TEST_LABEL, net]).code, 0);
    newVersion(2);
    configure(project, (c) => {
      c.container.network = { name: net, internal: true };
    });
    const r = await run(project, ['deploy-secure']);
    assert.is(r.code, 1, r.stderr);
    versions['v2'] = container(MAIN).Image;
    assert.is.not(versions['v2'], versions['v1'], 'v2 is a new image');
    assert.match(r.error, `fleet deploy stopped at ${e3.host}: deploy failed: hardening verification of ${name}-next`);
    assert.match(r.error, `; 1 host updated and left on the new version (${MAIN})`);
    assert.match(r.error, `${MAIN}: updated, runs the new version (verified)`);
    assert.match(
      r.error,
      `${e3.host}: FAILED; rollback: the new container was removed; the previous container ${name}`,
    );
    const main = container(MAIN);
    assert.is.not(main.Id, before.main, 'the first engine was replaced');
    assert.is(main.State.Health.Status, 'healthy');
    const back = container(e3.host);
    assert.is(back.Id, before.e3, 'the second engine runs its previous container');
    assert.is(back.Image, versions['v1']);
    assert.is(back.State.Running, true);
    assert.is(on(e3.host, ['ps', '-aq', '--filter', `name=^/${name}-next$`]).stdout.trim(), '');
    for (const host of [MAIN, e3.host]) assert.is(markers(host), '', `${host}: lock released after a failure`);
  },
);

Fleet('deploy.rollbackAll: the hosts already updated are put back too', async () => {
  const before = { main: container(MAIN), e3: container(e3.host) };
  newVersion(3);
  configure(project, (c) => {
    c.container.network = { name: net, internal: true };
    c.deploy.rollbackAll = true;
  });
  const r = await run(project, ['deploy-secure']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.error, `fleet deploy stopped at ${e3.host}:`);
  assert.match(r.error, `; 1 host rolled back (${MAIN})`);
  assert.match(r.error, `${MAIN}: rolled back (deploy.rollbackAll); the previous container ${name} was restored`);
  const main = container(MAIN);
  assert.is(main.Id, before.main.Id, 'the first engine runs its previous container again');
  assert.is(main.Image, versions['v2']);
  assert.is(main.State.Health.Status, 'healthy');
  assert.is(on(MAIN, ['ps', '-aq', '--filter', `name=^/${name}-previous$`]).stdout.trim(), '');
  assert.is(container(e3.host).Id, before.e3.Id);
});

Fleet('a second fleet deploy from another machine while one runs is refused by the lock', async () => {
  // Fixed: the second engine's network is made ours (removed; the deploy creates it hardened).
  assert.is(on(e3.host, ['network', 'rm', net]).code, 0);
  configure(project, (c) => {
    c.container.network = { name: net, internal: true };
    c.deploy.parallel = 2; // both hosts at once
  });
  // "Another machine": another checkout of the project, with its own run lock.
  other = makeProject({
    copyFrom: exampleDir,
    files: { '.cloudyrc.json': readFileSync(path.join(project.dir, '.cloudyrc.json'), 'utf8') },
  });
  const first = startCli(project, ['deploy-secure', '--force', '--json'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
  });
  const finished = collect(first, 400_000);
  await waitFor(() => markers(e3.host) !== '' || first.exitCode !== null, 300_000, { intervalMs: 200 });
  assert.is(first.exitCode, null, 'the first deploy still runs when it holds the lock on both hosts');
  const second = await run(other, ['deploy-secure']);
  const a = parsed(await finished);
  assert.is(second.code, 75, second.stderr);
  assert.match(
    second.stderr,
    new RegExp(`the fleet lock on \\S+ is held by a deploy started on ${hostname()} \\(pid ${first.pid}\\)`),
  );
  assert.match(second.stderr, 'nothing was changed');
  assert.is(a.code, 0, a.stderr);
  assert.equal(
    a.output('deploy-secure').hosts.map((h: Json) => h.replaced),
    [true, true],
  );
  for (const host of [MAIN, e3.host]) {
    assert.is(markers(host), '', `${host}: released`);
    assert.is(container(host).State.Health.Status, 'healthy');
    assert.is(container(host).Image, container(MAIN).Image, 'the same image on both');
  }
});

Fleet("a dead run's marker from this machine is recovered; another machine's is refused with the fix", async () => {
  const digest = container(MAIN).Config.Image as string;
  // The CLI runs in this process's pid namespace: the marker says it was made there.
  const pidns = readlinkSync('/proc/self/ns/pid');
  const marker = (machine: string, pid: number) =>
    on(e3.host, [
      'container',
      'create',
      '--name',
      lock,
      '--network',
      'none',
      '--label',
      TEST_LABEL,
      '--label',
      `${LABELS.project}=${projectId(project.dir, name)}`,
      '--label',
      `${LABELS.fleetLock}=dead-run`,
      '--label',
      `${LABELS.fleetLockMachine}=${machine}`,
      '--label',
      `${LABELS.fleetLockPid}=${pid}`,
      '--label',
      `${LABELS.fleetLockPidNamespace}=${pidns}`,
      '--label',
      `${LABELS.fleetLockStartedAt}=2026-01-01T00:00:00.000Z`,
      '--entrypoint',
      '/none',
      digest,
    ]);
  // A pid that existed and is gone: a finished child.
  const dead = startCli(project, ['--version']);
  await collect(dead, 30_000);
  assert.is(marker(hostname(), dead.pid!).code, 0);
  const recovered = await run(project, ['deploy-secure', '--force', '--verbose']);
  assert.is(recovered.code, 0, recovered.stderr);
  assert.match(recovered.stdout, `removing the fleet lock of a dead run (pid ${dead.pid})`);
  assert.is(markers(e3.host), '');

  assert.is(marker('ci-runner-7', 4242).code, 0);
  const refused = await run(project, ['deploy-secure']);
  assert.is(refused.code, 75, refused.stderr);
  assert.match(refused.stderr, 'is held by a deploy started on ci-runner-7 (pid 4242) at 2026-01-01T00:00:00.000Z');
  assert.match(refused.stderr, `if that run is dead, remove its marker: docker --host ${e3.host} rm ${lock}`);
  assert.is.not(markers(e3.host), '', 'another machine’s marker is never removed for it');
  on(e3.host, ['rm', lock]);
});

Fleet.run();
