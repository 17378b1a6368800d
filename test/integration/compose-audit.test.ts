/**
 * compose-audit on the real compose (docker-compose 1.29, and the v2 command surface): it fails
 * on the security guide's own compose snippet (test/fixtures/compose/guide-compose.yml) naming
 * seccomp and the guide, passes the generated file, and judges the effective config (after
 * `.env` interpolation), not the YAML text.
 */
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { calls, outputOf, surfacePath, which } from '../helpers/compose.js';
import { ensureDocker, uniqueName } from '../helpers/docker.js';
import { fixturesDir } from '../helpers/paths.js';
import { makeProject, type Project, runCli } from '../helpers/rig.js';

const Audit = suite('compose-audit (real compose)');
const projects: Project[] = [];
const dirs: string[] = [];

function project(files: Record<string, string> = {}, devFile = 'docker-compose.yml'): Project {
  const p = makeProject({
    files: {
      '.cloudyrc.json': JSON.stringify({ dev: { file: devFile, project: uniqueName('cloudy-audit') } }),
      ...files,
    },
  });
  projects.push(p);
  return p;
}

const run = (p: Project, args: string[], PATH?: string) =>
  runCli(p, args, { fakeDocker: false, trivy: false, timeoutMs: 120_000, ...(PATH ? { env: { PATH } } : {}) });

Audit.before(() => {
  ensureDocker();
  if (!which('docker-compose')) throw new Error('docker-compose is not installed (apt-get install docker-compose)');
});
Audit.after(() => {
  for (const p of projects) p.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const surface of ['v1', 'v2-surface'] as const) {
  Audit(`${surface}: the guide's compose file fails, naming seccomp and the guide`, async () => {
    const p = project({}, 'guide-compose.yml');
    copyFileSync(path.join(fixturesDir, 'compose', 'guide-compose.yml'), path.join(p.dir, 'guide-compose.yml'));
    const { PATH, log } = surfacePath(surface, dirs);
    const r = await run(p, ['compose-audit'], PATH);
    assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`);
    const headline = r.stderr.split('\n').find((l) => l.includes('checks failed'));
    assert.ok(headline, r.stderr);
    assert.match(headline, "seccomp (CIS 5.22, seccomp unconfined as in the security guide's own compose file)");
    assert.match(r.stderr, "the security guide's own compose file has seccomp:unconfined");
    // Compose v1 ignores the snippet's deploy.resources: no limit is applied.
    assert.match(r.stderr, /memory \(CIS 5\.11\)/);
    assert.match(r.stderr, /ignored by docker[- ]compose 1\.29\.\d+ \(no --compatibility\)/);
    assert.match(r.stderr, /pids-limit \(CIS 5\.29\)/);
    const configCall = calls(log).find((c) => c.includes('config'));
    assert.ok(configCall, 'the effective config was asked for');
    assert.equal(
      configCall.slice(0, surface === 'v1' ? 1 : 2),
      surface === 'v1' ? ['docker-compose'] : ['docker', 'compose'],
    );
  });
}

Audit('the generated file passes, every service, every check', async () => {
  const p = project();
  assert.is((await run(p, ['compose-file'])).code, 0);
  const r = await run(p, ['compose-audit', '--json']);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const out = outputOf<{ services: string[]; checks: { status: string }[] }>(r.stdout, 'compose-audit')!;
  assert.equal(out.services, ['fixture', 'ollama'], 'the app service is named after the project');
  assert.equal(
    out.checks.filter((c) => c.status === 'fail'),
    [],
  );
});

Audit('it reads the effective config: a weakening that only .env interpolation reveals is caught', async () => {
  const p = project({
    'docker-compose.yml': [
      'services:',
      '  app:',
      '    image: cloudy-mc-codeface:latest',
      '    user: "1001:1001"',
      '    read_only: true',
      '    cap_drop: [ALL]',
      '    mem_limit: 512m',
      '    memswap_limit: 512m',
      '    cpus: 1.0',
      '    pids_limit: 64',
      '    network_mode: none',
      '    security_opt:',
      '      - no-new-privileges:true',
      '      - ${EXTRA_SECURITY_OPT:-apparmor=docker-default}',
      '',
    ].join('\n'),
    // compose reads .env from the project directory for interpolation.
    '.env': 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\nEXTRA_SECURITY_OPT=seccomp=unconfined\n',
  });
  const r = await run(p, ['compose-audit']);
  assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /app: seccomp \(CIS 5\.22/);
  const file = await run(project({ 'docker-compose.yml': 'services: [\n' }), ['compose-audit']);
  assert.is(file.code, 1);
  assert.match(file.stderr, /docker-compose 1\.29\.\d+ cannot read docker-compose\.yml/);
});

Audit.run();
