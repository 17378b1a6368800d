/**
 * The only module that turns failures and run events into text (listr2's TTY view in
 * lib/render-listr.ts reuses `formatFailure`). User errors are one clear line that names the
 * problem and the fix; bugs get a "please report" block with the version and stack.
 */
import type { Failure } from './failure.js';
import type { RunEvent } from './runner.js';
import { SEVERITIES } from './severity.js';
import { unreachable } from './util/unreachable.js';
import { VERSION } from './version.js';

const indent = (text: string, by = '    ') => text.split('\n').map((l) => by + l).join('\n');

/** One headline, plus indented details for failures that have them. */
export function formatFailure(f: Failure): string {
  switch (f.reason) {
    case 'usage':
      return `${f.message} (see cloudy-tasks --help)`;
    case 'unknown-task': {
      const hint = f.suggestion ? ` (did you mean "${f.suggestion}"?)` : '';
      return f.referencedBy
        ? `task "${f.referencedBy}" depends on unknown task "${f.name}"${hint}; fix its deps`
        : `unknown task "${f.name}"${hint}; run cloudy-tasks --list to see the tasks`;
    }
    case 'duplicate-task':
      return `task "${f.name}" is defined twice (${f.sources.join(' and ')}); rename one of them`;
    case 'cycle':
      return `dependency cycle: ${f.path.join(' -> ')}; remove one of these dependencies`;
    case 'invalid-config':
      return `${f.file ? `${f.file}: ` : ''}${f.path}: expected ${f.expected}, got ${f.received ?? 'nothing'}${f.hint ? ` (${f.hint})` : ''}`;
    case 'unsafe-config':
      return `${f.file ? `${f.file}: ` : ''}refusing an unsafe container setting: ${f.problem}`;
    case 'config-load':
      return `cannot load ${f.file}: ${f.message}`;
    case 'missing-env':
      return `missing environment variable${f.names.length > 1 ? 's' : ''} ${f.names.join(', ')} (required by ${f.example}); set ${f.names.length > 1 ? 'them' : 'it'} in ${f.envFile} or the environment, e.g. GOTELEMETRY=off UMASK=077 CGO_ENABLED=0`;
    case 'invalid-env':
      return `${f.name}=${JSON.stringify(f.received)} is not allowed: expected ${f.expected}; fix it in .env or the environment`;
    case 'exit-non-zero':
      return `command failed with exit code ${f.exitCode}: ${f.command}${f.stderrTail ? `\n${indent(f.stderrTail)}` : ''}`;
    case 'signal':
      return `command was killed by ${f.signal}: ${f.command}`;
    case 'spawn-error':
      return `could not start: ${f.command}: ${f.message}`;
    case 'tool-missing':
      return `${f.tool} is not available: ${f.fix}`;
    case 'scanner-error':
      return `${f.tool} failed with exit code ${f.exitCode ?? 'none'} (a scanner error, not findings): ${f.command}${f.stderrTail ? `\n${indent(f.stderrTail)}` : ''}`;
    case 'daemon-unreachable':
      return `cannot reach the Docker daemon (${f.detail}); start it (e.g. sudo systemctl start docker) or set DOCKER_HOST`;
    case 'aborted':
      return `interrupted by ${f.signal}`;
    case 'vulnerabilities-found': {
      const counts = SEVERITIES.map((s) => `${s} ${f.counts[s]}`).join(', ');
      return (
        `${f.blocking} finding${f.blocking === 1 ? '' : 's'} at or above ${f.threshold} in ${f.target} (${counts})` +
        `${f.reportPath ? `; full report: ${f.reportPath}` : ''}${f.table ? `\n${indent(f.table)}` : ''}`
      );
    }
    case 'checks-failed':
      return `${f.what}: ${f.failed.length} check${f.failed.length === 1 ? '' : 's'} failed: ${f.failed.join(', ')}${f.details ? `\n${indent(f.details)}` : ''}`;
    case 'deploy-failed': {
      const [headline, ...details] = formatFailure(f.cause).split('\n');
      return [`deploy failed: ${headline}; rollback: ${f.rollback}`, ...details].join('\n');
    }
    case 'state-error':
      return f.problem;
    case 'locked':
      return `another cloudy-tasks run holds the lock (${f.holder}); this run exits with code 75 and does nothing`;
    case 'task-error':
      return `${f.message}${f.hint ? ` (${f.hint})` : ''}`;
    case 'internal-error':
      return `internal error: ${f.message}\nThis is a bug in cloudy-tasks ${VERSION}. Please report it with this output.${f.stack ? `\n${indent(f.stack)}` : ''}`;
    default:
      return unreachable(f);
  }
}

/** The first line of a failure, for one-line places (listr titles, summaries). */
export const failureHeadline = (f: Failure): string => formatFailure(f).split('\n')[0]!;

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export interface Sink {
  /** Progress and results (stdout). */
  readonly out: (line: string) => void;
  /** Diagnostics (stderr). */
  readonly err: (line: string) => void;
}

/**
 * The line-oriented renderer for CI logs, pipes and large graphs: every line is prefixed with
 * its task, because concurrent tasks interleave.
 */
export function lineRenderer(sink: Sink): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'task-started':
        return sink.out(`[${event.task}] started`);
      case 'task-progress':
        return sink.out(`[${event.task}] ${event.message}`);
      case 'command':
        return sink.out(`[${event.task}] $ ${event.command}`);
      case 'output':
        return sink.out(`[${event.task}] ${event.line}`);
      case 'task-succeeded':
        return sink.out(`[${event.task}] done in ${seconds(event.durationMs)}`);
      case 'task-failed':
        return sink.err(`[${event.task}] FAILED after ${seconds(event.durationMs)}: ${formatFailure(event.failure)}`);
      case 'task-skipped':
        return sink.out(`[${event.task}] skipped: ${event.reason}`);
      default:
        return unreachable(event);
    }
  };
}

/**
 * `--dry-run`: stdout gets exactly the commands, one per line, in execution order, so the output
 * can be saved and run as a script. Everything else goes to stderr.
 */
export function dryRunRenderer(sink: Sink): (event: RunEvent) => void {
  return (event) => {
    // Read-only probes (git metadata) really ran, to give the printed commands real values.
    if (event.type === 'command') (event.dryRun ? sink.out : sink.err)(event.dryRun ? event.command : `# ran (read-only): ${event.command}`);
    else if (event.type === 'task-started') sink.err(`# ${event.task}`);
    else if (event.type === 'task-failed') sink.err(`[${event.task}] FAILED: ${formatFailure(event.failure)}`);
    else if (event.type === 'task-skipped') sink.err(`[${event.task}] skipped: ${event.reason}`);
    else if (event.type === 'task-progress') sink.err(`# ${event.task}: ${event.message}`);
  };
}

/**
 * `--json`: one JSON object per line per task event, nothing else on stdout.
 * `output` is the task's typed output; `error` the rendered failure; `reason` a skip's reason.
 */
/** JSON.stringify that cannot throw on task outputs: BigInt as a string, cycles cut. */
function toJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

export function jsonRenderer(write: (line: string) => void): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'task-started':
        return write(toJson({ type: event.type, task: event.task }));
      case 'task-succeeded':
        return write(toJson({ type: event.type, task: event.task, durationMs: event.durationMs, output: event.output ?? null }));
      case 'task-failed':
        return write(toJson({ type: event.type, task: event.task, durationMs: event.durationMs, error: formatFailure(event.failure), failure: event.failure }));
      case 'task-skipped':
        return write(toJson({ type: event.type, task: event.task, reason: event.reason }));
      case 'task-progress':
      case 'command':
      case 'output':
        return;
      default:
        return unreachable(event);
    }
  };
}

/** The closing summary for a human (stderr). */
export function formatSummary(failures: readonly { task: string; failure: Failure }[], skipped: number, succeeded: number, full = false): string {
  if (failures.length === 0) return `${succeeded} task${succeeded === 1 ? '' : 's'} succeeded`;
  const lines = [`${failures.length} task${failures.length === 1 ? '' : 's'} failed, ${skipped} skipped, ${succeeded} succeeded:`];
  for (const { task, failure } of failures) lines.push(`  ${task}: ${full ? formatFailure(failure) : failureHeadline(failure)}`);
  return lines.join('\n');
}
