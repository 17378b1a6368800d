/**
 * What a scan result depends on besides the image: the scanner (binary or container, its version,
 * its databases), the ignore file, the gate settings, `TRIVY_*` environment variables (Trivy reads
 * its flags from them), and the files `trivy config` reads in the project (Dockerfiles, YAML/JSON
 * manifests, Terraform, Helm, and Trivy's own `trivy.yaml`). Equal inputs and a fresh result mean
 * the scan would find the same: the cache (./cache.ts) reuses it.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { FileHashCache } from '../store/file-hashes.js';
import type { TrivyVersion } from './trivy-version.js';

/** Everything a cached result is keyed on. */
export interface ScanInputs {
  readonly format: 1;
  readonly imageId: string;
  /** `trivy` (the binary on PATH) or the container image used instead. */
  readonly scanner: string;
  readonly trivyVersion: string | null;
  /** UpdatedAt of the vulnerability and Java DBs, digest of the checks bundle (null: none downloaded). */
  readonly vulnerabilityDb: string | null;
  readonly javaDb: string | null;
  readonly checkBundle: string | null;
  /** sha256 of the ignore file, null when there is none. */
  readonly ignoreFile: string | null;
  readonly gate: { readonly failOn: string; readonly severity: readonly string[]; readonly ignoreUnfixed: boolean };
  /** Whether `trivy config` runs, and the files it reads (project-relative → sha256). */
  readonly configScan: boolean;
  readonly configFiles: Readonly<Record<string, string>>;
  /** `TRIVY_*` variables → sha256 of their value (values may be registry passwords). */
  readonly env: Readonly<Record<string, string>>;
}

/** File names `trivy config` may read (its misconfiguration scanners), plus its own config file. */
const CONFIG_FILE =
  /(^|\/)([^/]*(dockerfile|containerfile)[^/]*|[^/]+\.(ya?ml|json|tf|tfvars|hcl|tpl|tgz|bicep)|\.helmignore)$/i;
/**
 * JSON and YAML files that are settings of other tools, never infrastructure code: cloudy-tasks'
 * own config (its scan settings are inputs already, its container settings are not the scan's),
 * package manifests and lock files, TypeScript and editor settings. Editing them must not look
 * like a change to what `trivy config` checks.
 */
const NOT_IAC =
  /(^|\/)(\.cloudyrc(\.(json|ya?ml))?|package(-lock)?\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|[jt]sconfig(\.[^/]*)?\.json|biome\.jsonc?|\.(eslintrc|prettierrc)(\.[^/]*)?)$|(^|\/)\.vscode\//i;

/**
 * Project folders `trivy config` skips (`--skip-dirs`) and the scan inputs leave out: what the
 * tool itself writes there (its state, the reports, incident folders) and dependencies. Paths
 * relative to the project, as Trivy matches them against the scanned directory; a folder outside
 * the project needs no skipping and is left out.
 */
export function ownDirs(config: ResolvedConfig): string[] {
  const rel = [config.scan.reportsDir, config.incident.dir].map((d) => path.relative(config.projectDir, d));
  const inside = rel.filter((r) => r !== '' && !r.startsWith('..') && !path.isAbsolute(r));
  return [...new Set(['node_modules', '.cloudy', ...inside.map((r) => r.split(path.sep).join('/'))])];
}

/** The scan inputs for `imageId` now. `hashes` caches the config files' content hashes. */
export async function scanInputs(
  config: ResolvedConfig,
  env: Readonly<Record<string, string | undefined>>,
  imageId: string,
  scanner: string,
  trivy: TrivyVersion | undefined,
  hashes: FileHashCache,
): Promise<ScanInputs> {
  const { scan } = config;
  const configFiles: Record<string, string> = {};
  if (scan.config) {
    const skip = new Set([...ownDirs(config), '.git']);
    for (const rel of walk(config.projectDir, skip)) {
      const abs = path.join(config.projectDir, rel);
      const stats = lstatSync(abs, { throwIfNoEntry: false });
      if (stats?.isFile()) configFiles[rel] = await hashes.hash(rel, abs, stats.size, stats.mtimeMs);
    }
  }
  const trivyEnv = Object.fromEntries(
    Object.entries(env)
      .filter(([name, value]) => name.startsWith('TRIVY_') && value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => [name, sha256(value!)]),
  );
  return {
    format: 1,
    imageId,
    scanner,
    trivyVersion: trivy?.version ?? null,
    vulnerabilityDb: trivy?.vulnerabilityDb?.updatedAt ?? null,
    javaDb: trivy?.javaDb?.updatedAt ?? null,
    checkBundle: trivy?.checkBundle ?? null,
    ignoreFile: scan.ignoreFile ? hashOfFile(scan.ignoreFile) : null,
    gate: { failOn: scan.failOn, severity: [...scan.severity], ignoreUnfixed: scan.ignoreUnfixed },
    configScan: scan.config,
    configFiles,
    env: trivyEnv,
  };
}

/** The key of a set of inputs (sha256 of their canonical JSON). */
export function scanKey(inputs: ScanInputs): string {
  return sha256(
    JSON.stringify(inputs, (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    ),
  );
}

/** What differs between the inputs of an earlier scan and now, one phrase each. */
export function describeScanChanges(before: ScanInputs, after: ScanInputs): string[] {
  const out: string[] = [];
  const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : 'none');
  if (before.imageId !== after.imageId) out.push(`new image ${after.imageId.slice(0, 19)}`);
  if (before.scanner !== after.scanner) out.push(`scanner is now ${after.scanner}`);
  if (before.trivyVersion !== after.trivyVersion)
    out.push(`Trivy ${before.trivyVersion ?? '?'} → ${after.trivyVersion ?? '?'}`);
  if (before.vulnerabilityDb !== after.vulnerabilityDb)
    out.push(`Trivy DB updated ${day(after.vulnerabilityDb)} (was ${day(before.vulnerabilityDb)})`);
  if (before.javaDb !== after.javaDb) out.push(`Trivy Java DB updated ${day(after.javaDb)}`);
  if (before.checkBundle !== after.checkBundle) out.push('Trivy checks bundle updated');
  if (before.ignoreFile !== after.ignoreFile)
    out.push(
      after.ignoreFile === null
        ? 'ignore file removed'
        : before.ignoreFile === null
          ? 'ignore file added'
          : 'ignore file changed',
    );
  if (before.gate.failOn !== after.gate.failOn) out.push(`scan.failOn ${before.gate.failOn} → ${after.gate.failOn}`);
  if (before.gate.severity.join() !== after.gate.severity.join())
    out.push(`scan.severity ${before.gate.severity.join(',')} → ${after.gate.severity.join(',')}`);
  if (before.gate.ignoreUnfixed !== after.gate.ignoreUnfixed)
    out.push(`scan.ignoreUnfixed ${before.gate.ignoreUnfixed} → ${after.gate.ignoreUnfixed}`);
  if (before.configScan !== after.configScan) out.push(`scan.config ${before.configScan} → ${after.configScan}`);
  const files = new Set([...Object.keys(before.configFiles), ...Object.keys(after.configFiles)]);
  const changed = [...files].filter((f) => before.configFiles[f] !== after.configFiles[f]).sort();
  if (changed.length > 0)
    out.push(
      `${changed.length <= 3 ? changed.join(', ') : `${changed.length} files (${changed.slice(0, 3).join(', ')}, …)`} changed (read by trivy config)`,
    );
  const vars = new Set([...Object.keys(before.env), ...Object.keys(after.env)]);
  const envChanged = [...vars].filter((v) => before.env[v] !== after.env[v]);
  if (envChanged.length > 0) out.push(`${envChanged.join(', ')} changed`);
  return out;
}

/**
 * Project files matching {@link CONFIG_FILE}, relative, sorted; `skip` names top-level directories
 * left out: those passed to `trivy config --skip-dirs`, and `.git` (no manifest lives there).
 */
function walk(root: string, skip: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(rel === '' ? root : path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skip.has(child)) visit(child);
      } else if (CONFIG_FILE.test(child) && !NOT_IAC.test(child)) out.push(child);
    }
  };
  visit('');
  return out.sort();
}

function hashOfFile(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
