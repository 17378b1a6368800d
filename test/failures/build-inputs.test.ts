/**
 * Build inputs from the command line's side (issue 14): `image.target` and `image.platform` reach
 * `docker build`; `image.secrets` on the legacy builder is refused before anything is built
 * (exit 2, one line naming the key, the value, the rule and the fix); with BuildKit available
 * (`docker buildx version` succeeds) the secret is passed as `--secret` under DOCKER_BUILDKIT=1.
 * The recording docker stand-in answers; no engine is needed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';
import { expectFailure } from './helpers.js';

const Build = suite('failures: build inputs');
const project = useProjects(Build);

const builds = (calls: { cmd: string; argv: string[] }[]) =>
  calls.filter((c) => c.argv[0] === 'build').map((c) => c.argv);

Build('image.target and image.platform reach docker build, each value one argument', async () => {
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ image: { name: 'bi', target: 'runtime', platform: 'linux/amd64' } }) },
  });
  const r = await runCli(p, ['docker']);
  assert.is(r.code, 0, r.stderr);
  const [argv] = builds(p.calls());
  assert.ok(argv, 'built');
  assert.equal(argv.slice(argv.indexOf('--target'), argv.indexOf('--target') + 2), ['--target', 'runtime']);
  assert.equal(argv.slice(argv.indexOf('--platform'), argv.indexOf('--platform') + 2), ['--platform', 'linux/amd64']);
});

Build('image.secrets with only the legacy builder: exit 2 before anything is built', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ image: { name: 'bi', secrets: { npmrc: 'secrets/npmrc' } } }),
      'secrets/npmrc': '//registry.example.com/:_authToken=abc\n',
    },
  });
  const r = await runCli(p, ['deploy-secure']);
  expectFailure(
    r,
    2,
    'cloudy-tasks: .cloudyrc.json: image.secrets: expected BuildKit to pass build secrets (the legacy builder has no --secret), got "npmrc" with the legacy builder: `docker buildx version` failed (docker: unknown command: docker buildx) (install the buildx plugin (docker-buildx-plugin, or docker-buildx on Debian) and unset DOCKER_BUILDKIT=0; or remove image.secrets)',
  );
  assert.equal(builds(p.calls()), [], 'nothing built');
});

Build('image.secrets with BuildKit: --secret id=…,src=… and never the secret itself in argv or output', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ image: { name: 'bi', secrets: { npmrc: 'secrets/npmrc' } } }),
      'secrets/npmrc': 'token-value-4711\n',
    },
  });
  const r = await runCli(p, ['docker', '--verbose'], { env: { FAKE_DOCKER_BUILDX: '1' } });
  assert.is(r.code, 0, r.stderr);
  const [argv] = builds(p.calls());
  assert.ok(argv?.includes(`id=npmrc,src=${p.dir}/secrets/npmrc`), JSON.stringify(argv));
  assert.not.ok(`${r.stdout}${r.stderr}${JSON.stringify(p.calls())}`.includes('token-value-4711'));
});

Build('DOCKER_BUILDKIT=0 refuses build secrets even where BuildKit exists', async () => {
  const p = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ image: { name: 'bi', secrets: { npmrc: 'secrets/npmrc' } } }),
      'secrets/npmrc': 'x\n',
    },
  });
  const r = await runCli(p, ['docker'], { env: { FAKE_DOCKER_BUILDX: '1', DOCKER_BUILDKIT: '0' } });
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /with the legacy builder: DOCKER_BUILDKIT=0 selects the legacy builder/);
});

Build(
  'a secret-looking name in container.env: a preflight warning at its config line, its value masked in the docker run line',
  async () => {
    const p = project({
      files: {
        '.cloudyrc.json': `{\n  "image": { "name": "bi" },\n  "container": {\n    "env": { "API_TOKEN": "tok-998877", "MODE": "fast" }\n  }\n}\n`,
      },
    });
    const checked = await runCli(p, ['preflight']);
    assert.is(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, 'env-secret-name  .cloudyrc.json:4: container.env.API_TOKEN looks like a secret');
    const r = await runCli(p, ['deploy-secure', '--dry-run']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, "--env $'API_TOKEN=***' --env MODE=fast");
    assert.not.match(r.stdout + r.stderr, 'tok-998877');
  },
);

Build.run();
