/**
 * Failures as text: the one place a {@link Failure} becomes words. User errors are one clear
 * line that names the problem and the fix; bugs get a "please report" block with the version
 * and the stack. Every renderer (line, JSON, dry-run, listr2) and the CLI use this.
 */
import type { Failure } from '../failure.js';
import { SEVERITIES } from '../scan/severity.js';
import { unreachable } from '../util/unreachable.js';
import { VERSION } from '../version.js';
import { formatLockError, formatLocked, formatLockLost } from './lock.js';

const indent = (text: string, by = '    ') =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

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
      return formatLocked(f);
    case 'lock-error':
      return formatLockError(f);
    case 'lock-lost':
      return formatLockLost(f);
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
