/**
 * The security-scan task through the CLI: a Trivy stand-in replays real reports; a recording
 * docker stand-in records the docker calls.
 */
import * as fs from 'node:fs';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_TRIVY_IMAGE } from '../../lib/scan/trivy-args.js';
import { runCli, trivyFixtures, trivyStandinDir, useProjects } from '../helpers/rig.js';
import { validateSarif } from '../helpers/sarif-schema.js';

const fixture = (name: string) => path.join(trivyFixtures, name);
const Scan = suite('security-scan task');
const project = useProjects(Scan);

Scan('a clean image passes; reports are written with the UMASK policy and the SARIF is valid', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan'], {
    env: { TRIVY_STANDIN_REPORT: fixture('sl-micro-rancher5.4.json.golden') },
  });
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^\[security-scan\] done in \S+: CRITICAL 0, HIGH 0, MEDIUM 0, LOW 0, UNKNOWN 0; none at or above HIGH$/m,
  );
  const reports = path.join(p.dir, 'reports');
  for (const f of ['trivy-image.json', 'trivy-config.json', 'trivy.sarif', 'scan-summary.json']) {
    assert.is(statSync(path.join(reports, f)).mode & 0o777, 0o600, `${f} respects UMASK 077`);
  }
  assert.equal(validateSarif(JSON.parse(readFileSync(path.join(reports, 'trivy.sarif'), 'utf8'))), []);
  const summary = JSON.parse(readFileSync(path.join(reports, 'scan-summary.json'), 'utf8')) as {
    passed: boolean;
    threshold: string;
    scanner: unknown;
  };
  assert.equal([summary.passed, summary.threshold], [true, 'HIGH']);
  // What made the report, as the scanner reported itself (the stand-in says what it is).
  assert.equal(summary.scanner, {
    tool: 'trivy',
    version: '0.0.0-standin',
    from: path.join(trivyStandinDir, 'trivy'),
    vulnerabilityDbUpdatedAt: '2026-11-01T00:00:00.000Z',
  });
  // The exact built image is scanned through a tag naming its id, removed afterwards.
  const calls = p.calls();
  const tag = calls.find((c) => c.cmd === 'docker' && c.argv[0] === 'tag');
  const scan = calls.find((c) => c.cmd === 'trivy' && c.argv[0] === 'image');
  assert.ok(tag && scan, JSON.stringify(calls.map((c) => [c.cmd, ...c.argv.slice(0, 2)])));
  assert.match(tag!.argv[2]!, /^fixture:scan-[0-9a-f]{12}$/);
  assert.is(scan!.argv.at(-1), tag!.argv[2]);
  assert.ok(calls.some((c) => c.cmd === 'docker' && c.argv[0] === 'rmi' && c.argv[1] === tag!.argv[2]));
});

Scan('a trivy on PATH that reports a known-bad release is refused before anything is built', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan'], {
    env: { TRIVY_STANDIN_REPORT: fixture('sl-micro-rancher5.4.json.golden'), TRIVY_STANDIN_VERSION: '0.69.4' },
  });
  assert.is(r.code, 2, r.stderr);
  assert.is(
    r.stderr.split('\n')[0],
    `cloudy-tasks: refusing trivy 0.69.4 (${path.join(trivyStandinDir, 'trivy')}): it is a compromised release (CVE-2026-33634: its binaries and images were replaced by malicious ones); nothing was scanned. Install another release and verify its checksum, or take it off PATH to use the pinned container (scan.trivyImage)`,
  );
  assert.equal(
    p.calls().map((c) => [c.cmd, c.argv[0]]),
    [['trivy', '--version']],
    'only the version was asked: nothing built, nothing scanned',
  );
});

Scan('a CRITICAL finding fails with counts, a findings table and the report path', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan'], { env: { TRIVY_STANDIN_REPORT: fixture('alpine-39.json.golden') } });
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    /2 findings at or above HIGH in fixture:latest \(CRITICAL 2, HIGH 0, MEDIUM 0, LOW 0, UNKNOWN 0\); full report: .*scan-summary\.json/,
  );
  assert.match(r.stderr, /ID\s+PACKAGE\s+INSTALLED\s+FIXED\s+SEVERITY\s+TARGET/);
  assert.match(r.stderr, /CVE-2019-14697\s+musl/);
});

Scan('failOn MEDIUM blocks the MEDIUM findings too; an ignore file lets the CRITICAL ones through', async () => {
  const strict = project({
    files: {
      '.cloudyrc.json': JSON.stringify({ scan: { failOn: 'MEDIUM', severity: ['MEDIUM', 'HIGH', 'CRITICAL'] } }),
    },
  });
  const r = await runCli(strict, ['security-scan', '--json'], {
    env: { TRIVY_STANDIN_REPORT: fixture('alpine-310.json.golden') },
  });
  assert.is(r.code, 1);
  assert.match(r.stdout, '"blocking":4');
  const ignoring = project({ files: { '.trivyignore': '# accepted until the musl update\nCVE-2019-14697\n' } });
  const ok = await runCli(ignoring, ['security-scan'], {
    env: { TRIVY_STANDIN_REPORT: fixture('alpine-39-high-critical.json.golden') },
  });
  assert.is(ok.code, 0, ok.stderr);
  const trivy = ignoring.calls().find((c) => c.cmd === 'trivy' && c.argv[0] === 'image');
  assert.ok(trivy?.argv.includes('--ignorefile'), 'the ignore file is passed explicitly');
});

Scan('a Trivy crash is a scanner error, not findings', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan'], { env: { TRIVY_STANDIN_CRASH: '1' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'trivy failed with exit code 1 (a scanner error, not findings)');
  assert.not.match(r.stderr, 'at or above');
});

Scan('scan.timeout is enforced: a hanging scanner is killed with its process group, and the run says so', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ scan: { timeout: '2s' } }) } });
  const pidFile = path.join(p.dir, 'sleeper.pid');
  const started = Date.now();
  const r = await runCli(p, ['security-scan'], {
    env: { TRIVY_STANDIN_HANG: '20', TRIVY_STANDIN_HANG_PIDFILE: pidFile },
  });
  const took = Date.now() - started;
  assert.is(r.code, 1, r.stderr);
  const first = r.stderr.split('\n')[0]!;
  const command = `trivy image --format json --output ${path.join(p.dir, 'reports', 'trivy-image.json')} --exit-code 0 --quiet --severity $'CRITICAL,HIGH' --timeout 2s fixture:scan-`;
  const prefix = `: trivy image timed out after 2s and was killed (with its process group): ${command}`;
  assert.match(first, /^\[security-scan\] FAILED after \d+(\.\d+)?s: /);
  assert.ok(first.includes(prefix) && /fixture:scan-[0-9a-f]{12}$/.test(first), first);
  assert.not.match(r.stderr, 'exit code 0');
  assert.ok(took < 15_000, `the run ended long before the 20 s hang (took ${took} ms)`);
  // The grandchild in the scanner's process group is gone too.
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  let alive = true;
  for (let i = 0; i < 20 && alive; i++) {
    try {
      process.kill(sleeper, 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } catch {
      alive = false;
    }
  }
  assert.not.ok(alive, `the scanner's grandchild ${sleeper} was killed`);
});

Scan('no trivy binary and no pullable container: one line saying how to install it, before any build', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan'], { trivy: false, env: { FAKE_DOCKER_MISSING: DEFAULT_TRIVY_IMAGE } });
  assert.is(r.code, 1);
  assert.match(r.stderr.split('\n')[0]!, /^cloudy-tasks: trivy is not available: .*install trivy/);
  assert.ok(
    p.calls().some((c) => c.argv[0] === 'pull' && c.argv.includes(DEFAULT_TRIVY_IMAGE)),
    'the official container was tried',
  );
  assert.not.ok(
    p.calls().some((c) => c.argv[0] === 'build'),
    'no image was built that no scanner could check',
  );
});

Scan('without a trivy binary the official container runs with the socket, a cache and the project', async () => {
  const p = project();
  const r = await runCli(p, ['security-scan', '--dry-run'], { trivy: false });
  assert.is(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.includes(`${DEFAULT_TRIVY_IMAGE} image`));
  assert.ok(line, r.stdout);
  assert.match(line!, '-v /var/run/docker.sock:/var/run/docker.sock');
  assert.match(line!, '-v cloudy_trivy_cache:/root/.cache/');
  assert.match(line!, `-v ${p.dir}:${p.dir}:ro`);
});

Scan('secret values found by Trivy never reach the kept reports or the output', async () => {
  const p = project();
  const raw = readFileSync(fixture('secrets.json.golden'), 'utf8');
  assert.match(raw, 'ghp_', 'the fixture holds a clear-text token in a context line');
  const r = await runCli(p, ['security-scan'], { env: { TRIVY_STANDIN_REPORT: fixture('secrets.json.golden') } });
  assert.is(r.code, 1);
  for (const f of ['trivy-image.json', 'trivy.sarif', 'scan-summary.json']) {
    assert.not.match(readFileSync(path.join(p.dir, 'reports', f), 'utf8'), 'ghp_', f);
  }
  assert.not.match(r.stdout + r.stderr, 'ghp_');
  assert.match(r.stderr, 'aws-access-key-id');
});

Scan('a .dockerignore that misses .env fails the preflight naming .env, before any build', async () => {
  const p = project({ files: { '.env.local': 'X=1\n' } });
  // Replace the rig's .dockerignore with one that forgets the env files.
  fs.writeFileSync(path.join(p.dir, '.dockerignore'), '.git/\n');
  const r = await runCli(p, ['docker']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /\.env\b/);
  assert.match(r.stderr, 'preflight');
  assert.not.ok(
    p.calls().some((c) => c.argv[0] === 'build'),
    'no build started',
  );
});

Scan('the scheduled job scans the image rebuilt without cache, built once', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ baseImages: ['alpine:latest'] }) } });
  const r = await runCli(p, ['update-base-images', 'rebuild-no-cache', 'security-scan', '--json'], {
    env: { TRIVY_STANDIN_REPORT: fixture('sl-micro-rancher5.4.json.golden') },
  });
  assert.is(r.code, 0, r.stderr);
  const calls = p.calls();
  const builds = calls.filter((c) => c.argv[0] === 'build');
  assert.is(builds.length, 1, 'one build');
  assert.ok(builds[0]!.argv.includes('--no-cache') && builds[0]!.argv.includes('--pull'));
  const order = calls.map((c) => `${c.cmd} ${c.argv[0]}`);
  assert.ok(
    order.indexOf('docker pull') < order.indexOf('docker build') &&
      order.indexOf('docker build') < order.indexOf('trivy image'),
    order.join(', '),
  );
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; task: string; output?: { imageId?: string } });
  const rebuilt = events.find((e) => e.task === 'rebuild-no-cache' && e.type === 'task-succeeded')?.output?.imageId;
  const scanned = events.find((e) => e.task === 'security-scan' && e.type === 'task-succeeded')?.output?.imageId;
  assert.ok(rebuilt && rebuilt === scanned, `${rebuilt} scanned as ${scanned}`);
});

Scan.run();
