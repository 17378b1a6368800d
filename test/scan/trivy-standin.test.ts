import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Finding, parseTrivyReport } from '../../lib/scan/parse.js';
import { parseTrivyVersion } from '../../lib/scan/trivy-version.js';
import { trivyFixtures, trivyStandin } from '../helpers/paths.js';

const FIXTURES = trivyFixtures;
const STANDIN = trivyStandin;
const fixture = (file: string) => path.join(FIXTURES, file);

let work = '';

/** Run the stand-in in a scratch directory with only the variables a test sets (no stray `.trivyignore`, no inherited TRIVY_*). */
function trivy(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  const result = spawnSync(process.execPath, [STANDIN, ...args], {
    cwd: work,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function findingsOf(json: string): readonly Finding[] {
  const parsed = parseTrivyReport(JSON.parse(json));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.report.findings;
}
const keys = (list: readonly Finding[]) =>
  list.map((f) => `${f.id} ${f.kind === 'vulnerability' ? f.pkgName : ''}`).sort();
const IMAGE = { TRIVY_STANDIN_REPORT: fixture('alpine-39.json.golden') };

const standin = suite('trivy stand-in');
standin.before(() => {
  // realpath: the child reports its cwd resolved (macOS's /var is a symlink to /private/var).
  work = realpathSync(mkdtempSync(path.join(tmpdir(), 'cloudy-trivy-standin-')));
});
standin.after(() => rmSync(work, { recursive: true, force: true }));

standin("is executable and answers --version in Trivy's format, with the DB date a test sets", () => {
  assert.ok((statSync(STANDIN).mode & 0o111) !== 0, 'the file has an execute bit');
  const direct = spawnSync(STANDIN, ['--version'], { encoding: 'utf8' });
  assert.is(direct.status, 0);
  const lines = direct.stdout.split('\n');
  assert.is(lines[0], 'Version: 0.0.0-standin');
  assert.is(lines[1], 'Vulnerability DB:');
  // Go's time.Time.String() in UTC, as real Trivy prints it.
  assert.match(lines[3]!, /^ {2}UpdatedAt: 2026-11-01 00:00:00 \+0000 UTC$/);
  const parsed = parseTrivyVersion(
    trivy(['--version'], { TRIVY_STANDIN_DB_UPDATED_AT: '2026-12-01T06:30:00Z' }).stdout,
  );
  assert.equal(parsed?.vulnerabilityDb?.updatedAt, '2026-12-01T06:30:00.000Z');
  assert.equal(parsed?.version, '0.0.0-standin');
  const none = parseTrivyVersion(trivy(['--version'], { TRIVY_STANDIN_NO_DB: '1' }).stdout);
  assert.equal(none, { version: '0.0.0-standin' }, 'no DB section when none was downloaded');
});

standin('-o writes the replayed report to the file (byte for byte when nothing is filtered), nothing to stdout', () => {
  const out = path.join(work, 'image.json');
  const r = trivy(['image', '--format', 'json', '-o', out, '--exit-code', '0', '--quiet', 'alpine:3.9'], IMAGE);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.is(readFileSync(out, 'utf8'), readFileSync(fixture('alpine-39.json.golden'), 'utf8'));
});

standin('without -o the report goes to stdout; --output=FILE also works', () => {
  const r = trivy(['image', '-f', 'json', 'alpine:3.9'], IMAGE);
  assert.is(r.code, 0);
  assert.is(findingsOf(r.stdout).length, 6);
  const out = path.join(work, 'eq.json');
  assert.is(trivy(['image', '--format=json', `--output=${out}`, 'alpine:3.9'], IMAGE).code, 0);
  assert.ok(existsSync(out));
});

standin('--exit-code N exits N when findings remain, 0 when there are none', () => {
  assert.is(trivy(['image', '-f', 'json', '--exit-code', '1', 'alpine:3.9'], IMAGE).code, 1);
  assert.is(trivy(['image', '-f', 'json', '--exit-code', '7', 'alpine:3.9'], IMAGE).code, 7);
  assert.is(
    trivy(['image', '-f', 'json', '--exit-code', '1', 'x'], {
      TRIVY_STANDIN_REPORT: fixture('alpine-39-skip.json.golden'),
    }).code,
    0,
  );
  assert.is(
    trivy(['image', '-f', 'json', '--exit-code', '1', 'x'], {
      TRIVY_STANDIN_REPORT: fixture('sl-micro-rancher5.4.json.golden'),
    }).code,
    0,
  );
  assert.is(trivy(['image', '-f', 'json', 'alpine:3.9'], IMAGE).code, 0, 'Trivy exits 0 on findings by default');
});

standin('--severity keeps exactly the listed levels (a set, not a threshold)', () => {
  const high = trivy(['image', '-f', 'json', '--severity', 'HIGH', '--exit-code', '1', 'alpine:3.9'], IMAGE);
  assert.is(high.code, 0, 'alpine-39 has no HIGH, and CRITICAL is not "at or above" for --severity');
  assert.is(findingsOf(high.stdout).length, 0);
  assert.not.ok(
    'Vulnerabilities' in ((JSON.parse(high.stdout) as { Results: object[] }).Results[0] ?? {}),
    'an emptied list is omitted, as Trivy does',
  );
  const critical = trivy(['image', '-f', 'json', '-s', 'CRITICAL', '--exit-code', '1', 'alpine:3.9'], IMAGE);
  assert.is(critical.code, 1);
  assert.equal(
    findingsOf(critical.stdout).map((f) => f.severity),
    ['CRITICAL', 'CRITICAL'],
  );
  assert.is(
    trivy(['image', '-f', 'json', '-s', 'SEVERE', 'alpine:3.9'], IMAGE).code,
    1,
    'an unknown level is a flag error',
  );
});

standin('--severity HIGH,CRITICAL --ignore-unfixed gives what real Trivy gave with those flags', () => {
  const r = trivy(['image', '-f', 'json', '--severity', 'HIGH,CRITICAL', '--ignore-unfixed', 'alpine:3.9'], IMAGE);
  const real = readFileSync(fixture('alpine-39-high-critical.json.golden'), 'utf8');
  assert.equal(keys(findingsOf(r.stdout)), keys(findingsOf(real)));
  const buster = trivy(['image', '-f', 'json', '--ignore-unfixed', 'debian:buster'], {
    TRIVY_STANDIN_REPORT: fixture('debian-buster.json.golden'),
  });
  assert.equal(
    keys(findingsOf(buster.stdout)),
    keys(findingsOf(readFileSync(fixture('debian-buster-ignore-unfixed.json.golden'), 'utf8'))),
  );
});

standin('--ignorefile drops the listed ids (expired entries excepted), like the .trivyignore fixture', () => {
  const ignore = path.join(work, 'ignore.txt');
  writeFileSync(ignore, '# accepted\nCVE-2019-1549\nCVE-2019-14697 exp:2999-01-01\nCVE-2019-1551 exp:2001-01-01\n');
  const r = trivy(['image', '-f', 'json', '--ignorefile', ignore, 'alpine:3.9'], IMAGE);
  assert.is(r.code, 0);
  const real = readFileSync(fixture('alpine-39-ignore-cveids.json.golden'), 'utf8');
  assert.equal(keys(findingsOf(r.stdout)), keys(findingsOf(real)));
  assert.is(
    trivy(['image', '-f', 'json', '--ignorefile', path.join(work, 'missing'), 'a'], IMAGE).code,
    0,
    'a missing ignore file is not an error',
  );
});

standin('reads .trivyignore from the working directory by default', () => {
  const dir = mkdtempSync(path.join(work, 'cwd-'));
  writeFileSync(path.join(dir, '.trivyignore'), 'CVE-2019-14697\n');
  const result = spawnSync(process.execPath, [STANDIN, 'image', '-f', 'json', 'alpine:3.9'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...IMAGE },
    encoding: 'utf8',
  });
  assert.ok(findingsOf(result.stdout).every((f) => f.id !== 'CVE-2019-14697'));
  assert.is(findingsOf(result.stdout).length, 4);
});

standin('crash mode: a FATAL line like Trivy, exit 1, no report written', () => {
  const out = path.join(work, 'crash.json');
  const r = trivy(['image', '-f', 'json', '-o', out, '--exit-code', '0', 'alpine:3.9'], {
    ...IMAGE,
    TRIVY_STANDIN_CRASH: '1',
  });
  assert.is(r.code, 1);
  assert.match(r.stderr, /\tFATAL\tFatal error\t/);
  assert.not.ok(existsSync(out));
});

standin('config: without a report it replays one with no Results; with one it replays that', () => {
  const empty = trivy(['config', '-f', 'json', '--exit-code', '1', work]);
  assert.is(empty.code, 0, empty.stderr);
  const json = JSON.parse(empty.stdout) as Record<string, unknown>;
  assert.equal([json['SchemaVersion'], json['ArtifactType'], 'Results' in json], [2, 'filesystem', false]);
  const helm = trivy(['config', '-f', 'json', '--exit-code', '2', work], {
    TRIVY_STANDIN_CONFIG_REPORT: fixture('helm.json.golden'),
    ...IMAGE,
  });
  assert.is(helm.code, 2);
  assert.is(findingsOf(helm.stdout).length, 18);
});

standin('formats: table is refused, sarif only with a .sarif.golden sibling', () => {
  const table = trivy(['image', 'alpine:3.9'], IMAGE);
  assert.is(table.code, 1, 'Trivy defaults to table, which the stand-in cannot write');
  assert.is(trivy(['image', '-f', 'sarif', 'alpine:3.9'], IMAGE).code, 1);
  const sarif = trivy(['image', '-f', 'sarif', 'alpine:3.10'], {
    TRIVY_STANDIN_REPORT: fixture('alpine-310.json.golden'),
  });
  assert.is(sarif.code, 0);
  assert.is(sarif.stdout, readFileSync(fixture('alpine-310.sarif.golden'), 'utf8'));
});

standin('argument errors exit 1 like Trivy: unknown flag, unknown command, missing target, missing value', () => {
  assert.is(trivy(['image', '--no-such-flag', 'a'], IMAGE).code, 1);
  assert.is(trivy(['fs', '.'], IMAGE).code, 1);
  assert.is(trivy(['image', '-f', 'json'], IMAGE).code, 1);
  assert.is(trivy(['image', 'a', '--output'], IMAGE).code, 1);
  assert.is(trivy(['image', '-f', 'json', '--exit-code', 'x', 'a'], IMAGE).code, 1);
});

standin('STANDIN_LOG gets one JSON line per invocation with argv and cwd', () => {
  const log = path.join(work, 'standin.log');
  trivy(['--version'], { STANDIN_LOG: log });
  trivy(['image', '-f', 'json', 'alpine:3.9'], { ...IMAGE, STANDIN_LOG: log });
  trivy(['image', '--bad'], { ...IMAGE, STANDIN_LOG: log });
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  assert.equal(lines, [
    { cmd: 'trivy', argv: ['--version'], cwd: work },
    { cmd: 'trivy', argv: ['image', '-f', 'json', 'alpine:3.9'], cwd: work },
    { cmd: 'trivy', argv: ['image', '--bad'], cwd: work },
  ]);
});

standin.run();
