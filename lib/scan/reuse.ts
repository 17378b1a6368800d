/**
 * The security-scan task's use of the scan cache: before scanning, read Trivy's version and DB
 * dates and the other inputs, and reuse a fresh passing result for the same inputs; after a scan,
 * key its result on the DB it really used (the scan may have downloaded a newer one).
 */
import type { TaskContext } from '../engine/task.js';
import { FileHashCache } from '../store/file-hashes.js';
import { storePath } from '../store/records.js';
import { messageOf } from '../util/errors.js';
import { lookupScan, recordScan } from './cache.js';
import { type ScanInputs, scanInputs, scanKey } from './inputs.js';
import type { ScanResult } from './result.js';
import { reportPaths, trivyVersion } from './run.js';
import type { TrivyVersion } from './trivy-version.js';

/** What the check before a scan found. */
export interface ScanPlan {
  /** An earlier result to reuse as is, when nothing it depends on changed. */
  readonly reuse?: ScanResult;
  /** Why it is reused, or why the scan runs (one phrase, for `--explain`). */
  readonly why: string;
  readonly inputs?: ScanInputs;
  readonly trivy?: TrivyVersion;
}

/** `trivy` for the binary on PATH, else the container image the prefix runs. */
function scannerName(prefix: readonly string[]): string {
  return prefix[0] === 'trivy' ? 'trivy' : (prefix.at(-1) ?? 'trivy');
}

function hashesFile(projectDir: string): string {
  return storePath(projectDir, 'cache/scan-inputs.json');
}

/** Look for a reusable result of scanning `imageId` (never under `--dry-run`; not with `--force`). */
export async function planScan(ctx: TaskContext, prefix: readonly string[], imageId: string): Promise<ScanPlan> {
  if (ctx.flags.dryRun) return { why: 'dry run: inputs not checked' };
  // `trivy --version` runs while the other inputs are read.
  const asked = trivyVersion(ctx, prefix);
  asked.catch(() => undefined);
  let rest: ScanInputs;
  try {
    rest = await readInputs(ctx, prefix, imageId, undefined);
  } catch (error) {
    const trivy = await asked;
    return { why: `the scan inputs could not be read (${messageOf(error)})`, ...(trivy ? { trivy } : {}) };
  }
  const trivy = await asked;
  const inputs = withTrivy(rest, trivy);
  const planned = { inputs, ...(trivy ? { trivy } : {}) };
  if (!trivy) return { ...planned, why: 'trivy --version gave no version, so no earlier result can be trusted' };
  if (ctx.flags.force) return { ...planned, why: '--force' };
  const { scan } = ctx.config;
  const lookup = await lookupScan(ctx.projectDir, inputs, trivy, {
    maxAge: scan.maxAge,
    skipDbUpdate: scan.skipDbUpdate,
    summaryFile: reportPaths(scan.reportsDir).summary,
  });
  if (!lookup.hit) return { ...planned, why: lookup.why };
  return { ...planned, why: lookup.why, reuse: { ...lookup.entry.result, upToDate: true } };
}

/**
 * The inputs the scan that just ran was made with: Trivy's DB dates are read again when the
 * scan may have downloaded a DB (none before, or one that was due), since the result reflects
 * the new one. Undefined when they cannot be known (no version): the result is then not cached.
 */
export async function scannedInputs(
  ctx: TaskContext,
  prefix: readonly string[],
  imageId: string,
  plan: ScanPlan,
): Promise<{ inputs: ScanInputs; key: string } | undefined> {
  if (ctx.flags.dryRun || !plan.inputs || !plan.trivy) return undefined;
  const next = plan.trivy.vulnerabilityDb?.nextUpdate;
  const mayHaveUpdated =
    !ctx.config.scan.skipDbUpdate &&
    (!plan.trivy.vulnerabilityDb?.updatedAt || (next && Date.parse(next) <= Date.now()));
  let inputs = plan.inputs;
  if (mayHaveUpdated) {
    const after = await trivyVersion(ctx, prefix, { fresh: true });
    if (!after) return undefined;
    inputs = await readInputs(ctx, prefix, imageId, after);
  }
  return { inputs, key: scanKey(inputs) };
}

/** Keep a passing result for the next run; a cache that cannot be written only costs a rescan. */
export async function rememberScan(
  ctx: TaskContext,
  scanned: { inputs: ScanInputs; key: string },
  result: ScanResult,
): Promise<void> {
  if (!result.passed) return;
  await recordScan(ctx.projectDir, {
    key: scanned.key,
    inputs: scanned.inputs,
    result: { ...result, upToDate: false },
    scannedAt: result.scannedAt ?? new Date().toISOString(),
  }).catch((error: unknown) =>
    ctx.progress(`could not record the scan (${messageOf(error)}); the next run scans again`),
  );
}

/** The inputs with the scanner's version and DB dates filled in. */
function withTrivy(inputs: ScanInputs, trivy: TrivyVersion | undefined): ScanInputs {
  return {
    ...inputs,
    trivyVersion: trivy?.version ?? null,
    vulnerabilityDb: trivy?.vulnerabilityDb?.updatedAt ?? null,
    javaDb: trivy?.javaDb?.updatedAt ?? null,
    checkBundle: trivy?.checkBundle ?? null,
  };
}

async function readInputs(
  ctx: TaskContext,
  prefix: readonly string[],
  imageId: string,
  trivy: TrivyVersion | undefined,
): Promise<ScanInputs> {
  const hashes = await FileHashCache.open(hashesFile(ctx.projectDir));
  const inputs = await scanInputs(ctx.config, ctx.env, imageId, scannerName(prefix), trivy, hashes);
  await hashes.save().catch(() => undefined);
  return inputs;
}
