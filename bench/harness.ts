/**
 * The benchmark harness. A case (one small file in bench/cases/) prepares a subject command and a
 * baseline command; the harness runs them alternately (so a change in machine load hits both),
 * several rounds each, and reports the medians, the ratio subject/baseline and the peak RSS of
 * each (from /usr/bin/time when installed). Ratios, not milliseconds, are what compare across
 * machines; absolute targets (10,000 tasks under 1 s) are checked on the medians too.
 *
 * Never a test: `npm test` does not run this (timings on a shared 2-core machine are not a
 * pass/fail signal). Complexity is guarded by tests that count work (test/engine/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The installed command, as users run it (build first: `npm run build`). */
export const cli = path.join(root, 'bin', 'cloudy-tasks.js');
/** Scripts the baselines run (plain Node doing the same work without cloudy-tasks). */
export const fixtures = path.join(root, 'bench', 'fixtures');

export interface Command {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Added to the bench environment (a minimal one: PATH, HOME, the env policy's three, CI=1). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Targets {
  /** Median of the subject / median of the baseline, at most. */
  readonly ratio?: number;
  /** Median wall time of the subject, below (ms). */
  readonly ms?: number;
  /** Peak RSS of the subject, at most (MiB). */
  readonly peakMiB?: number;
}

/**
 * Work measured inside the bench process (a library call such as the fingerprint check), for
 * figures a process start-up would drown. No RSS is reported for it.
 */
export interface InProcess {
  readonly inProcess: () => Promise<unknown> | unknown;
}

export interface Prepared {
  readonly subject: Command | InProcess;
  readonly baseline: Command | InProcess;
  /** What the baseline is, for the table. */
  readonly baselineName: string;
  /** Removes what `prepare` made beyond its temporary projects (containers, images, volumes). */
  readonly cleanup?: () => void;
}

export interface BenchCase {
  readonly name: string;
  readonly targets: Targets;
  /** `docker`: needs a reachable Docker engine; without one the row says so and is not measured. */
  readonly needs?: 'docker';
  /** Make the projects the commands run in; they are removed after the case. */
  prepare(tools: Tools): Prepared | Promise<Prepared>;
}

export interface Tools {
  /** A temporary project: package.json, a valid .env and .dockerignore, plus `files`. */
  project(files?: Readonly<Record<string, string>>): string;
  readonly node: string;
  readonly cli: string;
}

/** Identity helper so a case file is checked against the interface where it is written. */
export function defineCase(benchCase: BenchCase): BenchCase {
  return benchCase;
}

/** The bench environment: minimal, so the host's variables do not leak in. */
export const ENV = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: os.tmpdir(),
  GOTELEMETRY: 'off',
  UMASK: '077',
  CGO_ENABLED: '0',
  CI: '1',
};

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export interface Sample {
  readonly ms: number;
  readonly rssKiB: number | undefined;
}

/** One run: wall time and peak RSS. A failing command is a broken case: it stops the bench. */
export async function runOnce(command: Command | InProcess): Promise<Sample> {
  if ('inProcess' in command) {
    const t0 = performance.now();
    await command.inProcess();
    return { ms: performance.now() - t0, rssKiB: undefined };
  }
  const env = { ...ENV, ...command.env };
  const [file, ...args] = GNU_TIME ? [GNU_TIME, '-f', '%M', ...command.argv] : command.argv;
  const t0 = performance.now();
  const r = spawnSync(file!, args, { cwd: command.cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${command.argv.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().slice(-600)}`);
  const kib = GNU_TIME ? Number(r.stderr.trim().split('\n').at(-1)) : Number.NaN;
  return { ms, rssKiB: Number.isFinite(kib) ? kib : undefined };
}

export interface Measured {
  readonly subject: Summary;
  readonly baseline: Summary;
}

export interface Summary {
  readonly medianMs: number;
  /** Highest RSS over the rounds. */
  readonly peakKiB: number | undefined;
}

function summarize(samples: readonly Sample[]): Summary {
  const times = samples.map((s) => s.ms).sort((a, b) => a - b);
  const rss = samples.map((s) => s.rssKiB).filter((k): k is number => k !== undefined);
  return { medianMs: times[Math.floor(times.length / 2)]!, peakKiB: rss.length ? Math.max(...rss) : undefined };
}

/** One warm-up run of each (caches, page cache), then `rounds` alternating pairs. */
export async function measure(prepared: Prepared, rounds: number): Promise<Measured> {
  await runOnce(prepared.subject);
  await runOnce(prepared.baseline);
  const subject: Sample[] = [];
  const baseline: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so neither always runs right after the other.
    if (i % 2 === 0) {
      subject.push(await runOnce(prepared.subject));
      baseline.push(await runOnce(prepared.baseline));
    } else {
      baseline.push(await runOnce(prepared.baseline));
      subject.push(await runOnce(prepared.subject));
    }
  }
  return { subject: summarize(subject), baseline: summarize(baseline) };
}

/** Temporary projects, removed by `cleanup()`. */
export function projects(): { tools: Tools; cleanup(): void } {
  const made: string[] = [];
  const tools: Tools = {
    node: process.execPath,
    cli,
    project(files = {}) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-bench-'));
      made.push(dir);
      writeFileSync(path.join(dir, 'package.json'), '{"name":"bench","private":true}\n');
      writeFileSync(path.join(dir, '.env'), 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\n');
      writeFileSync(path.join(dir, '.dockerignore'), '.env\n.env.*\n*.key\n*.pem\nsecrets/\n.git/\n');
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      return dir;
    },
  };
  const cleanup = () => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  };
  return { tools, cleanup };
}

/** Which targets a result misses, as words for the table ("" when all are met). */
export function missed(targets: Targets, m: Measured): string[] {
  const misses: string[] = [];
  const ratio = m.subject.medianMs / m.baseline.medianMs;
  if (targets.ratio !== undefined && ratio > targets.ratio) misses.push(`ratio > ${targets.ratio}x`);
  if (targets.ms !== undefined && m.subject.medianMs >= targets.ms) misses.push(`>= ${targets.ms} ms`);
  const peakMiB = m.subject.peakKiB !== undefined ? m.subject.peakKiB / 1024 : undefined;
  if (targets.peakMiB !== undefined && peakMiB !== undefined && peakMiB > targets.peakMiB)
    misses.push(`peak > ${targets.peakMiB} MiB`);
  return misses;
}

export function describeTargets(targets: Targets): string {
  const parts: string[] = [];
  if (targets.ratio !== undefined) parts.push(`<= ${targets.ratio}x`);
  if (targets.ms !== undefined) parts.push(`< ${targets.ms} ms`);
  if (targets.peakMiB !== undefined) parts.push(`peak <= ${targets.peakMiB} MiB`);
  return parts.length > 0 ? parts.join(', ') : '- (measured for reference)';
}

/** Whether a Docker engine answers (for cases with `needs: 'docker'`). */
export function dockerReachable(): boolean {
  return spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 }).status === 0;
}
