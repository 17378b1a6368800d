/**
 * Which scanner really runs, and whether it may: a Trivy release known to be malicious (the
 * compromised 0.69.4, CVE-2026-33634) is refused by the version it reports, not by its tag or
 * file name, both of which an attacker controls. The version is also recorded with every result
 * (scan-summary.json, the task output), so a report says what produced it.
 */
import type { TaskContext } from '../engine/task.js';
import { type Failure, TaskFailure } from '../failure.js';
import { which } from '../util/which.js';
import type { ScanResult } from './result.js';
import { trivyCommand, trivyVersion } from './run.js';
import { knownBadTrivy } from './trivy-args.js';
import type { TrivyVersion } from './trivy-version.js';

/** Where the scanner of `prefix` comes from: the binary's path, or the container image. */
export function scannerSource(ctx: TaskContext, prefix: readonly string[]): string {
  if (prefix[0] === 'trivy') return which('trivy', ctx.env['PATH']) ?? 'trivy on PATH';
  return ctx.config.scan.trivyImage;
}

/** The refusal for a known-bad version, or undefined. */
export function badScanner(version: string, from: string): Extract<Failure, { reason: 'bad-tool' }> | undefined {
  const why = knownBadTrivy(version);
  return why === undefined ? undefined : { reason: 'bad-tool', tool: 'trivy', version, from, why };
}

/** What the result records about its scanner. */
export function scannerOf(from: string, version: TrivyVersion | undefined): ScanResult['scanner'] {
  return {
    tool: 'trivy',
    version: version?.version ?? 'unknown',
    from,
    ...(version?.vulnerabilityDb?.updatedAt ? { vulnerabilityDbUpdatedAt: version.vulnerabilityDb.updatedAt } : {}),
  };
}

/**
 * security-scan's precondition, before anything is built: a scanner is there (the binary on
 * PATH, else the official container, pulled now if missing, rather than after a build that the
 * scan then cannot check), and a `trivy` binary that reports a known-bad version is refused.
 * (The container's tag is checked when the config loads; what the container reports is checked
 * again when the scan runs.)
 */
export async function scannerPrecondition(ctx: TaskContext): Promise<Failure | undefined> {
  const binary = which('trivy', ctx.env['PATH']);
  if (binary === undefined) {
    try {
      await trivyCommand(ctx);
      return undefined;
    } catch (error) {
      if (error instanceof TaskFailure) return error.failure;
      throw error;
    }
  }
  const version = await trivyVersion(ctx, ['trivy']);
  return version ? badScanner(version.version, binary) : undefined;
}
