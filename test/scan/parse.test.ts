import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { gate } from '../../lib/scan/gate.js';
import {
  countBySeverity,
  type Finding,
  type ParsedReport,
  parseTrivyReport,
  toSeverity,
} from '../../lib/scan/parse.js';
import { SEVERITIES, type Severity } from '../../lib/scan/severity.js';
import { trivyFixtures } from '../helpers/paths.js';

const FIXTURES = trivyFixtures;
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

type Levels = readonly [number, number, number, number, number]; // C/H/M/L/U, as in the MANIFEST
const Z: Levels = [0, 0, 0, 0, 0];
interface Row {
  readonly schema: ParsedReport['schema'];
  readonly artifactType: string | undefined;
  readonly results: number;
  readonly vulns: Levels;
  readonly misconfFail: Levels;
  readonly secrets: Levels;
}
const row = (
  schema: Row['schema'],
  artifactType: string | undefined,
  results: number,
  vulns: Levels,
  misconfFail: Levels = Z,
  secrets: Levels = Z,
): Row => ({
  schema,
  artifactType,
  results,
  vulns,
  misconfFail,
  secrets,
});

/** Transcribed from test/fixtures/trivy/MANIFEST.md (counted there with jq, independently of this parser). */
const MANIFEST: Readonly<Record<string, Row>> = {
  'alpine-310.json.golden': row('v2', 'container_image', 1, [0, 0, 4, 0, 0]),
  'alpine-39-high-critical.json.golden': row('v2', 'container_image', 1, [2, 0, 0, 0, 0]),
  'alpine-39-ignore-cveids.json.golden': row('v2', 'container_image', 1, [0, 0, 2, 0, 0]),
  'alpine-39-skip.json.golden': row('v2', 'container_image', 0, Z),
  'alpine-39.json.golden': row('v2', 'container_image', 1, [2, 0, 4, 0, 0]),
  'debian-buster-ignore-unfixed.json.golden': row('v2', 'container_image', 1, [1, 0, 0, 0, 0]),
  'debian-buster.json.golden': row('v2', 'container_image', 1, [1, 0, 0, 1, 0]),
  'dockerfile.json.golden': row('v2', 'repository', 1, Z, [0, 1, 0, 0, 0]),
  'fluentd-gems.json.golden': row('v2', 'container_image', 2, [1, 1, 0, 0, 0]),
  'gomod.json.golden': row('v2', 'repository', 3, [0, 0, 1, 0, 4]),
  'helm.json.golden': row('v2', 'repository', 1, Z, [0, 3, 4, 11, 0]),
  'helm_testchart.json.golden': row('v2', 'repository', 3, Z, [0, 1, 3, 2, 0]),
  'npm.json.golden': row('v2', 'repository', 1, [0, 0, 1, 0, 0]),
  'secrets.json.golden': row('v2', 'repository', 1, Z, Z, [1, 1, 0, 0, 0]),
  'sl-micro-rancher5.4.json.golden': row('v2', 'container_image', 1, Z),
  'ubuntu-1804.json.golden': row('v2', 'container_image', 1, [0, 0, 4, 1, 0]),
  'legacy/v0.18.3/alpine-39.json.golden': row('legacy-array', undefined, 1, [2, 0, 6, 2, 0]),
  'legacy/v0.30.0/dockerfile.json.golden': row('v2', 'filesystem', 1, Z, [0, 1, 0, 0, 0]),
};

const levels = (findings: readonly Finding[], kind: Finding['kind']): number[] => {
  const counts = countBySeverity(findings.filter((f) => f.kind === kind));
  return SEVERITIES.map((s) => counts[s]);
};

function parseFixture(file: string): ParsedReport {
  const parsed = parseTrivyReport(readJson(file));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problem}`);
  return parsed.report;
}

const fixtures = suite('parseTrivyReport on every fixture');

fixtures('the table covers every JSON fixture on disk (a new fixture must be added to it)', () => {
  const onDisk = [
    ...readdirSync(FIXTURES).filter((f) => f.endsWith('.json.golden')),
    ...readdirSync(path.join(FIXTURES, 'legacy')).flatMap((v) =>
      readdirSync(path.join(FIXTURES, 'legacy', v))
        .filter((f) => f.endsWith('.json.golden'))
        .map((f) => `legacy/${v}/${f}`),
    ),
  ].sort();
  assert.equal(onDisk, Object.keys(MANIFEST).sort());
});

for (const [file, expected] of Object.entries(MANIFEST)) {
  fixtures(`${file}: counts per kind and severity match the MANIFEST`, () => {
    const report = parseFixture(file);
    assert.is(report.schema, expected.schema);
    assert.is(report.artifactType, expected.artifactType);
    assert.is(report.resultCount, expected.results);
    assert.equal(levels(report.findings, 'vulnerability'), [...expected.vulns], 'vulnerabilities C/H/M/L/U');
    assert.equal(
      levels(report.findings, 'misconfiguration'),
      [...expected.misconfFail],
      'failed misconfigurations C/H/M/L/U',
    );
    assert.equal(levels(report.findings, 'secret'), [...expected.secrets], 'secrets C/H/M/L/U');
  });

  fixtures(`${file}: a failOn HIGH gate blocks exactly the CRITICAL and HIGH findings`, () => {
    const report = parseFixture(file);
    const criticalAndHigh = [expected.vulns, expected.misconfFail, expected.secrets].reduce(
      (n, l) => n + l[0] + l[1],
      0,
    );
    const decision = gate(report.findings, { failOn: 'HIGH' });
    assert.is(decision.blocking.length, criticalAndHigh);
    assert.is(decision.pass, criticalAndHigh === 0);
    assert.is(decision.ignored, 0);
  });
}

const shapes = suite('parseTrivyReport field handling');

shapes('debian-buster: the affected bash CVE has no fixed version; the libidn2 one has', () => {
  const vulns = parseFixture('debian-buster.json.golden').findings.filter((f) => f.kind === 'vulnerability');
  const bash = vulns.find((v) => v.id === 'CVE-2019-18276');
  const idn = vulns.find((v) => v.id === 'CVE-2019-18224');
  assert.ok(bash && bash.kind === 'vulnerability' && idn && idn.kind === 'vulnerability');
  assert.equal([bash.pkgName, bash.severity, bash.status, bash.fixedVersion], ['bash', 'LOW', 'affected', undefined]);
  assert.equal(
    [idn.pkgName, idn.severity, idn.status, idn.fixedVersion],
    ['libidn2-0', 'CRITICAL', 'fixed', '2.0.5-1+deb10u1'],
  );
});

shapes('fluentd-gems: a comma-separated FixedVersion is kept as written; PkgPath is read', () => {
  const gem = parseFixture('fluentd-gems.json.golden').findings.find(
    (f) => f.kind === 'vulnerability' && f.fixedVersion?.includes(','),
  );
  assert.ok(gem && gem.kind === 'vulnerability');
  assert.is(gem.fixedVersion, '6.0.3.1, 5.2.4.3');
  assert.type(gem.pkgPath, 'string');
});

shapes('legacy v0.30 misconfiguration keeps its old-style ID; v0.74 has the new one', () => {
  const [legacy] = parseFixture('legacy/v0.30.0/dockerfile.json.golden').findings;
  const [current] = parseFixture('dockerfile.json.golden').findings;
  assert.equal([legacy?.kind, legacy?.id, legacy?.target], ['misconfiguration', 'DS002', 'Dockerfile']);
  assert.equal([current?.kind, current?.id], ['misconfiguration', 'DS-0002']);
});

shapes('the legacy array report has no artifact fields and no result class', () => {
  const report = parseFixture('legacy/v0.18.3/alpine-39.json.golden');
  assert.is(report.artifactName, undefined);
  assert.ok(report.findings.every((f) => f.resultClass === undefined && f.target.includes('alpine-39')));
});

shapes('secrets without a Type are read, and no Match or code line is copied into findings', () => {
  const raw = JSON.stringify(readJson('secrets.json.golden'));
  const clearToken = /ghp_[0-9A-Za-z]{20,}/.exec(raw)?.[0];
  assert.ok(clearToken, 'the fixture holds an unmasked context line, so this test can fail');
  const findings = parseFixture('secrets.json.golden').findings;
  assert.equal(
    findings.map((f) => [f.kind, f.id, f.severity]),
    [
      ['secret', 'aws-access-key-id', 'CRITICAL'],
      ['secret', 'mysecret', 'HIGH'],
    ],
  );
  const serialized = JSON.stringify(findings);
  assert.not.ok(serialized.includes(clearToken));
  assert.not.ok(serialized.includes('****'), 'masked Match text is not copied either');
  assert.ok(
    findings.every((f) => f.kind === 'secret' && typeof f.startLine === 'number' && !('match' in f) && !('code' in f)),
  );
});

shapes('gomod: non-CVE ids with UNKNOWN severity', () => {
  const unknown = parseFixture('gomod.json.golden')
    .findings.filter((f) => f.severity === 'UNKNOWN')
    .map((f) => f.id);
  assert.ok(unknown.includes('GMS-2022-20'));
});

shapes('misconfigurations: only FAIL is a finding; a missing Status counts as failed; AVDID becomes an alias', () => {
  const check = (id: string, extra: Record<string, unknown>) => ({ ID: id, Severity: 'HIGH', Title: id, ...extra });
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [
      {
        Target: 'Dockerfile',
        Class: 'config',
        Misconfigurations: [
          check('DS001', { Status: 'PASS' }),
          check('DS002', { Status: 'FAIL', AVDID: 'AVD-DS-0002' }),
          check('DS003', { Status: 'EXCEPTION' }),
          check('DS004', {}),
        ],
      },
    ],
  });
  assert.ok(parsed.ok);
  const found = parsed.report.findings;
  assert.equal(
    found.map((f) => f.id),
    ['DS002', 'DS004'],
  );
  assert.equal(found[0]?.kind === 'misconfiguration' ? found[0].aliases : undefined, ['AVD-DS-0002']);
});

shapes('unexpected, lower-case or missing severities', () => {
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [
      {
        Target: 't',
        Vulnerabilities: [
          { VulnerabilityID: 'A', Severity: 'bogus' },
          { VulnerabilityID: 'B' },
          { VulnerabilityID: 'C', Severity: 'high' },
          { VulnerabilityID: 'D', Severity: null },
        ],
      },
    ],
  });
  assert.ok(parsed.ok);
  assert.equal(
    parsed.report.findings.map((f) => f.severity),
    ['UNKNOWN', 'UNKNOWN', 'HIGH', 'UNKNOWN'],
  );
  assert.is(toSeverity(4), 'UNKNOWN');
});

shapes('null and absent lists are empty', () => {
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [{ Target: 'x', Vulnerabilities: null, Misconfigurations: null, Secrets: null }],
  });
  assert.ok(parsed.ok);
  assert.is(parsed.report.findings.length, 0);
  assert.is(parsed.report.resultCount, 1);
});

const invalid = suite('parseTrivyReport rejects what is not a Trivy report');

const notReports: ReadonlyArray<readonly [string, unknown, RegExp]> = [
  ['null', null, /expected an object or an array, got null/],
  ['a number', 42, /got a number/],
  ['a string', 'Total: 0', /got a string/],
  ['an object without SchemaVersion', { foo: 1 }, /no SchemaVersion/],
  ['an unknown schema version', { SchemaVersion: 3, Results: [] }, /SchemaVersion 3/],
  ['Results that is not an array', { SchemaVersion: 2, Results: { Target: 'x' } }, /Results is an object/],
  ['a result that is not an object', { SchemaVersion: 2, Results: ['x'] }, /Results\[0\] is a string/],
  [
    'Vulnerabilities that is not an array',
    { SchemaVersion: 2, Results: [{ Vulnerabilities: 'none' }] },
    /Results\[0\]\.Vulnerabilities is a string/,
  ],
  [
    'a vulnerability without an id',
    { SchemaVersion: 2, Results: [{ Vulnerabilities: [{ PkgName: 'x' }] }] },
    /Vulnerabilities\[0\]: VulnerabilityID is missing/,
  ],
  [
    'a secret without a rule id',
    { SchemaVersion: 2, Results: [{ Secrets: [{ Severity: 'HIGH' }] }] },
    /Secrets\[0\]: RuleID is missing/,
  ],
  ['an array of non-results', [1, 2], /the report\[0\] is a number/],
];
for (const [name, json, problem] of notReports) {
  invalid(name, () => {
    const parsed = parseTrivyReport(json);
    assert.is(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.problem, problem);
  });
}

invalid('the SARIF twin is recognised and named', () => {
  const parsed = parseTrivyReport(readJson('alpine-310.sarif.golden'));
  assert.is(parsed.ok, false);
  if (!parsed.ok) assert.match(parsed.problem, /SARIF/);
});

const counting = suite('countBySeverity');

counting('always has all five levels', () => {
  const empty = countBySeverity([]);
  assert.equal(Object.keys(empty).sort(), [...SEVERITIES].sort());
  assert.ok(Object.values(empty).every((n) => n === 0));
});

counting('counts across kinds', () => {
  const findings = [...parseFixture('alpine-39.json.golden').findings, ...parseFixture('secrets.json.golden').findings];
  const expected: Record<Severity, number> = { CRITICAL: 3, HIGH: 1, MEDIUM: 4, LOW: 0, UNKNOWN: 0 };
  assert.equal(countBySeverity(findings), expected);
});

fixtures.run();
shapes.run();
invalid.run();
counting.run();
