/**
 * Running Trivy for the security-scan task: binary or official container, the scan of exactly
 * the built image, report files, and the gate. Trivy's exit code is never the gate (we pass
 * `--exit-code 0` and decide in TypeScript); a non-zero exit is a scanner error.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { docker } from '../docker/cli.js';
import type { TaskContext } from '../engine/task.js';
import { TaskFailure } from '../failure.js';
import { ensureDirectory } from '../store/confine.js';
import { writeJsonAtomic } from '../store/state.js';
import { durationMs } from '../util/duration.js';
import { which } from '../util/which.js';

/**
 * argv prefix that runs Trivy: the binary on PATH, else the pinned official container, which
 * can write reports only into `reportsDir` (mounted writable; default `scan.reportsDir`).
 */
export async function trivyCommand(ctx: TaskContext, reportsDir = ctx.config.scan.reportsDir): Promise<string[]> {
  const binary = which('trivy', ctx.env['PATH']);
  if (binary) return ['trivy'];
  const { trivyContainerPrefix } = await import('./trivy-args.js');
  const image = ctx.config.scan.trivyImage;
  if (!ctx.flags.dryRun) {
    const present = await docker(ctx, ['image', 'inspect', '--format', '{{.Id}}', image], {
      nothrow: true,
      silent: true,
    });
    if (present.exitCode !== 0) {
      ctx.progress(`trivy is not on PATH; pulling the official container ${image}`);
      const pulled = await docker(ctx, ['pull', '--quiet', image], { nothrow: true, silent: true });
      if (pulled.exitCode !== 0) {
        throw new TaskFailure({
          reason: 'tool-missing',
          tool: 'trivy',
          fix: `it is not on PATH and the container ${image} could not be pulled; install trivy (https://trivy.dev/latest/getting-started/installation/), or make ${image} available (docker pull/load it, or set scan.trivyImage)`,
        });
      }
    }
  }
  // A known name: killing the docker client does not stop the container, so an interrupted scan
  // removes it by name (see runTrivy).
  return trivyContainerPrefix({
    trivyImage: image,
    projectDir: ctx.projectDir,
    reportsDir,
    cacheVolume: 'cloudy_trivy_cache',
    containerName: `cloudy-trivy-${process.pid}`,
  });
}

/**
 * Run one Trivy command that writes its JSON report to `outputFile`; return the parsed JSON.
 * `scan.timeout` is enforced here, not only passed to Trivy as `--timeout`: a scanner that hangs
 * (a stuck DB download, a registry that never answers) is killed with its process group when the
 * bound passes, and the task fails with `timed-out`, so it cannot hold the run lock for ever.
 */
export async function runTrivy(
  ctx: TaskContext,
  prefix: readonly string[],
  args: readonly string[],
  outputFile: string,
): Promise<unknown> {
  const container = prefix.includes('--name') ? prefix[prefix.indexOf('--name') + 1] : undefined;
  // Killing the docker client does not stop the container: an interrupted or timed-out scan removes it by name.
  const removeContainer = async () => {
    if (container) await docker(ctx, ['rm', '-f', container], { critical: true, nothrow: true, silent: true });
  };
  const bound = durationMs(ctx.config.scan.timeout);
  let result: import('../engine/spawn.js').CommandResult;
  try {
    result = await ctx.$.with({ nothrow: true, ...(Number.isFinite(bound) ? { timeoutMs: bound } : {}) })`${[
      ...prefix,
      ...args,
    ]}`;
  } catch (error) {
    if (error instanceof TaskFailure && error.failure.reason === 'timed-out') await removeContainer();
    throw error;
  }
  if (ctx.flags.dryRun) return undefined;
  if (ctx.signal.aborted) await removeContainer();
  if (result.exitCode !== 0) {
    throw new TaskFailure({
      reason: 'scanner-error',
      tool: 'trivy',
      command: result.command,
      exitCode: result.exitCode,
      stderrTail: result.stderr.trim().split('\n').slice(-8).join('\n'),
    });
  }
  let text: string;
  try {
    text = readFileSync(outputFile, 'utf8');
  } catch {
    throw new TaskFailure({
      reason: 'scanner-error',
      tool: 'trivy',
      command: result.command,
      exitCode: 0,
      stderrTail: `no report was written to ${outputFile}`,
    });
  }
  try {
    const json: unknown = JSON.parse(text);
    // Trivy's secret scanner keeps unmasked context lines in Code.Lines: drop them from the
    // report we keep, so secret values never reach a report file.
    // Atomic replace, not an in-place write: in container mode Trivy runs as root and owns the file.
    await writeJsonAtomic(outputFile, ctx.redact(stripSecretCode(json)));
    return json;
  } catch {
    throw new TaskFailure({
      reason: 'scanner-error',
      tool: 'trivy',
      command: result.command,
      exitCode: 0,
      stderrTail: `the report ${outputFile} is not JSON`,
    });
  }
}

function stripSecretCode(report: unknown): unknown {
  const results = Array.isArray(report) ? report : (report as { Results?: unknown[] } | null)?.Results;
  for (const result of Array.isArray(results) ? results : []) {
    for (const secret of (result as { Secrets?: Record<string, unknown>[] }).Secrets ?? []) delete secret['Code'];
  }
  return report;
}

/**
 * Create the reports directory (mode from the process umask) and remove this scan's report
 * files from an earlier run, so a failed scan never leaves an old "passed" summary behind.
 * The directory must be a real one inside the project: Trivy writes its report where it is told,
 * so a reports/ linked to /etc would have it (as root, in container mode) write there.
 */
export async function prepareReportsDir(dir: string, files: readonly string[]): Promise<void> {
  await ensureDirectory(dir);
  // rm of a symlinked report removes the link, never what it points to.
  for (const file of files) rmSync(file, { force: true });
}

/**
 * Create the reports directory (mode from the process umask), keeping what is in it. It must
 * exist before Trivy's container runs at all: docker would create a missing bind source as root.
 */
export async function ensureReportsDir(dir: string): Promise<void> {
  await ensureDirectory(dir);
}

/** `trivy --version`, parsed; undefined when it fails or prints no version (then nothing is cached). */
export async function trivyVersion(
  ctx: TaskContext,
  prefix: readonly string[],
  options: { readonly fresh?: boolean } = {},
): Promise<import('./trivy-version.js').TrivyVersion | undefined> {
  // Asked once per run and scanner (security-scan's precondition, then its scan plan), unless the
  // caller knows the answer may have changed (`fresh`: the scan may have updated the DB).
  const asked = askedVersions.get(ctx.config) ?? new Map<string, ReturnType<typeof askVersion>>();
  askedVersions.set(ctx.config, asked);
  const key = prefix.join('\0');
  const known = options.fresh ? undefined : asked.get(key);
  if (known) return known;
  const answer = askVersion(ctx, prefix);
  asked.set(key, answer);
  return answer;
}

/** Per run (its resolved config), per scanner command: the `--version` answer. */
const askedVersions = new WeakMap<object, Map<string, ReturnType<typeof askVersion>>>();

async function askVersion(
  ctx: TaskContext,
  prefix: readonly string[],
): Promise<import('./trivy-version.js').TrivyVersion | undefined> {
  // Bounded: a scanner that hangs before it even says its version must not hold the run.
  const result = await ctx.$.with({ nothrow: true, silent: true, timeoutMs: 60_000 })`${[...prefix, '--version']}`;
  if (result.exitCode !== 0) return undefined;
  const { parseTrivyVersion } = await import('./trivy-version.js');
  return parseTrivyVersion(result.stdout);
}

/** The files one scan writes into the reports directory. */
export function reportPaths(dir: string): { trivyImage: string; trivyConfig: string; sarif: string; summary: string } {
  return {
    trivyImage: path.join(dir, 'trivy-image.json'),
    trivyConfig: path.join(dir, 'trivy-config.json'),
    sarif: path.join(dir, 'trivy.sarif'),
    summary: path.join(dir, 'scan-summary.json'),
  };
}
