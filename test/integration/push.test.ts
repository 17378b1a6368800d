/**
 * push and k8s-manifests against the real engine and a real local registry (Debian's
 * docker-registry on 127.0.0.1): the scanned image reaches the registry under the digest the task
 * outputs, a pull by that digest gives back exactly the scanned image, an unscanned or failing
 * image is never pushed, and the manifests name that digest.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  docker,
  ensureDocker,
  ensureTestImages,
  exampleDir,
  inspect,
  type LocalRegistry,
  removeImages,
  startRegistry,
  uniqueName,
} from '../helpers/docker.js';
import { makeProject, type Project, runCli, trivyFixtures } from '../helpers/rig.js';

const CLEAN = path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden');
const CRITICAL = path.join(trivyFixtures, 'alpine-39.json.golden');

const Push = suite('push and k8s-manifests (real registry)');
let registry: LocalRegistry;
let project: Project;
let name: string;
const made = new Set<string>();

function configure(extra: Record<string, unknown>): void {
  writeFileSync(
    path.join(project.dir, '.cloudyrc.json'),
    JSON.stringify({ image: { name, registry: registry.addr }, container: { name }, baseImages: [], ...extra }),
  );
}

async function run(args: string[], report = CLEAN) {
  const r = await runCli(project, [...args, '--json'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: report },
    timeoutMs: 300_000,
  });
  const built = inspect(`${name}:latest`, 'image') as { Id: string } | undefined;
  if (built) made.add(built.Id);
  const events = r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; task: string; output?: Record<string, unknown>; error?: string });
  const output = (task: string) => events.find((e) => e.task === task && e.type === 'task-succeeded')?.output;
  return { ...r, events, output };
}

async function catalog(): Promise<string[]> {
  const response = await fetch(`http://${registry.addr}/v2/_catalog`);
  return ((await response.json()) as { repositories: string[] }).repositories;
}

Push.before(() => {
  ensureDocker();
  ensureTestImages();
  registry = startRegistry();
  name = uniqueName('cloudy-push');
  project = makeProject({ copyFrom: exampleDir });
  configure({});
});

Push.after(() => {
  removeImages([`${name}:latest`, `${registry.addr}/${name}:latest`, ...made]);
  project.cleanup();
  registry.stop();
});

Push('pushes exactly the scanned image and outputs the digest the registry stored', async () => {
  const r = await run(['push']);
  assert.is(r.code, 0, r.stderr);
  const pushed = r.output('push') as { imageId: string; digest: string; ref: string; repository: string };
  const scanned = r.output('security-scan') as { imageId: string };
  assert.is(pushed.imageId, scanned.imageId);
  assert.match(pushed.digest, /^sha256:[a-f0-9]{64}$/);
  assert.is(pushed.ref, `${registry.addr}/${name}@${pushed.digest}`);
  assert.ok((inspect(pushed.imageId, 'image').RepoDigests as string[]).includes(pushed.ref));
  // What the registry holds under that digest is the scanned image: pull it back by digest alone.
  docker(['rmi', `${registry.addr}/${name}:latest`], { check: true });
  docker(['pull', pushed.ref], { check: true });
  assert.is(inspect(pushed.ref, 'image').Id, pushed.imageId);
  // Nothing changed: the build is up to date, and pushing the same image again gives the same digest.
  const again = await run(['push']);
  assert.is(again.code, 0, again.stderr);
  assert.is((again.output('push') as { imageId: string }).imageId, pushed.imageId, 'no rebuild: the same image');
  assert.is((again.output('push') as { digest: string }).digest, pushed.digest);
});

Push('an image with blocking findings is never pushed', async () => {
  const other = uniqueName('cloudy-push-bad');
  const before = await catalog();
  writeFileSync(
    path.join(project.dir, '.cloudyrc.json'),
    JSON.stringify({ image: { name: other, registry: registry.addr }, container: { name: other }, baseImages: [] }),
  );
  try {
    const r = await run(['push'], CRITICAL);
    assert.is(r.code, 1);
    assert.ok(r.events.some((e) => e.task === 'push' && e.type === 'task-skipped'));
    assert.not.ok((await catalog()).includes(other), 'nothing pushed');
    assert.equal(await catalog(), before);
  } finally {
    removeImages([`${other}:latest`]);
    configure({});
  }
});

Push('without image.registry, or with an unreachable one, push fails with one clear line', async () => {
  writeFileSync(
    path.join(project.dir, '.cloudyrc.json'),
    JSON.stringify({ image: { name }, container: { name }, baseImages: [] }),
  );
  const none = await runCli(project, ['push'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
    timeoutMs: 300_000,
  });
  // Known before anything is built: exit 2, one line naming the key and the fix.
  assert.is(none.code, 2, none.stderr);
  assert.is(
    none.stderr.split('\n')[0],
    `cloudy-tasks: .cloudyrc.json: image.registry: expected a registry to push to, got nothing (set it, e.g. image: { registry: "registry.example.com/team" }, or run deploy-secure without push)`,
  );
  assert.not.match(none.stdout + none.stderr, 'docker build', 'nothing was built');
  configure({});
  writeFileSync(
    path.join(project.dir, '.cloudyrc.json'),
    JSON.stringify({ image: { name, registry: '127.0.0.1:9' }, container: { name }, baseImages: [] }),
  );
  const down = await runCli(project, ['push'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
    timeoutMs: 300_000,
  });
  assert.is(down.code, 1);
  assert.match(down.stderr, /registry unreachable|connection refused/);
  removeImages([`127.0.0.1:9/${name}:latest`]);
  writeFileSync(
    path.join(project.dir, '.cloudyrc.json'),
    JSON.stringify({ image: { name, registry: 'Not A Registry' }, baseImages: [] }),
  );
  const bad = await runCli(project, ['push'], { fakeDocker: false });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /image\.registry: expected a registry host\[:port\]\[\/path\]/);
  configure({});
});

Push('k8s-manifests writes validated manifests naming the pushed digest, under the UMASK', async () => {
  configure({
    container: { name, ports: ['18080:8080'], network: { name: `${name}_net` } },
    kubernetes: { namespace: 'cloudy', outDir: 'deploy/k8s' },
  });
  const r = await run(['k8s-manifests']);
  assert.is(r.code, 0, r.stderr);
  const out = r.output('k8s-manifests') as { file: string; image: string; objects: { kind: string }[] };
  const pushed = r.output('push') as { ref: string };
  assert.is(out.image, pushed.ref);
  assert.is(out.file, path.join(project.dir, 'deploy', 'k8s', `${name}.yaml`));
  assert.equal(
    out.objects.map((o) => o.kind),
    [
      'PersistentVolumeClaim',
      'PersistentVolumeClaim',
      'PersistentVolumeClaim',
      'NetworkPolicy',
      'Deployment',
      'Service',
    ],
  );
  assert.is(statSync(out.file).mode & 0o777, 0o600, 'UMASK 077');
  // biome-ignore lint/suspicious/noExplicitAny: reading the written YAML back.
  const docs = loadAll(readFileSync(out.file, 'utf8')) as any[];
  const deployment = docs.find((d) => d.kind === 'Deployment');
  assert.is(deployment.spec.template.spec.containers[0].image, pushed.ref);
  assert.equal(deployment.spec.template.spec.containers[0].livenessProbe.exec.command, ['/app/cloudy', 'healthcheck']);
  assert.ok(docs.every((d) => d.metadata.namespace === 'cloudy'));
  assert.match(readFileSync(out.file, 'utf8'), `# Apply: kubectl apply -f deploy/k8s/${name}.yaml`);
  // Never outside the project.
  configure({ kubernetes: { outDir: '../elsewhere' } });
  const outside = await run(['k8s-manifests']);
  assert.is(outside.code, 1);
  assert.match(outside.events.find((e) => e.type === 'task-failed')?.error ?? '', 'is outside the project');
  assert.not.ok(existsSync(path.join(project.dir, '..', 'elsewhere')));
  configure({});
});

Push.run();
