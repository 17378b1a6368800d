/**
 * Parses Trivy's JSON report (`--format json`) into typed findings.
 *
 * Trivy tags almost every field `omitempty`, so keys come and go between versions and scans:
 * `Results` is absent when no target was found, `Vulnerabilities` is absent at zero, secrets
 * have no `Type`, v0.30 misconfigs still carry `AVDID`, and up to v0.19 the report was a bare
 * array of results. Every field is therefore optional here and `null` counts as absent.
 * A document that is not a Trivy report at all is an expected problem (a wrong file, a SARIF
 * log, a truncated write): it is returned as a value, never thrown.
 */
import { SEVERITIES, type Severity } from './severity.js';

export type { Severity } from './severity.js';

/** Vulnerability `Status` (v0.44+). `not_affected`, `under_investigation` and `unknown` are never shown by Trivy. */
export type VulnStatus =
  | 'fixed'
  | 'affected'
  | 'will_not_fix'
  | 'fix_deferred'
  | 'end_of_life'
  | 'not_affected'
  | 'under_investigation'
  | 'unknown';
const VULN_STATUSES: readonly string[] = [
  'fixed',
  'affected',
  'will_not_fix',
  'fix_deferred',
  'end_of_life',
  'not_affected',
  'under_investigation',
  'unknown',
];

interface FindingBase {
  /** CVE/GHSA id, misconfiguration check id (`DS-0002`, or `DS002` before v0.69), or secret rule id. */
  readonly id: string;
  /** `UNKNOWN` when Trivy gave none or a value outside the five levels. */
  readonly severity: Severity;
  /** The Result's `Target` (`alpine:3.9 (alpine 3.9.4)`, `package-lock.json`, `Dockerfile`); `''` when absent. */
  readonly target: string;
  /** The Result's `Class` (`os-pkgs`, `lang-pkgs`, `config`, `secret`); undefined in pre-v0.19 reports. */
  readonly resultClass: string | undefined;
  /** One-line title; `''` when the report has none. */
  readonly title: string;
  /** Advisory or check documentation link, when Trivy gave one. */
  readonly primaryUrl: string | undefined;
}

export interface VulnerabilityFinding extends FindingBase {
  readonly kind: 'vulnerability';
  readonly pkgName: string;
  readonly installedVersion: string;
  /** Undefined when no fix exists. May be a comma-separated list (`"6.0.3.1, 5.2.4.3"`). */
  readonly fixedVersion: string | undefined;
  /** Undefined in reports older than v0.44, which had no `Status`. */
  readonly status: VulnStatus | undefined;
  /** Where a language package was found inside an image, when Trivy says. */
  readonly pkgPath: string | undefined;
  readonly description: string | undefined;
  /** CVSS v3 base score from the vendor named by `SeveritySource`, as Trivy's SARIF writer picks it. */
  readonly cvssV3Score: number | undefined;
}

export interface MisconfigurationFinding extends FindingBase {
  readonly kind: 'misconfiguration';
  /** Other ids the check is known by (the deprecated `AVDID`, e.g. `AVD-DS-0002`); ignore files may use them. */
  readonly aliases: readonly string[];
  /** e.g. `Dockerfile Security Check`. */
  readonly checkType: string | undefined;
  readonly message: string | undefined;
  readonly resolution: string | undefined;
  readonly description: string | undefined;
  readonly startLine: number | undefined;
  readonly endLine: number | undefined;
}

/**
 * A detected secret. Deliberately without Trivy's `Match` and `Code`: the cause lines are masked,
 * but context lines around them are not, so they can hold a live credential.
 */
export interface SecretFinding extends FindingBase {
  readonly kind: 'secret';
  readonly ruleId: string;
  readonly category: string | undefined;
  readonly startLine: number | undefined;
  readonly endLine: number | undefined;
}

/** One thing Trivy found, discriminated by `kind`. Licenses are not modelled: we never enable that scanner. */
export type Finding = VulnerabilityFinding | MisconfigurationFinding | SecretFinding;

export interface ParsedReport {
  /** `v2`: the object with `SchemaVersion: 2` (v0.20+); `legacy-array`: the bare array of results (≤ v0.19). */
  readonly schema: 'v2' | 'legacy-array';
  /** What was scanned (image ref, path, repo URL); absent in legacy reports. */
  readonly artifactName?: string;
  /** `container_image`, `filesystem` (also `trivy config`), `repository`, …; absent in legacy reports. */
  readonly artifactType?: string;
  /** `Trivy.Version` (v0.69+). */
  readonly trivyVersion?: string;
  /** How many Results the report had (0 when the key was absent). */
  readonly resultCount: number;
  /** Vulnerabilities, failed misconfiguration checks and secrets, in report order. */
  readonly findings: readonly Finding[];
}

/** A parsed report, or why the input is not one (`problem` names the JSON path at fault). */
export type ParseResult =
  | { readonly ok: true; readonly report: ParsedReport }
  | { readonly ok: false; readonly problem: string };

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const posInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;

/** Map Trivy's severity string to ours; anything unexpected is `UNKNOWN`, as Trivy itself does. */
export function toSeverity(value: unknown): Severity {
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNKNOWN';
}

/** Parse `JSON.parse` output of a Trivy JSON report. */
export function parseTrivyReport(json: unknown): ParseResult {
  if (Array.isArray(json)) return finish('legacy-array', json, {}, 'the report');
  if (!isObj(json))
    return { ok: false, problem: `not a Trivy JSON report: expected an object or an array, got ${describe(json)}` };
  if (json['version'] === '2.1.0' && Array.isArray(json['runs'])) {
    return { ok: false, problem: 'this is a SARIF log, not a Trivy JSON report (run trivy with --format json)' };
  }
  const schemaVersion = json['SchemaVersion'];
  if (schemaVersion === undefined) return { ok: false, problem: 'not a Trivy JSON report: it has no SchemaVersion' };
  if (schemaVersion !== 2)
    return {
      ok: false,
      problem: `unsupported Trivy report SchemaVersion ${JSON.stringify(schemaVersion)} (this parser reads 2)`,
    };
  const results = json['Results'] ?? [];
  if (!Array.isArray(results)) return { ok: false, problem: `Results is ${describe(results)}, expected an array` };
  const trivy = json['Trivy'];
  const meta = {
    artifactName: str(json['ArtifactName']),
    artifactType: str(json['ArtifactType']),
    trivyVersion: isObj(trivy) ? str(trivy['Version']) : undefined,
  };
  return finish('v2', results, meta, 'Results');
}

function finish(
  schema: ParsedReport['schema'],
  results: readonly unknown[],
  meta: Partial<Record<'artifactName' | 'artifactType' | 'trivyVersion', string | undefined>>,
  where: string,
): ParseResult {
  const problems: string[] = [];
  const findings: Finding[] = [];
  results.forEach((result, i) => {
    parseResult(result, `${where}[${i}]`, findings, problems);
  });
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    return { ok: false, problem: `malformed Trivy report: ${problems.slice(0, 3).join('; ')}${more}` };
  }
  const report: ParsedReport = {
    schema,
    ...(meta.artifactName !== undefined ? { artifactName: meta.artifactName } : {}),
    ...(meta.artifactType !== undefined ? { artifactType: meta.artifactType } : {}),
    ...(meta.trivyVersion !== undefined ? { trivyVersion: meta.trivyVersion } : {}),
    resultCount: results.length,
    findings,
  };
  return { ok: true, report };
}

function parseResult(result: unknown, at: string, out: Finding[], problems: string[]): void {
  if (!isObj(result)) {
    problems.push(`${at} is ${describe(result)}, expected an object`);
    return;
  }
  const base = { target: str(result['Target']) ?? '', resultClass: str(result['Class']) };
  for (const [key, parse] of [
    ['Vulnerabilities', parseVulnerability],
    ['Misconfigurations', parseMisconfiguration],
    ['Secrets', parseSecret],
  ] as const) {
    const list = result[key] ?? [];
    if (!Array.isArray(list)) {
      problems.push(`${at}.${key} is ${describe(list)}, expected an array`);
      continue;
    }
    list.forEach((entry: unknown, j: number) => {
      const entryAt = `${at}.${key}[${j}]`;
      const parsed = isObj(entry) ? parse(entry, base) : `is ${describe(entry)}, expected an object`;
      if (typeof parsed === 'string') problems.push(`${entryAt}: ${parsed}`);
      else if (parsed !== undefined) out.push(parsed);
    });
  }
}

type Base = Pick<FindingBase, 'target' | 'resultClass'>;

function parseVulnerability(v: Obj, base: Base): VulnerabilityFinding | string {
  const id = str(v['VulnerabilityID']);
  if (id === undefined) return 'VulnerabilityID is missing';
  const status = str(v['Status']);
  return {
    kind: 'vulnerability',
    id,
    severity: toSeverity(v['Severity']),
    ...base,
    title: str(v['Title']) ?? '',
    primaryUrl: str(v['PrimaryURL']),
    pkgName: str(v['PkgName']) ?? '',
    installedVersion: str(v['InstalledVersion']) ?? '',
    fixedVersion: str(v['FixedVersion']),
    status: status === undefined ? undefined : VULN_STATUSES.includes(status) ? (status as VulnStatus) : 'unknown',
    pkgPath: str(v['PkgPath']),
    description: str(v['Description']),
    cvssV3Score: vendorV3Score(v),
  };
}

/** The V3 score of the `CVSS` entry named by `SeveritySource`, as Trivy's own SARIF writer uses it. */
function vendorV3Score(v: Obj): number | undefined {
  const cvss = v['CVSS'];
  const source = str(v['SeveritySource']);
  if (!isObj(cvss) || source === undefined) return undefined;
  const entry = cvss[source];
  const score = isObj(entry) ? entry['V3Score'] : undefined;
  return typeof score === 'number' && score > 0 ? score : undefined;
}

/**
 * Only failed checks are findings. `PASS` (with `--include-non-failures`) and the deprecated
 * `EXCEPTION` are not. A missing Status counts as a failure: Trivy only ever omitted it on
 * reports that listed failures alone, and a gate must not pass on a field it cannot read.
 */
function parseMisconfiguration(m: Obj, base: Base): MisconfigurationFinding | string | undefined {
  const id = str(m['ID']) ?? str(m['AVDID']);
  if (id === undefined) return 'ID is missing';
  const status = str(m['Status']);
  if (status !== undefined && status !== 'FAIL') return undefined;
  const avdId = str(m['AVDID']);
  const cause = isObj(m['CauseMetadata']) ? m['CauseMetadata'] : {};
  return {
    kind: 'misconfiguration',
    id,
    severity: toSeverity(m['Severity']),
    ...base,
    title: str(m['Title']) ?? '',
    primaryUrl: str(m['PrimaryURL']),
    aliases: avdId !== undefined && avdId !== id ? [avdId] : [],
    checkType: str(m['Type']),
    message: str(m['Message']),
    resolution: str(m['Resolution']),
    description: str(m['Description']),
    startLine: posInt(cause['StartLine']),
    endLine: posInt(cause['EndLine']),
  };
}

function parseSecret(s: Obj, base: Base): SecretFinding | string {
  const ruleId = str(s['RuleID']);
  if (ruleId === undefined) return 'RuleID is missing';
  return {
    kind: 'secret',
    id: ruleId,
    severity: toSeverity(s['Severity']),
    ...base,
    title: str(s['Title']) ?? '',
    primaryUrl: undefined,
    ruleId,
    category: str(s['Category']),
    startLine: posInt(s['StartLine']),
    endLine: posInt(s['EndLine']),
  };
}

/** Findings per severity, with every level present (0 when none). */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
