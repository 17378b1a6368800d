/**
 * Issue 14, item 6: `container.env` / `container.envFile` and `image.target` / `platform` /
 * `secrets`, from the config to every place they reach (docker run argv, the run spec, compose,
 * Swarm, Kubernetes, docker build argv, the build fingerprint), and what is refused at load time.
 * Pure but for temp files; the real engine is in test/integration/container-env.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { serviceFromRunArgs } from '../../lib/compose/service.js';
import { envFileValues } from '../../lib/config/env-file.js';
import { loadConfig } from '../../lib/config/load.js';
import { resolveConfig } from '../../lib/config/resolve.js';
import { describeSettingChanges, runSettings, runSpecHash } from '../../lib/deploy/run-spec.js';
import { buildInputFlags, detectBuilder, secretsNeedBuildKit } from '../../lib/docker/builder.js';
import { describeChanges } from '../../lib/docker/fingerprint.js';
import { preflight } from '../../lib/docker/preflight.js';
import type { TaskContext } from '../../lib/engine/task.js';
import { runArgs } from '../../lib/hardening/run-args.js';
import { manifests, unenforced } from '../../lib/kubernetes/manifests.js';
import { formatFailure } from '../../lib/render/failure.js';
import { makeRedactor } from '../../lib/render/redact.js';
import { createArgs, desiredShape, shapeDrift, shapeOf, updateArgs } from '../../lib/swarm/spec.js';

const Inputs = suite('container and build inputs');
let dirs: string[] = [];
const project = (files: Record<string, string>): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cloudy-inputs-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'package.json'), '{"name":"inputs"}\n');
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
};
Inputs.after.each(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const load = async (dir: string) => loadConfig({ cwd: dir, selfEntry: path.resolve('index.ts') });
const firstLines = (r: Awaited<ReturnType<typeof load>>): string[] =>
  r.ok ? [] : r.error.map((f) => formatFailure(f).split('\n')[0]!);

Inputs('env and envFile reach docker run as --env NAME=value and --env-file PATH, one argv element each', () => {
  const c = resolveConfig(
    { container: { env: { LOG_LEVEL: 'debug', MODE: 'a b; touch /x' }, envFile: 'app.env' } },
    '/p',
  );
  assert.is(c.container.envFile, '/p/app.env');
  const argv = runArgs(c.container, 'sha256:abc', 'app');
  const at = argv.indexOf('--env');
  assert.equal(argv.slice(at, at + 4), ['--env', 'LOG_LEVEL=debug', '--env', 'MODE=a b; touch /x']);
  assert.equal(argv.slice(argv.indexOf('--env-file'), argv.indexOf('--env-file') + 2), ['--env-file', '/p/app.env']);
  assert.is(argv.at(-1), 'sha256:abc');
});

Inputs(
  'the run spec: unchanged without env (old containers keep their hash), changed by env and by the env file content',
  () => {
    const base = resolveConfig({}, '/p').container;
    const withEnv = resolveConfig({ container: { env: { A: '1' } } }, '/p').container;
    const otherEnv = resolveConfig({ container: { env: { A: '2' } } }, '/p').container;
    const withFile = resolveConfig({ container: { envFile: 'app.env' } }, '/p').container;
    // The hash of a policy without the new keys is the one it had before they existed.
    assert.is(runSpecHash(base), runSpecHash({ ...base, env: {} }));
    assert.not.ok(JSON.stringify(runSettings(base)).includes('container.env'));
    assert.is.not(runSpecHash(withEnv), runSpecHash(base));
    assert.is.not(runSpecHash(withEnv), runSpecHash(otherEnv));
    const one = runSpecHash(withFile, { envFileSha256: `sha256:${'1'.repeat(64)}` });
    const two = runSpecHash(withFile, { envFileSha256: `sha256:${'2'.repeat(64)}` });
    assert.is.not(one, two);
    const changes = describeSettingChanges(
      runSettings(withFile, { envFileSha256: `sha256:${'1'.repeat(64)}` }),
      runSettings(withFile, { envFileSha256: `sha256:${'2'.repeat(64)}` }),
    );
    assert.equal(changes, [`container.envFile /p/app.env (sha256:111111111111) → /p/app.env (sha256:222222222222)`]);
  },
);

Inputs('--explain never shows a value of a secret-looking name in container.env', () => {
  const c = resolveConfig({ container: { env: { API_TOKEN: 'tok-123456', MODE: 'fast' } } }, '/p').container;
  assert.is(runSettings(c)['container.env'], 'API_TOKEN=***, MODE=fast');
});

Inputs('compose: environment and env_file, by path like docker run', () => {
  const c = resolveConfig({ container: { env: { LOG_LEVEL: 'debug' }, envFile: 'app.env' } }, '/p');
  const { service } = serviceFromRunArgs(runArgs(c.container, 'app:latest', 'app'));
  assert.equal(service['environment'], { LOG_LEVEL: 'debug' });
  assert.equal(service['env_file'], ['/p/app.env']);
});

Inputs('swarm: --env on create, --env-rm/--env-add on update, env read back and compared', () => {
  const c = resolveConfig({ container: { env: { A: '1', B: '2' } }, deploy: { target: 'swarm' } }, '/p');
  const plan = {
    name: 'app',
    image: `sha256:${'a'.repeat(64)}`,
    policy: c.container,
    replicas: 1,
    reservations: c.deploy.reservations,
    restartMaxAttempts: 5,
    monitorSeconds: 5,
    networks: [],
    labels: {},
  };
  const create = createArgs(plan);
  assert.ok(create.join(' ').includes('--env A=1 --env B=2'));
  const current = { Spec: { TaskTemplate: { ContainerSpec: { Env: ['OLD=x', 'A=0'] } } } };
  const update = updateArgs(plan, shapeOf(current), current);
  assert.ok(update.join(' ').includes('--env-rm OLD --env-add A=1 --env-add B=2'), update.join(' '));
  assert.not.ok(update.includes('A'), 'a name still wanted is replaced by --env-add, not removed');
  assert.equal(desiredShape(plan).env, ['A=1', 'B=2']);
  assert.ok(shapeDrift(desiredShape(plan), shapeOf(current)).includes('env'));
});

Inputs('kubernetes: env as plain values; the env file as a Secret reference, never its values', () => {
  const c = resolveConfig({ container: { env: { LOG_LEVEL: 'debug' }, envFile: 'app.env' } }, '/p');
  const objects = manifests({
    name: 'app',
    namespace: undefined,
    image: `r/app@sha256:${'a'.repeat(64)}`,
    policy: c.container,
    replicas: 1,
    reservations: c.deploy.reservations,
    healthcheck: { Test: ['CMD', '/app', 'health'] },
    labels: {},
    storage: '1Gi',
    storageClassName: undefined,
    serviceType: 'ClusterIP',
  }) as unknown as { kind: string; spec: { template: { spec: { containers: Record<string, unknown>[] } } } }[];
  const deployment = objects.find((o) => o.kind === 'Deployment');
  assert.not.ok(JSON.stringify(objects).includes('app.env'), 'the env file is not named in the objects');
  const container = deployment!.spec.template.spec.containers[0]!;
  assert.equal(container['env'], [{ name: 'LOG_LEVEL', value: 'debug' }]);
  assert.equal(container['envFrom'], [{ secretRef: { name: 'app-env' } }]);
  assert.ok(unenforced(c.container).some((n) => n.includes('kubectl create secret generic')));
});

Inputs(
  'load time: a missing env file, a bad line, Swarm with an env file, a missing build secret, bad names: exit 2 lines',
  async () => {
    const missing = project({ '.cloudyrc.json': JSON.stringify({ container: { envFile: 'nope.env' } }) });
    assert.equal(firstLines(await load(missing)), [
      `.cloudyrc.json: container.envFile: expected a file in Docker's env-file format (NAME=value lines), got "nope.env" (the file does not exist; create it (mode 600) or fix the path)`,
    ]);
    const bad = project({
      '.cloudyrc.json': JSON.stringify({ container: { envFile: 'app.env' } }),
      'app.env': '# ok\nGOOD=s3cret-value\nBAD NAME=s3cret-value\n',
    });
    const badLines = firstLines(await load(bad));
    assert.ok(badLines[0]?.includes('line 3: variable name "BAD NAME" contains whitespace'), badLines[0]);
    assert.not.ok(badLines.join('\n').includes('s3cret-value'), 'a value is never quoted');
    const swarm = project({
      '.cloudyrc.json': JSON.stringify({
        container: { envFile: 'app.env' },
        deploy: { target: 'swarm' },
        swarm: { allowUnsupported: ['no-new-privileges', 'memory-swap', 'network-none', 'icc'] },
      }),
      'app.env': 'A=1\n',
    });
    assert.ok(firstLines(await load(swarm)).some((l) => l.includes('no env file with deploy.target "swarm"')));
    const secret = project({ '.cloudyrc.json': JSON.stringify({ image: { secrets: { npmrc: 'missing/npmrc' } } }) });
    assert.equal(firstLines(await load(secret)), [
      `.cloudyrc.json: image.secrets["npmrc"]: expected the path of an existing file, got "missing/npmrc" (the file does not exist; create it or fix the path)`,
    ]);
    const names = project({
      '.cloudyrc.json': JSON.stringify({
        container: { env: { '-e': 'x' } },
        image: { platform: 'amd64', target: '-x' },
      }),
    });
    const nameLines = firstLines(await load(names));
    assert.ok(
      nameLines.some((l) => l.includes('container.env["-e"]: expected a variable name')),
      nameLines.join('\n'),
    );
    assert.ok(nameLines.some((l) => l.includes('image.platform: expected a platform os/arch[/variant]')));
    assert.ok(nameLines.some((l) => l.includes('image.target: expected a build stage name')));
  },
);

Inputs(
  'build: --target, --platform and --secret id=…,src=… reach docker build; the fingerprint names what changed',
  () => {
    const c = resolveConfig(
      { image: { target: 'runtime', platform: 'linux/amd64', secrets: { npmrc: 's/npmrc' } } },
      '/p',
    );
    assert.equal(buildInputFlags(c.image), [
      '--target',
      'runtime',
      '--platform',
      'linux/amd64',
      '--secret',
      'id=npmrc,src=/p/s/npmrc',
    ]);
    assert.equal(buildInputFlags(resolveConfig({}, '/p').image), []);
    const inputs = {
      format: 1 as const,
      context: '.',
      dockerfile: 'Dockerfile',
      dockerfileHash: 'x',
      files: {},
      buildArgs: {},
      target: null,
      platform: null,
      baseImages: {},
    };
    assert.equal(describeChanges(inputs, { ...inputs, target: 'runtime', platform: 'linux/arm64' }), [
      'target (none) → runtime',
      'platform (default) → linux/arm64',
    ]);
    assert.equal(describeChanges(inputs, { ...inputs, secrets: { npmrc: 's/npmrc' } }), [
      'build secrets (none) → npmrc',
    ]);
  },
);

/** A task context whose docker answers `buildx version` as told. */
const builderCtx = (env: Record<string, string>, buildx: boolean, calls: string[] = []): TaskContext => {
  const $ = Object.assign(
    async (_pieces: TemplateStringsArray, ...values: unknown[]) => {
      calls.push(values.flat().join(' '));
      return buildx
        ? { exitCode: 0, stdout: 'github.com/docker/buildx v0.17.1 abc\n', stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'docker: unknown command: docker buildx\n' };
    },
    { with: () => $ },
  );
  return {
    env,
    $,
    config: resolveConfig({ image: { secrets: { npmrc: 'npmrc' } } }, '/p'),
  } as unknown as TaskContext;
};

Inputs(
  'BuildKit detection: DOCKER_BUILDKIT=0 wins; else docker buildx version decides (DOCKER_BUILDKIT=1 alone does not)',
  async () => {
    const calls: string[] = [];
    assert.equal(await detectBuilder(builderCtx({ DOCKER_BUILDKIT: '0' }, true, calls)), {
      kind: 'legacy',
      why: 'DOCKER_BUILDKIT=0 selects the legacy builder',
    });
    assert.equal(calls, [], 'no probe when the user chose the legacy builder');
    assert.is((await detectBuilder(builderCtx({}, true))).kind, 'buildkit');
    assert.is((await detectBuilder(builderCtx({ DOCKER_BUILDKIT: '1' }, false))).kind, 'legacy');
    const refused = await secretsNeedBuildKit(builderCtx({}, false));
    assert.ok(refused);
    assert.is(
      formatFailure(refused),
      'image.secrets: expected BuildKit to pass build secrets (the legacy builder has no --secret), got "npmrc" with the legacy builder: `docker buildx version` failed (docker: unknown command: docker buildx) (install the buildx plugin (docker-buildx-plugin, or docker-buildx on Debian) and unset DOCKER_BUILDKIT=0; or remove image.secrets)',
    );
    assert.is(await secretsNeedBuildKit(builderCtx({}, true)), undefined);
  },
);

Inputs('preflight: the env file or a build secret in the context is an error; our own folders a warning', async () => {
  const dir = project({ Dockerfile: 'FROM scratch\nUSER 1001:1001\nHEALTHCHECK CMD ["/a"]\n', 'app.env': 'A=1\n' });
  for (const d of ['.cloudy', 'node_modules', 'reports']) {
    const sub = path.join(dir, d);
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'f'), 'x'.repeat(1_500_000));
  }
  writeFileSync(path.join(dir, '.dockerignore'), 'reports/\n');
  const findings = await preflight({
    contextDir: dir,
    dockerfile: path.join(dir, 'Dockerfile'),
    secretFiles: [{ key: 'container.envFile', file: path.join(dir, 'app.env') }],
    ownDirs: [path.join(dir, '.cloudy'), path.join(dir, 'reports'), path.join(dir, 'node_modules')],
  });
  const byRule = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.message);
  assert.equal(byRule('context-secret'), [
    'app.env: container.envFile is in the build context, so the daemon receives it and any COPY can bake its values into a layer; fix: add `app.env` to .dockerignore',
  ]);
  assert.ok(
    byRule('context-tool-files').includes(
      "node_modules/: cloudy-tasks' own `node_modules/` (1 file, 1.5 MB) is in the build context, so every build sends it and a `COPY . .` layer changes with every run; fix: add `node_modules/` to .dockerignore",
    ),
  );
  assert.equal(
    findings
      .filter((f) => f.rule === 'context-tool-files')
      .map((f) => f.file)
      .sort(),
    ['.cloudy/', 'node_modules/'],
  );
});

Inputs('masking: every value of the env file is masked, whatever its name, and a passed-through variable too', () => {
  const dir = project({ 'app.env': '# c\nPLAIN=plain-value-1\n  INDENTED=indented-value\nPASSED\nEMPTY=\n' });
  assert.equal(envFileValues(path.join(dir, 'app.env'), { PASSED: 'from-our-env' }), [
    'plain-value-1',
    'indented-value',
    'from-our-env',
  ]);
  const mask = makeRedactor({}, ['hunter2-value', 'x']);
  assert.is(mask('token hunter2-value seen'), 'token *** seen');
});

Inputs.run();
