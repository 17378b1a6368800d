import { readFileSync } from 'node:fs';
import type { TaskContext } from '../lib/engine/task.js';
import { defineTask } from '../lib/engine/task.js';
import { TaskFailure } from '../lib/failure.js';
import type { ScanResult } from '../lib/scan/result.js';
import dockerTask from './docker.js';

/**
 * `make security-scan`: `trivy image` on exactly the image the docker task built (whose
 * preflight checks already passed) and `trivy config` on the project, gated in TypeScript at
 * `scan.failOn`. Writes the raw Trivy JSON, a SARIF 2.1.0 file and a summary into the reports
 * directory; the result is typed so deploy-secure can refuse an image that was not scanned or failed.
 *
 * Up to date when an earlier passing scan had the same inputs (image id, Trivy version and DB
 * dates, ignore file, gate, config-scan files) and is younger than `scan.maxAge`: its result and
 * reports are reused (lib/scan/cache.ts). A newer Trivy DB makes it scan again.
 */
export default defineTask({
  name: 'security-scan',
  description: 'Preflight checks, then Trivy image and config scans gated on severity',
  deps: [dockerTask],
  // Before anything is built: a trivy on PATH that reports a known-bad release is refused (exit 2).
  check: async (ctx) => (await import('../lib/scan/scanner.js')).scannerPrecondition(ctx),
  run: async (ctx, deps): Promise<ScanResult> => {
    const { scanImageId } = await import('../lib/scan/image-scan.js');
    const { ensureReportsDir, prepareReportsDir, reportPaths, runTrivy, trivyCommand } = await import(
      '../lib/scan/run.js'
    );
    const { zeroCounts } = await import('../lib/scan/severity.js');
    const { ownDirs } = await import('../lib/scan/inputs.js');
    const { scan } = ctx.config;
    const built = deps.docker;
    const trivy = await trivyCommand(ctx);
    const dir = scan.reportsDir;
    if (!ctx.flags.dryRun) await ensureReportsDir(dir);
    const { planScan, scannedInputs, rememberScan } = await import('../lib/scan/reuse.js');
    const plan = await planScan(ctx, trivy, built.imageId);
    const { badScanner, scannerOf, scannerSource } = await import('../lib/scan/scanner.js');
    const from = scannerSource(ctx, trivy);
    // The version the scanner reports, whatever its tag or path says.
    const bad = plan.trivy ? badScanner(plan.trivy.version, from) : undefined;
    if (bad) throw new TaskFailure(bad);
    ctx.explain({ upToDate: plan.reuse !== undefined, why: plan.why });
    if (plan.reuse) {
      const { countLine } = await import('../lib/render/findings.js');
      ctx.progress(`no rescan: ${plan.why}`);
      ctx.progress(`findings: ${countLine(plan.reuse.counts)} (from the scan at ${plan.reuse.scannedAt ?? '?'})`);
      return plan.reuse;
    }
    if (!ctx.flags.dryRun) ctx.progress(`scanning: ${plan.why}`);
    const { trivyConfigArgs } = await import('../lib/scan/trivy-args.js');
    const paths = reportPaths(dir);
    const { trivyImage: imageReport, trivyConfig: configReport } = paths;
    if (!ctx.flags.dryRun) await prepareReportsDir(dir, Object.values(paths));
    const common = {
      severities: [...scan.severity],
      ignoreUnfixed: scan.ignoreUnfixed,
      ...(scan.ignoreFile ? { ignoreFile: scan.ignoreFile } : {}),
      timeout: scan.timeout,
      skipDbUpdate: scan.skipDbUpdate,
    };

    const imageJson = await scanImageId(
      ctx,
      {
        trivy,
        imageId: built.imageId,
        repository: ctx.config.image.name,
        purpose: 'scan',
        options: common,
        outputFile: imageReport,
      },
      built.ref,
    );
    const configJson = scan.config
      ? await runTrivy(
          ctx,
          trivy,
          trivyConfigArgs({
            ...common,
            target: ctx.projectDir,
            outputFile: configReport,
            skipDirs: ownDirs(ctx.config),
          }),
          configReport,
        )
      : undefined;
    if (ctx.flags.dryRun) {
      return {
        imageId: built.imageId,
        passed: true,
        threshold: scan.failOn,
        counts: zeroCounts(),
        blocking: 0,
        reports: {},
        dryRun: true,
        upToDate: false,
      };
    }
    const scanned = await scannedInputs(ctx, trivy, built.imageId, plan);
    const result = await gateAndReport(
      ctx,
      built.imageId,
      imageJson,
      configJson,
      { trivyImage: imageReport, ...(scan.config ? { trivyConfig: configReport } : {}) },
      scanned?.key,
      scannerOf(from, plan.trivy),
    );
    if (scanned) await rememberScan(ctx, scanned, result);
    return result;
  },
});

async function gateAndReport(
  ctx: TaskContext,
  imageId: string,
  imageJson: unknown,
  configJson: unknown,
  raw: { trivyImage: string; trivyConfig?: string },
  cacheKey: string | undefined,
  scanner: ScanResult['scanner'],
): Promise<ScanResult> {
  const { reportPaths } = await import('../lib/scan/run.js');
  const { parseTrivyReport, countBySeverity } = await import('../lib/scan/parse.js');
  const { blockingFinding, gate, isSuppressed, parseTrivyIgnore } = await import('../lib/scan/gate.js');
  const { findingsTable } = await import('../lib/render/findings.js');
  const { toSarif } = await import('../lib/scan/sarif.js');
  const { writeJsonAtomic } = await import('../lib/store/state.js');
  const { scan } = ctx.config;

  const parsed = [imageJson, configJson].filter((j) => j !== undefined).map((j) => parseTrivyReport(j));
  for (const p of parsed)
    if (!p.ok)
      throw new TaskFailure({
        reason: 'scanner-error',
        tool: 'trivy',
        command: 'trivy (report parsing)',
        exitCode: 0,
        stderrTail: p.problem,
      });
  const reports = parsed.flatMap((p) => (p.ok ? [p.report] : []));
  const findings = reports.flatMap((r) => r.findings);
  const ignoreIds = scan.ignoreFile ? parseTrivyIgnore(readFileSync(scan.ignoreFile, 'utf8')) : new Set<string>();
  const gateOptions = { failOn: scan.failOn, ignoreIds, ignoreUnfixed: scan.ignoreUnfixed };
  const decision = gate(findings, gateOptions);
  const kept = findings.filter((f) => !isSuppressed(f, gateOptions));
  const counts = countBySeverity(kept);

  const { sarif: sarifFile, summary: summaryFile } = reportPaths(scan.reportsDir);
  const sarif = toSarif({ ...reports[0]!, findings: kept }, {});
  await writeJsonAtomic(sarifFile, ctx.redact(sarif));
  const result: ScanResult = {
    imageId,
    passed: decision.pass,
    threshold: scan.failOn,
    counts,
    blocking: decision.blocking.length,
    reports: { ...raw, sarif: sarifFile, summary: summaryFile },
    dryRun: false,
    upToDate: false,
    scannedAt: new Date().toISOString(),
    ...(scanner ? { scanner } : {}),
  };
  // cacheKey ties these reports to the scan cache entry: a cached result is reused only while
  // the reports on disk are this scan's.
  await writeJsonAtomic(
    summaryFile,
    ctx.redact({
      ...result,
      generatedAt: result.scannedAt,
      ...(cacheKey ? { cacheKey } : {}),
      blockingFindings: decision.blocking,
    }),
  );
  if (!decision.pass) {
    throw new TaskFailure({
      reason: 'vulnerabilities-found',
      target: ctx.config.image.ref,
      blocking: decision.blocking.length,
      threshold: scan.failOn,
      counts,
      table: findingsTable(decision.blocking),
      reportPath: summaryFile,
      findings: decision.blocking.map(blockingFinding),
    });
  }
  return result;
}
