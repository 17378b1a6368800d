import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countLine, findingsTable } from '../../lib/render/findings.js';
import { gate, isUnfixed, parseTrivyIgnore, severityAtOrAbove } from '../../lib/scan/gate.js';
import { countBySeverity, type Finding, parseTrivyReport } from '../../lib/scan/parse.js';
import { SEVERITIES, type Severity } from '../../lib/scan/severity.js';
import { trivyFixtures } from '../helpers/paths.js';

const FIXTURES = trivyFixtures;

function findings(file: string): readonly Finding[] {
  const parsed = parseTrivyReport(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problem}`);
  return parsed.report.findings;
}
/** Identity of a finding across reports: the same CVE on another package is another finding. */
const keys = (list: readonly Finding[]): string[] =>
  list.map((f) => `${f.id} ${f.kind === 'vulnerability' ? f.pkgName : ''} ${f.target}`).sort();

const order = suite('severityAtOrAbove');

// Ranks from Trivy's numeric levels: UNKNOWN 0 < LOW 1 < MEDIUM 2 < HIGH 3 < CRITICAL 4.
const RANK: Readonly<Record<Severity, number>> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
for (const s of SEVERITIES) {
  for (const threshold of SEVERITIES) {
    const expected = RANK[s] >= RANK[threshold];
    order(`${s} vs ${threshold} → ${expected}`, () => {
      assert.is(severityAtOrAbove(s, threshold), expected);
    });
  }
}

const thresholds = suite('gate thresholds');

// Expected blocking counts are sums of the MANIFEST's C/H/M/L/U columns at or above the threshold.
const cases: ReadonlyArray<readonly [string, Severity, number]> = [
  ['alpine-39.json.golden', 'CRITICAL', 2], // 2/0/4/0/0
  ['alpine-39.json.golden', 'HIGH', 2],
  ['alpine-39.json.golden', 'MEDIUM', 6],
  ['alpine-39.json.golden', 'UNKNOWN', 6],
  ['gomod.json.golden', 'MEDIUM', 1], // 0/0/1/0/4
  ['gomod.json.golden', 'LOW', 1],
  ['gomod.json.golden', 'UNKNOWN', 5],
  ['helm.json.golden', 'HIGH', 3], // misconfigs 0/3/4/11/0
  ['helm.json.golden', 'LOW', 18],
  ['secrets.json.golden', 'CRITICAL', 1], // secrets 1/1/0/0/0
  ['alpine-39-ignore-cveids.json.golden', 'HIGH', 0], // 0/0/2/0/0
  ['alpine-39-skip.json.golden', 'UNKNOWN', 0], // no Results at all
];
for (const [file, failOn, blocking] of cases) {
  thresholds(`${file} failOn ${failOn} → ${blocking} blocking`, () => {
    const decision = gate(findings(file), { failOn });
    assert.is(decision.blocking.length, blocking);
    assert.is(decision.pass, blocking === 0);
    assert.ok(decision.blocking.every((f) => severityAtOrAbove(f.severity, failOn)));
  });
}

const ignores = suite('gate ignores');

ignores('ignoring the two CVEs leaves exactly what real Trivy reported with that .trivyignore', () => {
  const all = findings('alpine-39.json.golden');
  const ignoreIds = new Set(['CVE-2019-1549', 'CVE-2019-14697']);
  const decision = gate(all, { failOn: 'UNKNOWN', ignoreIds });
  // Trivy wrote alpine-39-ignore-cveids.json.golden with the same two ids in .trivyignore.
  const trivy = findings('alpine-39-ignore-cveids.json.golden');
  assert.equal(keys(decision.blocking), keys(trivy));
  assert.is(decision.ignored, all.length - trivy.length);
  assert.ok(gate(all, { failOn: 'HIGH', ignoreIds }).pass, 'the CRITICAL musl CVE was ignored');
});

ignores('an expired .trivyignore entry no longer ignores', () => {
  const all = findings('alpine-39.json.golden');
  const now = new Date('2024-06-01T12:00:00Z');
  const active = parseTrivyIgnore('CVE-2019-14697 exp:2099-12-31\n', now);
  const expired = parseTrivyIgnore('CVE-2019-14697 exp:2024-05-31\n', now);
  assert.ok(gate(all, { failOn: 'HIGH', ignoreIds: active }).pass);
  const decision = gate(all, { failOn: 'HIGH', ignoreIds: expired });
  assert.is(decision.pass, false);
  assert.equal(
    decision.blocking.map((f) => f.id),
    ['CVE-2019-14697', 'CVE-2019-14697'],
  );
  assert.is(decision.ignored, 0);
});

ignores('secret rule ids and misconfiguration aliases are ignored too', () => {
  assert.ok(
    gate(findings('secrets.json.golden'), { failOn: 'LOW', ignoreIds: new Set(['aws-access-key-id', 'mysecret']) })
      .pass,
  );
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [
      {
        Target: 'Dockerfile',
        Misconfigurations: [{ ID: 'DS002', AVDID: 'AVD-DS-0002', Severity: 'HIGH', Status: 'FAIL' }],
      },
    ],
  });
  assert.ok(parsed.ok);
  const decision = gate(parsed.report.findings, { failOn: 'LOW', ignoreIds: new Set(['AVD-DS-0002']) });
  assert.equal([decision.pass, decision.ignored], [true, 1]);
});

ignores('ignoreUnfixed on debian-buster leaves what `trivy --ignore-unfixed` reported', () => {
  const all = findings('debian-buster.json.golden');
  const decision = gate(all, { failOn: 'UNKNOWN', ignoreUnfixed: true });
  const trivy = findings('debian-buster-ignore-unfixed.json.golden');
  assert.equal(keys(decision.blocking), keys(trivy));
  assert.is(decision.ignored, 1);
  assert.is(gate(all, { failOn: 'UNKNOWN' }).blocking.length, 2, 'without the option the bash CVE blocks');
});

ignores('ignoreUnfixed without Status (pre-v0.44 reports) falls back to FixedVersion', () => {
  const parsed = parseTrivyReport([
    {
      Target: 'img',
      Vulnerabilities: [
        { VulnerabilityID: 'A', Severity: 'HIGH' },
        { VulnerabilityID: 'B', Severity: 'HIGH', FixedVersion: '1.2' },
      ],
    },
  ]);
  assert.ok(parsed.ok);
  assert.equal(parsed.report.findings.map(isUnfixed), [true, false]);
  assert.equal(
    gate(parsed.report.findings, { failOn: 'HIGH', ignoreUnfixed: true }).blocking.map((f) => f.id),
    ['B'],
  );
});

ignores('ignoreUnfixed never drops misconfigurations or secrets', () => {
  const decision = gate(findings('secrets.json.golden'), { failOn: 'HIGH', ignoreUnfixed: true });
  assert.equal([decision.blocking.length, decision.ignored], [2, 0]);
});

const ignoreFile = suite('parseTrivyIgnore');

const NOW = new Date('2024-06-01T00:00:00Z');
const files: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  [
    "Trivy's own testdata/.trivyignore",
    '# vulnerabilities\nCVE-2019-0001\nCVE-2019-0002\nCVE-2019-0004 exp:2020-01-01\nCVE-2019-0005 exp:9999-01-01\nCVE-2019-0006 exp:9999-01-01 key2:value2\n\n# misconfigurations\nAVD-ID-0300\n\n# secrets\ngeneric-unwanted-rule',
    ['CVE-2019-0001', 'CVE-2019-0002', 'CVE-2019-0005', 'CVE-2019-0006', 'AVD-ID-0300', 'generic-unwanted-rule'],
  ],
  [
    'comments, blank lines, indentation and CRLF',
    '  # accepted\r\n\r\n\tCVE-1  \r\nCVE-2 # why we accept it\r\n',
    ['CVE-1', 'CVE-2'],
  ],
  ['an entry expiring on this very day (midnight UTC) is still active', 'CVE-3 exp:2024-06-01', ['CVE-3']],
  ['an entry that expired yesterday', 'CVE-4 exp:2024-05-31', []],
  ['an unparsable date skips the line, as Trivy does', 'CVE-5 exp:tomorrow\nCVE-6 exp:2024-02-31\nCVE-7', ['CVE-7']],
  ['only the first exp: field counts', 'CVE-8 exp:2099-01-01 exp:2000-01-01', ['CVE-8']],
  ['an empty file', '', []],
];
for (const [name, text, expected] of files) {
  ignoreFile(name, () => {
    assert.equal([...parseTrivyIgnore(text, NOW)].sort(), [...expected].sort());
  });
}

ignoreFile('expiry is compared with the given clock', () => {
  assert.equal([...parseTrivyIgnore('CVE-9 exp:2024-06-01', new Date('2024-06-01T00:00:01Z'))], []);
});

const text = suite('scan-format: what the gate prints');

text('countLine names every level, most severe first', () => {
  assert.is(
    countLine(countBySeverity(findings('alpine-310.json.golden'))),
    'CRITICAL 0, HIGH 0, MEDIUM 4, LOW 0, UNKNOWN 0',
  );
  assert.is(
    countLine({ CRITICAL: 2, HIGH: 1, MEDIUM: 0, LOW: 7, UNKNOWN: 3 }),
    'CRITICAL 2, HIGH 1, MEDIUM 0, LOW 7, UNKNOWN 3',
  );
});

text('findingsTable: aligned columns, most severe first, then "… and N more"', () => {
  const all = findings('alpine-39.json.golden');
  const lines = findingsTable(all, 4).split('\n');
  assert.is(lines.length, 1 + 4 + 1);
  assert.match(lines[0] ?? '', /^ID +PACKAGE +INSTALLED +FIXED +SEVERITY +TARGET$/);
  assert.is(lines.at(-1), `… and ${all.length - 4} more`);
  const rows = lines.slice(1, -1);
  const severityColumn = (lines[0] ?? '').indexOf('SEVERITY');
  const ranks = rows.map((r) => SEVERITIES.indexOf(r.slice(severityColumn).split(' ')[0] as Severity));
  assert.ok(
    ranks.every((r) => r >= 0),
    'every row has its severity in the SEVERITY column',
  );
  assert.equal(
    ranks,
    [...ranks].sort((a, b) => a - b),
  );
  assert.ok(rows[0]?.startsWith('CVE-2019-14697 '), 'the CRITICAL musl CVE comes first');
  assert.is(findingsTable(all).split('\n').length, 1 + all.length, 'default max 10: no "more" line for 6 findings');
});

text('findingsTable: no fix shows "-", misconfigurations show file:line, empty input gives ""', () => {
  const buster = findingsTable(findings('debian-buster.json.golden'));
  assert.match(buster, /CVE-2019-18276 +bash +\S+ +- +LOW/);
  assert.match(findingsTable(findings('helm_testchart.json.golden'), 1), /templates\/\S+\.yaml:\d+/);
  assert.is(findingsTable([]), '');
  assert.is(findingsTable(findings('alpine-39.json.golden'), 0), '… and 6 more');
});

text('findingsTable: control characters from the report never reach the terminal', () => {
  const parsed = parseTrivyReport({
    SchemaVersion: 2,
    Results: [
      {
        Target: 'evil\u001b[31mred\nnext',
        Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'p\u0007', InstalledVersion: '1', Severity: 'HIGH' }],
      },
    ],
  });
  assert.ok(parsed.ok);
  const table = findingsTable(parsed.report.findings);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that no control character survives.
  assert.not.ok(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(table), JSON.stringify(table));
  assert.is(table.split('\n').length, 2);
});

order.run();
thresholds.run();
ignores.run();
ignoreFile.run();
text.run();
