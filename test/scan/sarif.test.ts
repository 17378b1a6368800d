import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ParsedReport, parseTrivyReport } from '../../lib/scan/parse.js';
import { SARIF_SCHEMA_URI, sarifLevel, toSarif } from '../../lib/scan/sarif.js';
import { SEVERITIES } from '../../lib/scan/severity.js';
import { repoRoot, trivyFixtures } from '../helpers/paths.js';
import { validateSarif } from '../helpers/sarif-schema.js';

const FIXTURES = trivyFixtures;
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

function report(file: string): ParsedReport {
  const parsed = parseTrivyReport(readJson(file));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problem}`);
  return parsed.report;
}
const run0 = (log: Log) => {
  const run = log.runs[0];
  if (run === undefined) throw new Error('no run');
  return { rules: run.tool.driver.rules ?? [], results: run.results ?? [] };
};

const JSON_FIXTURES = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.json.golden')),
  'legacy/v0.18.3/alpine-39.json.golden',
  'legacy/v0.30.0/dockerfile.json.golden',
];

const valid = suite('toSarif output validates against the official schema');

for (const file of JSON_FIXTURES) {
  valid(`${file}: valid SARIF 2.1.0, one result per finding, one rule per id`, () => {
    const parsed = report(file);
    const log = toSarif(parsed, { toolVersion: '0.58.1', baseUri: 'file:///work/project/' });
    assert.equal(validateSarif(log), []);
    const { rules, results } = run0(log);
    assert.is(results.length, parsed.findings.length);
    assert.equal(
      rules.map((r) => r.id),
      [...new Set(parsed.findings.map((f) => f.id))],
    );
    results.forEach((r, i) => {
      const f = parsed.findings[i];
      assert.is(r.ruleId, f?.id);
      assert.is(rules[r.ruleIndex ?? -1]?.id, r.ruleId, 'ruleIndex points at the rule');
      assert.is(r.level, f && sarifLevel(f.severity));
    });
  });
}

valid("Trivy's own SARIF golden passes the same validator (the schema copy accepts real-world SARIF)", () => {
  assert.equal(validateSarif(readJson('alpine-310.sarif.golden')), []);
});

valid('tool version defaults to the report, baseUri becomes the ROOTPATH base', () => {
  const parsed = report('alpine-310.json.golden');
  const log = toSarif({ ...parsed, trivyVersion: '0.74.0' });
  assert.is(log.runs[0]?.tool.driver.version, '0.74.0');
  assert.is(log.runs[0]?.originalUriBaseIds, undefined);
  const based = toSarif(parsed, { toolVersion: '1.2.3', baseUri: 'file:///src/' });
  assert.is(based.runs[0]?.tool.driver.version, '1.2.3');
  assert.equal(based.runs[0]?.originalUriBaseIds, { ROOTPATH: { uri: 'file:///src/' } });
  assert.is(log.$schema, SARIF_SCHEMA_URI);
});

const twin = suite('toSarif matches Trivy on the same scan (alpine-310 JSON vs SARIF golden)');

const pickRule = (r: ReportingDescriptor) => [
  r.id,
  r.name,
  r.defaultConfiguration?.level,
  r.helpUri,
  r.properties?.['security-severity'],
  r.properties?.tags,
];
const pickResult = (r: Result) => [
  r.ruleId,
  r.ruleIndex,
  r.level,
  r.message.text,
  r.locations?.[0]?.physicalLocation?.artifactLocation?.uri,
  r.locations?.[0]?.physicalLocation?.region?.startLine,
];

twin('rules: ids, names, levels, links, security-severity and tags', () => {
  const trivy = readJson('alpine-310.sarif.golden') as Log;
  assert.equal(run0(toSarif(report('alpine-310.json.golden'))).rules.map(pickRule), run0(trivy).rules.map(pickRule));
});

twin('results: rule, level, message and location', () => {
  const trivy = readJson('alpine-310.sarif.golden') as Log;
  const ours = run0(toSarif(report('alpine-310.json.golden'))).results;
  assert.is(ours.length, 4, 'MANIFEST: 4 SARIF results');
  assert.equal(ours.map(pickResult), run0(trivy).results.map(pickResult));
});

const content = suite('toSarif content');

content('severity → level mapping and security-severity fallbacks', () => {
  assert.equal(SEVERITIES.map(sarifLevel), ['error', 'error', 'warning', 'note', 'note']);
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [
      {
        Target: 'x',
        Class: 'lang-pkgs',
        Vulnerabilities: SEVERITIES.map((s) => ({
          VulnerabilityID: `ID-${s}`,
          Severity: s,
          PkgName: 'p',
          InstalledVersion: '1',
        })),
      },
    ],
  });
  assert.ok(parsed.ok);
  const { rules } = run0(toSarif(parsed.report));
  assert.equal(
    rules.map((r) => r.properties?.['security-severity']),
    ['9.5', '8.0', '5.5', '2.0', '0.0'],
  );
  assert.ok(rules.every((r) => r.name === 'LanguageSpecificPackageVulnerability'));
});

content('secrets: the matched text and unmasked context lines never reach the SARIF', () => {
  const raw = JSON.stringify(readJson('secrets.json.golden'));
  const token = /ghp_[0-9A-Za-z]{20,}/.exec(raw)?.[0];
  assert.ok(token);
  const sarif = JSON.stringify(toSarif(report('secrets.json.golden')));
  assert.not.ok(sarif.includes(token));
  assert.not.ok(sarif.includes('AWS_ACCESS_KEY_ID'), 'the Match line is not copied');
  const { results } = run0(JSON.parse(sarif) as Log);
  assert.equal(
    results.map((r) => r.locations?.[0]?.physicalLocation?.region?.startLine),
    [3, 7],
  );
});

content('misconfigurations point at their lines; targets with spaces stay valid URIs', () => {
  const { results } = run0(toSarif(report('helm_testchart.json.golden')));
  assert.ok(results.some((r) => (r.locations?.[0]?.physicalLocation?.region?.startLine ?? 1) > 1));
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [
      {
        Target: 'my dir/100%/Dockerfile',
        Class: 'config',
        Misconfigurations: [{ ID: 'DS-0002', Severity: 'HIGH', Status: 'FAIL' }],
      },
    ],
  });
  assert.ok(parsed.ok);
  const log = toSarif(parsed.report);
  assert.equal(validateSarif(log), []);
  assert.is(
    run0(log).results[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri,
    'my%20dir/100%25/Dockerfile',
  );
});

const broken = suite('validateSarif rejects broken logs');

const good = (): Log => toSarif(report('alpine-39.json.golden'));
const mutations: ReadonlyArray<readonly [string, (log: Record<string, unknown>) => void, RegExp]> = [
  ['missing version', (l) => delete l['version'], /must have required property 'version'/],
  ['wrong version', (l) => (l['version'] = '2.0.0'), /\/version must be equal to one of the allowed values/],
  ['unknown top-level property', (l) => (l['extra'] = true), /must NOT have additional properties \(extra\)/],
  [
    'tool without a driver name',
    (l) => delete (l['runs'] as { tool: { driver: Record<string, unknown> } }[])[0]!.tool.driver['name'],
    /\/runs\/0\/tool\/driver must have required property 'name'/,
  ],
  [
    'a result level SARIF does not know',
    (l) => ((l['runs'] as { results: Record<string, unknown>[] }[])[0]!.results[0]!['level'] = 'critical'),
    /\/runs\/0\/results\/0\/level/,
  ],
  [
    'a result without a message',
    (l) => delete (l['runs'] as { results: Record<string, unknown>[] }[])[0]!.results[0]!['message'],
    /must have required property 'message'/,
  ],
  [
    'a region starting at line 0',
    (l) =>
      ((l['runs'] as { results: { locations: { physicalLocation: { region: Record<string, unknown> } }[] }[] }[])[0]!
        .results[0]!.locations[0]!.physicalLocation.region['startLine'] = 0),
    /startLine must be >= 1/,
  ],
];
for (const [name, mutate, message] of mutations) {
  broken(name, () => {
    const log = JSON.parse(JSON.stringify(good())) as Record<string, unknown>;
    assert.equal(validateSarif(log), [], 'the unmodified log is valid');
    mutate(log);
    const problems = validateSarif(log);
    assert.ok(problems.length > 0);
    assert.ok(
      problems.some((p) => message.test(p)),
      problems.join('\n'),
    );
  });
}

broken('not an object at all', () => {
  assert.ok(validateSarif(null).length > 0);
  assert.ok(validateSarif([]).length > 0);
});

const schema = suite('test/fixtures/sarif/sarif-schema-2.1.0.json');

schema('is the OASIS SARIF 2.1.0 schema, and needs no draft-04 keyword that changed meaning', () => {
  const text = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8');
  const json = JSON.parse(text) as Record<string, unknown>;
  assert.is(json['title'], 'Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema');
  assert.is(json['id'], SARIF_SCHEMA_URI);
  assert.is(json['$schema'], 'http://json-schema.org/draft-04/schema#');
  // test/helpers/sarif-schema.ts only translates `id`; that is lossless while these draft-04 booleans are absent.
  assert.not.ok(/"exclusive(Minimum|Maximum)"/.test(text));
  const definitions = json['definitions'] as Record<string, unknown>;
  const refs = [...text.matchAll(/"\$ref": "#\/definitions\/(\w+)"/g)].map((m) => m[1] ?? '');
  assert.ok(refs.length > 100 && refs.every((name) => name in definitions), 'every $ref resolves');
});

schema('is byte-for-byte the copy taken from oasis-tcs/sarif-spec (pinned hash: edit neither)', () => {
  const bytes = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'));
  assert.is(bytes.length, 112768);
  assert.is(
    createHash('sha256').update(bytes).digest('hex'),
    'ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949',
  );
});

valid.run();
twin.run();
content.run();
broken.run();
schema.run();
