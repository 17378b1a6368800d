/**
 * SARIF 2.1.0 from parsed Trivy findings, for code-scanning dashboards (GitHub, GitLab, Azure).
 *
 * We write SARIF ourselves instead of running Trivy a second time with `--format sarif`: one
 * scan gives both files, the ignores we applied are the ones the SARIF shows, and secret
 * `Match` lines (which Trivy's own SARIF copies into messages) never reach the file.
 * Rules, levels and `security-severity` follow Trivy's SARIF writer (`pkg/report/sarif.go`) so
 * dashboards rank our results like Trivy's own output.
 *
 * The tests validate what this writes against the official OASIS schema
 * (test/helpers/sarif-schema.ts).
 */
import type { Location, Log, ReportingDescriptor, Result, Run } from 'sarif';
import type { Finding, ParsedReport } from './parse.js';
import type { Severity } from './severity.js';

/** The `$id` of the SARIF 2.1.0 schema our logs declare (`$schema`). */
export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

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
const SEVERITY_SCORE: Readonly<Record<Severity, string>> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '2.0',
  UNKNOWN: '0.0',
};

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
    results.push({
      ruleId: f.id,
      ruleIndex,
      level: sarifLevel(f.severity),
      message: { text: resultMessage(f) },
      locations: [toLocation(f, report)],
    });
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
  const score =
    f.kind === 'vulnerability' && f.cvssV3Score !== undefined ? f.cvssV3Score.toFixed(1) : SEVERITY_SCORE[f.severity];
  const helpUri = absoluteHttpUrl(f.primaryUrl);
  return {
    id: f.id,
    name: ruleName(f),
    shortDescription: { text: title },
    fullDescription: { text: full },
    defaultConfiguration: { level: sarifLevel(f.severity) },
    ...(helpUri !== undefined ? { helpUri } : {}),
    help: {
      text: `${f.kind === 'secret' ? 'Secret' : f.kind === 'misconfiguration' ? 'Misconfiguration' : 'Vulnerability'} ${f.id}\nSeverity: ${f.severity}\n${full}`,
    },
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
    path = path
      .replace(/\s*\(.*\)\s*$/, '')
      .replace(/@sha256:[0-9a-f]+$/i, '')
      .replace(/:[\w][\w.-]*$/, '');
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
