/**
 * SARIF 2.1.0 from parsed Trivy findings, for code-scanning dashboards (GitHub, GitLab, Azure).
 *
 * We write SARIF ourselves instead of running Trivy a second time with `--format sarif`: one
 * scan gives both files, the ignores we applied are the ones the SARIF shows, and secret
 * `Match` lines (which Trivy's own SARIF copies into messages) never reach the file.
 * Rules, levels and `security-severity` follow Trivy's SARIF writer (`pkg/report/sarif.go`) so
 * dashboards rank our results like Trivy's own output.
 *
 * `validateSarif` checks a log against `assets/sarif-schema-2.1.0.json`, the OASIS schema
 * copied verbatim from github.com/oasis-tcs/sarif-spec (`Schemata/sarif-schema-2.1.0.json`,
 * `$id` …/v2.1.0/errata01/os/…, commit 0a8091f7d4057e57b6d8d9b56129e5f918747b34).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Location, Log, ReportingDescriptor, Result, Run } from 'sarif';
import type { ValidateFunction } from 'ajv';
import type { Severity } from './severity.js';
import type { Finding, ParsedReport } from './trivy-report.js';

/** The `$id` of the schema we ship and validate against. */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifOptions {
  /** `tool.driver.version`; defaults to the report's `Trivy.Version` when it has one. */
  readonly toolVersion?: string;
  /**
   * Absolute URI (ending in `/`) that relative artifact URIs resolve against, written as the
   * `ROOTPATH` base (e.g. `file:///home/me/project/`). Without it, consumers resolve them
   * against the repository root, which is what GitHub code scanning expects.
   */
  readonly baseUri?: string;
}

/** Trivy's mapping: CRITICAL/HIGH → error, MEDIUM → warning, LOW/UNKNOWN → note. */
export function sarifLevel(severity: Severity): 'error' | 'warning' | 'note' {
  if (severity === 'CRITICAL' || severity === 'HIGH') return 'error';
  return severity === 'MEDIUM' ? 'warning' : 'note';
}

/** Trivy's fallback `security-severity` when no CVSS v3 score is known. */
const SEVERITY_SCORE: Readonly<Record<Severity, string>> = { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0', UNKNOWN: '0.0' };

export function toSarif(report: ParsedReport, opts: SarifOptions = {}): Log {
  const rules: ReportingDescriptor[] = [];
  const ruleIndexes = new Map<string, number>();
  const results: Result[] = [];
  for (const f of report.findings) {
    let ruleIndex = ruleIndexes.get(f.id);
    if (ruleIndex === undefined) {
      ruleIndex = rules.length;
      ruleIndexes.set(f.id, ruleIndex);
      rules.push(toRule(f));
    }
    results.push({ ruleId: f.id, ruleIndex, level: sarifLevel(f.severity), message: { text: resultMessage(f) }, locations: [toLocation(f, report)] });
  }
  const version = opts.toolVersion ?? report.trivyVersion;
  const run: Run = {
    tool: {
      driver: {
        name: 'Trivy',
        fullName: 'Trivy Vulnerability Scanner',
        informationUri: 'https://github.com/aquasecurity/trivy',
        ...(version !== undefined ? { version } : {}),
        rules,
      },
    },
    results,
    columnKind: 'utf16CodeUnits',
    ...(opts.baseUri !== undefined ? { originalUriBaseIds: { ROOTPATH: { uri: opts.baseUri } } } : {}),
    properties: {
      ...(report.artifactName !== undefined ? { artifactName: report.artifactName } : {}),
      ...(report.artifactType !== undefined ? { artifactType: report.artifactType } : {}),
    },
  };
  return { version: '2.1.0', $schema: SARIF_SCHEMA_URI, runs: [run] };
}

/** Trivy's rule names, by the Result's class. */
function ruleName(f: Finding): string {
  switch (f.resultClass) {
    case 'os-pkgs':
      return 'OsPackageVulnerability';
    case 'lang-pkgs':
      return 'LanguageSpecificPackageVulnerability';
    case 'config':
      return 'Misconfiguration';
    case 'secret':
      return 'Secret';
    default:
      return f.kind === 'secret' ? 'Secret' : f.kind === 'misconfiguration' ? 'Misconfiguration' : 'UnknownIssue';
  }
}

function toRule(f: Finding): ReportingDescriptor {
  const title = f.title || f.id;
  const full = (f.kind === 'secret' ? undefined : f.description) ?? title;
  const score = f.kind === 'vulnerability' && f.cvssV3Score !== undefined ? f.cvssV3Score.toFixed(1) : SEVERITY_SCORE[f.severity];
  const helpUri = absoluteHttpUrl(f.primaryUrl);
  return {
    id: f.id,
    name: ruleName(f),
    shortDescription: { text: title },
    fullDescription: { text: full },
    defaultConfiguration: { level: sarifLevel(f.severity) },
    ...(helpUri !== undefined ? { helpUri } : {}),
    help: { text: `${f.kind === 'secret' ? 'Secret' : f.kind === 'misconfiguration' ? 'Misconfiguration' : 'Vulnerability'} ${f.id}\nSeverity: ${f.severity}\n${full}` },
    properties: { tags: [f.kind, 'security', f.severity], precision: 'very-high', 'security-severity': score },
  };
}

/** Never includes a secret's matched text: only the rule, its severity and where. */
function resultMessage(f: Finding): string {
  const link = f.primaryUrl !== undefined ? `\nLink: [${f.id}](${f.primaryUrl})` : '';
  switch (f.kind) {
    case 'vulnerability':
      return `Package: ${f.pkgName}\nInstalled Version: ${f.installedVersion}\nVulnerability ${f.id}\nSeverity: ${f.severity}\nFixed Version: ${f.fixedVersion ?? ''}${link}`;
    case 'misconfiguration':
      return `Artifact: ${f.target}\nType: ${f.checkType ?? ''}\nVulnerability ${f.id}\nSeverity: ${f.severity}\nMessage: ${f.message ?? f.title}${link}`;
    case 'secret':
      return `Artifact: ${f.target}\nSecret ${f.title || f.ruleId}\nSeverity: ${f.severity}`;
  }
}

function toLocation(f: Finding, report: ParsedReport): Location {
  const path = f.kind === 'vulnerability' && f.pkgPath !== undefined ? f.pkgPath : f.target;
  const uri = artifactUri(path, f.resultClass) || artifactUri(report.artifactName ?? '', undefined) || '.';
  const startLine = f.kind === 'vulnerability' ? 1 : (f.startLine ?? 1);
  const endLine = f.kind === 'vulnerability' ? 1 : Math.max(startLine, f.endLine ?? startLine);
  const label = f.kind === 'vulnerability' ? `${uri}: ${f.pkgName}@${f.installedVersion}` : f.target || uri;
  return {
    physicalLocation: {
      artifactLocation: { uri, uriBaseId: 'ROOTPATH' },
      region: { startLine, endLine, startColumn: 1, endColumn: 1 },
    },
    message: { text: label },
  };
}

/**
 * A Result target as a relative URI reference. OS-package targets read
 * `image:tag (alpine 3.9.4)`: like Trivy, keep the image without the distro suffix, tag or
 * digest. Everything else (paths, lockfiles) is percent-encoded so spaces and `%` stay valid.
 */
function artifactUri(target: string, resultClass: string | undefined): string {
  let path = target.replace(/\\/g, '/').trim();
  if (resultClass === 'os-pkgs') {
    path = path.replace(/\s*\(.*\)\s*$/, '').replace(/@sha256:[0-9a-f]+$/i, '').replace(/:[\w][\w.-]*$/, '');
  }
  return encodeURI(path);
}

function absoluteHttpUrl(value: string | undefined): string | undefined {
  if (value === undefined || !/^https?:\/\/\S+$/.test(value)) return undefined;
  try {
    return new URL(value).href === value || new URL(value).href === `${value}/` ? value : undefined;
  } catch {
    return undefined;
  }
}

let validator: ValidateFunction | undefined;

/** Problems that make `log` invalid SARIF 2.1.0 (`[]` when it is valid), as `path message` lines. */
export function validateSarif(log: unknown): string[] {
  validator ??= compileSchema();
  if (validator(log)) return [];
  const lines = (validator.errors ?? []).map((e) => {
    const extra = typeof e.params['additionalProperty'] === 'string' ? ` (${e.params['additionalProperty']})` : '';
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
  });
  return lines.length > 0 ? [...new Set(lines)] : ['/ is invalid'];
}

/**
 * The OASIS file is a draft-04 schema (root `id`, draft-04 `$schema`). Ajv 8 implements
 * draft-07 and later and rejects `id`; every other keyword the file uses means the same in
 * draft-07 (it has no boolean `exclusiveMinimum`/`exclusiveMaximum`, the one construct that
 * changed meaning), so only the identity keywords are translated, in memory. Ajv is loaded on
 * first use so producing SARIF does not pay for it.
 */
function compileSchema(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const { Ajv } = require('ajv') as typeof import('ajv');
  const addFormats = (require('ajv-formats') as typeof import('ajv-formats')).default;
  const { id, $schema: _draft04, ...schema } = JSON.parse(readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
  // strict: false because strict mode rejects what draft-04 schemas legitimately contain
  // (e.g. `default: []` on a string item) and would log warnings; allErrors lists every problem.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ ...schema, $id: typeof id === 'string' ? id : SARIF_SCHEMA_URI });
}

/** `lib/` and `dist/` sit beside `assets/`; bundled chunks sit one level deeper in `dist/chunks/`. */
function schemaPath(): string {
  for (const rel of ['../assets/sarif-schema-2.1.0.json', '../../assets/sarif-schema-2.1.0.json']) {
    const candidate = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('Internal error: assets/sarif-schema-2.1.0.json is missing from the package');
}
