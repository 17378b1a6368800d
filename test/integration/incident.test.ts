/**
 * incident against the real engine, on a container deploy-secure started (the Trivy stand-in
 * replays a real report): the evidence folder and its modes, the container stopped and never
 * removed, the scan of that exact image, --no-stop, a symlinked incidents/, a scanner crash, and
 * a second incident that creates a second folder and touches nothing else.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ensureDocker,
  ensureTestImages,
  exampleDir,
  inspect,
  removeContainers,
  removeImages,
  removeVolumes,
  uniqueName,
} from '../helpers/docker.js';
import { makeProject, type Project, runCli, trivyFixtures } from '../helpers/rig.js';

const CLEAN = path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden');
const CRITICAL = path.join(trivyFixtures, 'alpine-39.json.golden');
const FILES = ['image.json', 'inspect.json', 'logs-stderr.txt', 'logs-stdout.txt', 'summary.md', 'trivy-image.json'];

const Incident = suite('incident (real engine)');
let project: Project;
let name: string;
let volumes: string[];
const images = new Set<string>();

const incident = (args: string[] = [], env: Record<string, string> = {}) =>
  runCli(project, ['incident', ...args], {
    fakeDocker: false,
    timeoutMs: 120_000,
    env: { TRIVY_STANDIN_REPORT: CRITICAL, STANDIN_LOG: path.join(project.dir, '.trivy.log'), ...env },
  });
const incidentsDir = () => path.join(project.dir, 'incidents');
const folders = () => readdirSync(incidentsDir()).sort();
/** Every file of a folder with its content hash, mode and mtime: "touched" shows up here. */
const snapshot = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => {
      const full = path.join(dir, f);
      const st = lstatSync(full);
      return [f, createHash('sha256').update(readFileSync(full)).digest('hex'), st.mode, st.mtimeMs];
    });

Incident.before(async () => {
  ensureDocker();
  ensureTestImages();
  name = uniqueName('cloudy-incident');
  volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}`);
  project = makeProject({
    copyFrom: exampleDir,
    files: {
      '.cloudyrc.json': JSON.stringify({
        image: { name },
        container: {
          name,
          volumes: volumes.map((v, i) => `${v}:/app/${['data', 'config', 'logs'][i]}`),
          healthTimeoutSeconds: 60,
        },
        baseImages: [],
      }),
    },
  });
  const r = await runCli(project, ['deploy-secure'], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN },
    timeoutMs: 300_000,
  });
  const built = inspect(`${name}:latest`, 'image') as { Id: string } | undefined;
  if (built) images.add(built.Id);
  if (r.code !== 0) throw new Error(`deploy-secure failed: ${r.stderr}`);
});

Incident.after(() => {
  removeContainers([name, `${name}-previous`]);
  removeImages([`${name}:latest`, ...images]);
  removeVolumes(volumes);
  project?.cleanup();
});

Incident('--no-stop collects everything and leaves the container running', async () => {
  const before = inspect(name);
  const r = await incident(['--no-stop']);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const [folder] = folders();
  assert.ok(folder, 'a folder');
  assert.equal(readdirSync(path.join(incidentsDir(), folder)).sort(), FILES);
  const now = inspect(name);
  assert.is(now.Id, before.Id);
  assert.is(now.State.Running, true, 'not stopped');
  assert.match(readFileSync(path.join(incidentsDir(), folder, 'summary.md'), 'utf8'), '(--no-stop)');
});

Incident('a symlinked incidents/ is refused with one clear line, before anything is stopped', async () => {
  const moved = path.join(project.dir, 'real-incidents');
  mkdirSync(moved);
  const kept = folders();
  // Replace incidents/ by a link to an empty directory.
  renameSync(incidentsDir(), path.join(project.dir, 'incidents.kept'));
  symlinkSync(moved, incidentsDir());
  try {
    const r = await incident();
    assert.is(r.code, 1);
    assert.match(r.stderr, 'refusing incidents: it is a symlink, and incident evidence is never written through one');
    assert.equal(readdirSync(moved), [], 'nothing written through the link');
    assert.is(inspect(name).State.Running, true, 'nothing stopped');
  } finally {
    unlinkSync(incidentsDir());
    renameSync(path.join(project.dir, 'incidents.kept'), incidentsDir());
  }
  assert.equal(folders(), kept);
});

Incident('a scanner crash: everything else is kept, exit 1 names what could not be collected', async () => {
  const r = await incident(['--no-stop'], { TRIVY_STANDIN_CRASH: '1' });
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stderr, /incident recorded in incidents\/\S+, but scan could not be collected \(trivy failed/);
  const folder = folders().at(-1)!;
  const files = readdirSync(path.join(incidentsDir(), folder)).sort();
  assert.equal(files, ['image.json', 'inspect.json', 'logs-stderr.txt', 'logs-stdout.txt', 'summary.md']);
  assert.match(readFileSync(path.join(incidentsDir(), folder, 'summary.md'), 'utf8'), /\*\*scan\*\*: trivy failed/);
  assert.is(inspect(name).State.Running, true);
});

Incident(
  'incident stops the container, keeps it, and records logs, inspect, image and the scan of that image',
  async () => {
    const before = inspect(name);
    const foldersBefore = folders();
    const r = await incident();
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const [folder] = folders().filter((f) => !foldersBefore.includes(f));
    assert.ok(folder, 'a new folder');
    assert.match(folder, /^\d{8}T\d{6}Z(-\d+)?$/);
    const dir = path.join(incidentsDir(), folder);
    assert.is(lstatSync(dir).mode & 0o777, 0o700);
    assert.equal(readdirSync(dir).sort(), FILES);
    for (const f of FILES) assert.is(lstatSync(path.join(dir, f)).mode & 0o777, 0o600, f);

    const after = inspect(name);
    assert.ok(after, 'not removed');
    assert.is(after.Id, before.Id, 'the same container');
    assert.is(after.State.Running, false, 'stopped');
    assert.ok(inspect(volumes[0]!, 'volume'), 'volumes kept');

    const image = JSON.parse(readFileSync(path.join(dir, 'image.json'), 'utf8')) as { id: string };
    assert.is(image.id, before.Image, 'the image the container runs');
    const saved = JSON.parse(readFileSync(path.join(dir, 'inspect.json'), 'utf8')) as {
      Id: string;
      State: { Running: boolean };
    };
    assert.is(saved.Id, before.Id);
    assert.is(saved.State.Running, true, 'inspect taken as found, before the stop');
    const logs = readFileSync(path.join(dir, 'logs-stdout.txt'), 'utf8');
    assert.match(logs, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z cloudy: started/m);

    // Trivy scanned a tag naming exactly that image id, and the tag is gone again.
    const trivy = readFileSync(path.join(project.dir, '.trivy.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[] });
    const scanned = trivy.at(-1)!.argv.at(-1)!;
    assert.is(scanned, `${name}:incident-${before.Image.replace('sha256:', '').slice(0, 12)}`);
    assert.is(inspect(scanned, 'image'), undefined, 'the scan tag was removed');
    assert.is(inspect(`${name}:latest`, 'image').Id, before.Image, 'the image itself stays');

    const summary = readFileSync(path.join(dir, 'summary.md'), 'utf8');
    assert.match(summary, before.Image);
    assert.match(summary, 'Findings: CRITICAL 2');
    assert.match(summary, 'CVE-2019-14697');
    assert.match(summary, 'Everything was collected.');
    assert.match(summary, 'update-base-images rebuild-no-cache security-scan');
    assert.match(summary, '## Findings and remediation');
    assert.match(summary, `stopped by this run (it was running); not removed`);
  },
);

Incident('a second incident creates a second folder and touches nothing else', async () => {
  const before = folders();
  const snapshots = Object.fromEntries(before.map((f) => [f, snapshot(path.join(incidentsDir(), f))]));
  const container = inspect(name);
  const volumeInfo = volumes.map((v) => inspect(v, 'volume').CreatedAt);
  const r = await incident();
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const now = folders();
  assert.is(now.length, before.length + 1);
  for (const f of before) assert.equal(snapshot(path.join(incidentsDir(), f)), snapshots[f], `${f} untouched`);
  const again = inspect(name);
  assert.is(again.Id, container.Id);
  assert.is(again.State.FinishedAt, container.State.FinishedAt, 'not started or stopped again');
  assert.is(again.Image, container.Image);
  assert.equal(
    volumes.map((v) => inspect(v, 'volume').CreatedAt),
    volumeInfo,
  );
  const added = now.find((f) => !before.includes(f))!;
  assert.match(readFileSync(path.join(incidentsDir(), added, 'summary.md'), 'utf8'), 'already exited');
});

Incident.run();
