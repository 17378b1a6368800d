/**
 * rebuild-no-cache with a `compose: { file, service }` config against the real engine: the
 * service is rebuilt through compose without cache, with --pull on a base image from a real
 * local registry, with the build args, and tagged as the service's `image:` (= image.ref).
 *
 * Compose flavours: lib/docker/compose.ts prefers `docker compose` (v2) and falls back to
 * `docker-compose` (v1). Both paths are tested. A flavour that is installed is tested for real;
 * when the v2 plugin is missing (Debian ships only docker-compose 1.29), a `docker` wrapper first
 * on PATH turns `docker compose ...` into `docker-compose ...` and passes every other call to
 * the real docker. That simulates the v2 plugin's CLI surface only, which is the same for what
 * we call (`-f FILE build --no-cache --pull --build-arg K=V SERVICE`); it proves the v2 argv and
 * the selection, not the plugin itself. When v2 is installed, the v1 fallback is exercised by a
 * wrapper that fails `docker compose` as a docker without the plugin does.
 *
 * Every call to docker / docker-compose goes through small recording shims (they log the argv,
 * then exec the real binary), so the test knows which flavour ran with which flags.
 */

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  docker,
  ensureDocker,
  ensureTestImages,
  inspect,
  type LocalRegistry,
  removeImages,
  startRegistry,
  uniqueName,
} from '../helpers/docker.js';
import { makeProject, type Project, type RunResult, runCli } from '../helpers/rig.js';

interface RebuildOutput {
  imageId: string;
  ref: string;
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  noCache: boolean;
  rebuilt: boolean;
}

const Compose = suite('rebuild-no-cache through docker compose (real engine and registry)');
let registry: LocalRegistry;
let base: string;
let baseTopLayer: string;
let realDocker: string;
let realCompose: string | undefined;
let hasV2 = false;
let hasV1 = false;
const images: string[] = [];
const projects: Project[] = [];
const tempDirs: string[] = [];
const TAG = 'v1.2.3';

/** Absolute path of `cmd` on the test process's PATH, or undefined. */
function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, cmd);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync(
    'git',
    ['-c', 'user.name=Cloudy Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    { cwd, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A project whose compose service `app` builds `<unique>:latest` from a Dockerfile FROM the registry base. */
function composeProject(serviceImage?: string): { project: Project; name: string; ref: string } {
  const name = uniqueName('cloudy-compose');
  const ref = `${name}:latest`;
  images.push(ref, `${name}:cached`);
  if (serviceImage) images.push(serviceImage);
  const project = makeProject({
    // The RUN comes before the ARGs so its cache key does not depend on the build args: a cached
    // build reuses its layer, a --no-cache build gets a new random /stamp (a new layer).
    dockerfile: [
      `FROM ${base}`,
      'RUN cat /proc/sys/kernel/random/uuid > /stamp',
      'ARG BUILD_DATE',
      'ARG VCS_REF',
      'ARG VERSION',
      'LABEL build-date=$BUILD_DATE vcs-ref=$VCS_REF version=$VERSION',
      'USER 1001:1001',
      'HEALTHCHECK CMD ["/bin/true"]',
      '',
    ].join('\n'),
    files: {
      '.cloudyrc.json': JSON.stringify({
        image: { name },
        baseImages: [],
        scan: { requireScratch: false },
        compose: { file: 'docker-compose.yml', service: 'app' },
      }),
      'docker-compose.yml': `version: '3.8'\nservices:\n  app:\n    build: .\n    image: ${serviceImage ?? ref}\n`,
    },
  });
  projects.push(project);
  // A git repository with a tag, so VCS_REF and VERSION carry real values.
  git(project.dir, ['init', '-q']);
  git(project.dir, ['add', '-A']);
  git(project.dir, ['commit', '-q', '-m', 'fixture']);
  git(project.dir, ['tag', TAG]);
  return { project, name, ref };
}

type Mode =
  /** Shims that record and exec the real docker and docker-compose; the rest of PATH as is. */
  | 'record'
  /** `docker compose …` is run as `docker-compose …` (simulated v2 plugin). */
  | 'v2-simulated'
  /** `docker compose` fails as on a docker without the plugin; docker-compose still on PATH. */
  | 'no-v2'
  /** `docker compose` fails and PATH holds only the shims, bash and git: no compose at all. */
  | 'none';

/** A bin directory of shims; returns the PATH to use and where the calls are logged. */
function shims(mode: Mode): { PATH: string; log: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-compose-bin-'));
  tempDirs.push(dir);
  const log = path.join(dir, 'calls.log');
  const record = (tool: string) => `{ printf '%s' ${tool}; printf '\\t%s' "$@"; printf '\\n'; } >> '${log}'`;
  const noPlugin = `if [ "$1" = compose ]; then echo "docker: 'compose' is not a docker command." >&2; exit 1; fi`;
  const simulate = `if [ "$1" = compose ]; then shift; exec '${realCompose}' "$@"; fi`;
  const dockerShim = [
    '#!/bin/sh',
    record('docker'),
    mode === 'v2-simulated' ? simulate : mode === 'no-v2' || mode === 'none' ? noPlugin : '',
    `exec '${realDocker}' "$@"`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'docker'), dockerShim);
  chmodSync(path.join(dir, 'docker'), 0o755);
  if (mode !== 'none' && realCompose) {
    writeFileSync(
      path.join(dir, 'docker-compose'),
      ['#!/bin/sh', record('docker-compose'), `exec '${realCompose}' "$@"`, ''].join('\n'),
    );
    chmodSync(path.join(dir, 'docker-compose'), 0o755);
  }
  if (mode === 'none') {
    for (const tool of ['bash', 'git']) {
      const real = which(tool);
      if (real) symlinkSync(real, path.join(dir, tool));
    }
    return { PATH: dir, log };
  }
  return { PATH: [dir, process.env['PATH'] ?? ''].join(path.delimiter), log };
}

function calls(log: string): string[][] {
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
    : [];
}

function outputOf(stdout: string, task: string): unknown {
  const events = stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; task: string; output?: unknown });
  return events.find((e) => e.task === task && e.type === 'task-succeeded')?.output;
}

const runRebuild = (project: Project, PATH: string, json = true): Promise<RunResult> =>
  runCli(project, ['rebuild-no-cache', ...(json ? ['--json'] : [])], {
    fakeDocker: false,
    trivy: false,
    env: { PATH },
    timeoutMs: 300_000,
  });

/** Layers of a plain, cache-using `docker build` of the project (the legacy builder). */
function cachedBuildLayers(project: Project, tag: string): string[] {
  docker(['build', '-q', '-t', tag, project.dir], { check: true, env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 300_000 });
  return inspect(tag, 'image').RootFS.Layers as string[];
}

/**
 * Run rebuild-no-cache through `flavour` and check everything the compose rebuild promises:
 * the compose argv, no plain `docker build`, the tagged image id, the fresh base, no cache, the
 * build args in the image.
 */
async function rebuildsThrough(mode: Mode, flavour: readonly string[]): Promise<void> {
  const { project, name, ref } = composeProject();
  // Fill the build cache for this Dockerfile, and check the cache really is used (the control
  // for the no-cache assertion below).
  const cached = cachedBuildLayers(project, `${name}:cached`);
  assert.equal(
    cachedBuildLayers(project, `${name}:cached`),
    cached,
    'control: a plain docker build reuses the cached RUN layer',
  );

  const { PATH, log } = shims(mode);
  const r = await runRebuild(project, PATH);
  assert.is(r.code, 0, `exit 0\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const out = outputOf(r.stdout, 'rebuild-no-cache') as RebuildOutput | undefined;
  assert.ok(out, `a task-succeeded event for rebuild-no-cache:\n${r.stdout}`);
  assert.is(out.rebuilt, true);
  assert.is(out.noCache, true);
  assert.is(out.ref, ref);

  // Built through compose with the chosen flavour, never by a plain docker build of ours.
  // docker-compose >= 1.28 delegates to `docker build --iidfile FILE …` (COMPOSE_DOCKER_CLI_BUILD
  // defaults to 1): that nested call is compose's, recognisable by --iidfile, which
  // lib/docker/build.ts's buildImage never passes.
  const all = calls(log);
  const composeBuilds = all.filter((c) => c.includes('build') && c.includes('-f'));
  assert.is(composeBuilds.length, 1, `one compose build, got: ${JSON.stringify(composeBuilds)}`);
  const ownDockerBuilds = all.filter((c) => c[0] === 'docker' && c[1] === 'build' && !c.includes('--iidfile'));
  assert.equal(ownDockerBuilds, [], 'no plain docker build');
  const argv = composeBuilds[0]!;
  assert.equal(
    argv.slice(0, flavour.length + 3),
    [...flavour, '-f', 'docker-compose.yml', 'build'],
    `built with ${flavour.join(' ')}: ${argv.join(' ')}`,
  );
  assert.ok(argv.includes('--no-cache') && argv.includes('--pull'), `--no-cache --pull: ${argv.join(' ')}`);
  assert.is(argv.at(-1), 'app', 'the configured service');
  for (const [k, v] of Object.entries(out.buildArgs))
    assert.ok(argv.includes(`${k}=${v}`), `--build-arg ${k}=${v} passed: ${argv.join(' ')}`);
  if (flavour[0] === 'docker')
    assert.not.ok(
      all.some((c) => c[0] === 'docker-compose'),
      'v2 chosen: docker-compose not called directly',
    );

  // The output names the image compose tagged.
  const image = inspect(ref, 'image');
  assert.ok(image, `${ref} exists`);
  assert.is(out.imageId, image.Id as string);

  // Fresh base, no cache: it sits on the registry base's top layer, and the RUN layer is new.
  const layers = image.RootFS.Layers as string[];
  assert.ok(layers.includes(baseTopLayer), 'the rebuilt image contains the base image top layer');
  assert.is(layers.length, cached.length);
  assert.is.not(layers.at(-1), cached.at(-1), 'the RUN step ran again (no cache)');

  // The build args reached the Dockerfile.
  assert.equal(Object.keys(out.buildArgs).sort(), ['BUILD_DATE', 'VCS_REF', 'VERSION']);
  assert.is(out.buildArgs['VERSION'], TAG);
  assert.is(out.buildArgs['VCS_REF'], git(project.dir, ['rev-parse', '--short', 'HEAD']));
  assert.match(out.buildArgs['BUILD_DATE']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const labels = image.Config.Labels as Record<string, string>;
  assert.equal(
    { date: labels['build-date'], ref: labels['vcs-ref'], version: labels['version'] },
    { date: out.buildArgs['BUILD_DATE'], ref: out.buildArgs['VCS_REF'], version: out.buildArgs['VERSION'] },
  );
  assert.is(out.labels['version'], TAG, 'the output carries the image labels');
}

Compose.before(() => {
  ensureDocker();
  ensureTestImages();
  realDocker = which('docker') ?? 'docker';
  realCompose = which('docker-compose');
  hasV2 = docker(['compose', 'version'], { timeoutMs: 30_000 }).code === 0;
  hasV1 = realCompose !== undefined && spawnSync(realCompose, ['version'], { encoding: 'utf8' }).status === 0;
  registry = startRegistry();
  base = `${registry.addr}/${uniqueName('cloudy-compose-base')}:1`;
  images.push(base);
  const ctx = makeProject({ dockerfile: 'FROM cloudy-local/busybox:1\nRUN echo compose-base > /variant\n', env: null });
  try {
    docker(['build', '-q', '-t', base, ctx.dir], { check: true, env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    ctx.cleanup();
  }
  docker(['push', base], { check: true });
  baseTopLayer = inspect(base, 'image').RootFS.Layers.at(-1) as string;
  // --pull must fetch it from the registry: remove the local copy.
  docker(['rmi', base]);
});

Compose.after(() => {
  removeImages(images);
  for (const p of projects) p.cleanup();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  registry?.stop();
});

Compose(
  'docker compose (v2) is preferred: rebuilds without cache, on the fresh base, with the build args',
  async () => {
    if (!hasV2 && !hasV1) {
      console.warn('[compose.test] neither docker compose nor docker-compose is installed: v2 path not tested');
      return;
    }
    // Real plugin when installed; otherwise the wrapper simulating its CLI surface (see the top).
    // Both docker-compose and (simulated) docker compose are on PATH: v2 must win.
    await rebuildsThrough(hasV2 ? 'record' : 'v2-simulated', ['docker', 'compose']);
  },
);

Compose('docker-compose (v1) is the fallback when docker compose is unavailable', async () => {
  if (!hasV1) {
    console.warn('[compose.test] docker-compose (v1) is not installed: v1 fallback not tested');
    return;
  }
  // Without the plugin this is just the real setup; with it, hide the plugin.
  await rebuildsThrough(hasV2 ? 'no-v2' : 'record', ['docker-compose']);
});

Compose('neither docker compose nor docker-compose: exit 1 naming how to install compose, nothing built', async () => {
  const { project, ref } = composeProject();
  const { PATH, log } = shims('none');
  const r = await runRebuild(project, PATH, false);
  assert.is(r.code, 1, `exit 1\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(
    r.stderr,
    /docker compose is not available: install the compose plugin \(docker compose\) or docker-compose/,
  );
  const line = r.stderr.split('\n').find((l) => l.includes('install the compose plugin'));
  assert.ok(line && !line.includes('\t'), `one line: ${line}`);
  assert.ok(
    calls(log).some((c) => c[1] === 'compose'),
    'docker compose was probed',
  );
  assert.not.ok(
    calls(log).some((c) => c.includes('build')),
    'nothing was built',
  );
  assert.is(inspect(ref, 'image'), undefined, 'no image tagged');
});

Compose('a service that tags another image fails instead of passing off an older image.ref as rebuilt', async () => {
  if (!hasV2 && !hasV1) return;
  const other = `${uniqueName('cloudy-compose-other')}:latest`;
  const { project, name, ref } = composeProject(other);
  // image.ref exists from an earlier (cached) build; compose builds `other`.
  docker(['build', '-q', '-t', ref, project.dir], { check: true, env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 300_000 });
  const stale = inspect(ref, 'image').Id as string;
  const r = await runRebuild(project, shims('record').PATH, false);
  assert.is(r.code, 1, `exit 1\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, `compose built service app but ${name}:latest is unchanged`);
  assert.match(r.stderr, `set "image: ${ref}" on the service in docker-compose.yml`);
  assert.ok(inspect(other, 'image'), 'compose did build the service image');
  assert.is(inspect(ref, 'image').Id, stale);
  assert.not.ok(
    existsSync(path.join(project.dir, '.cloudy', 'state.json')) &&
      readFileSync(path.join(project.dir, '.cloudy', 'state.json'), 'utf8').includes(stale),
    'no rebuild recorded for the stale image',
  );
});

Compose.run();
