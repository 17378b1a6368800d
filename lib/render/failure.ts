/**
 * Failures as text: the one place a {@link Failure} becomes words. User errors are one clear
 * line that names the problem and the fix; bugs get a "please report" block with the version
 * and the stack. Every renderer (line, JSON, dry-run, listr2) and the CLI use this.
 */
import type { ParamProblem, ParamSpec } from '../engine/params.js';
import type { Failure } from '../failure.js';
import { SEVERITIES } from '../scan/severity.js';
import { unreachable } from '../util/unreachable.js';
import { VERSION } from '../version.js';
import { formatFleetFailed, formatFleetLocked } from './fleet.js';
import { formatLockError, formatLocked, formatLockLost } from './lock.js';
import { shorten } from './text.js';

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
    case 'bad-param':
      return formatParamProblem(f.problem);
    case 'unknown-environment':
      return `${f.file ? `${f.file}: ` : ''}unknown environment "${f.name}" (--env ${f.name}): ${
        f.known.length > 0 ? `the known ones are ${f.known.join(', ')}` : 'none is defined'
      }; add environments.${f.name} to the config or a .env.${f.name} file`;
    case 'unknown-task': {
      const hint = f.suggestion ? ` (did you mean "${f.suggestion}"?)` : '';
      if (f.afterGraph && !f.suggestion)
        return `unknown task "${f.name}" (--graph takes "mermaid" or "dot", then task names); run cloudy-tasks --list to see the tasks`;
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
    case 'unknown-key':
      return f.suggestion
        ? `${f.file ? `${f.file}: ` : ''}${f.path} is not a config key; did you mean ${f.suggestion}?`
        : `${f.file ? `${f.file}: ` : ''}${f.path} is not a config key; the keys here are ${f.known.join(', ')}`;
    case 'unsafe-config':
      return `${f.file ? `${f.file}: ` : ''}refusing an unsafe container setting: ${f.problem}`;
    case 'not-ours':
      return notOurs(f);
    case 'bad-tool':
      return `refusing ${f.tool} ${f.version} (${f.from}): it is ${f.why}; nothing was scanned. Install another release and verify its checksum, or take it off PATH to use the pinned container (scan.trivyImage)`;
    case 'config-load':
      return `cannot load ${f.file}: ${f.message}`;
    case 'config-conflict':
      return `more than one config file: ${f.files.join(', ')} (${f.files[0]} would win and the others be ignored); keep one, or pick one with --config FILE`;
    case 'missing-env':
      return `missing environment variable${f.names.length > 1 ? 's' : ''} ${f.names.join(', ')} (required by ${f.example}); set ${f.names.length > 1 ? 'them' : 'it'} in ${f.envFile} or the environment, e.g. GOTELEMETRY=off UMASK=077 CGO_ENABLED=0`;
    case 'invalid-env':
      return `${f.name}=${JSON.stringify(f.received)} is not allowed: expected ${f.expected}${f.why ? `; ${f.why}` : ''}; ${envFix(f.name, f.from)}`;
    case 'exit-non-zero':
      return exitNonZero(f);
    case 'signal':
      return `command was killed by ${f.signal}: ${f.command}`;
    case 'timed-out':
      return `${programOf(f.command)} timed out after ${f.after} and was killed (with its process group): ${shorten(f.command, 200)}`;
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
    case 'fleet-failed':
      return formatFleetFailed(f, formatFailure);
    case 'fleet-locked':
      return formatFleetLocked(f);
    case 'state-error':
      return f.problem;
    case 'locked':
      return formatLocked(f);
    case 'lock-error':
      return formatLockError(f);
    case 'unsafe-path':
      return unsafePath(f);
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

/**
 * A failed command leads with its cause: the last line it wrote to stderr (the command line itself
 * can be 600 characters of flags), then the program and the code; the full command and the rest
 * of stderr follow as details.
 */
function exitNonZero(f: Extract<Failure, { reason: 'exit-non-zero' }>): string {
  const lines = f.stderrTail.split('\n').filter((l) => l.trim() !== '');
  const cause = lines.at(-1)?.trim();
  if (cause === undefined) return `command failed with exit code ${f.exitCode}: ${shorten(f.command, 200)}`;
  const details = [`$ ${f.command}`, ...lines.slice(0, -1)];
  return `${cause} (${programOf(f.command)} exited with code ${f.exitCode})\n${indent(details.join('\n'))}`;
}

/** `docker build --file … .` → `docker build`; `trivy image …` → `trivy image`; `make` → `make`. */
function programOf(command: string): string {
  const words = command.split(/\s+/);
  const second = words[1];
  return second !== undefined && /^[a-z][a-z-]*$/.test(second) ? `${words[0]} ${second}` : (words[0] ?? command);
}

function unsafePath(f: Extract<Failure, { reason: 'unsafe-path' }>): string {
  switch (f.kind) {
    case 'symlink':
      return `refusing to write through the symlink ${f.path} (cloudy-tasks writes only into real directories of the project); replace it with a directory`;
    case 'outside':
      return `refusing to write ${f.path}: it is outside the project, and cloudy-tasks writes only inside it; use a path inside the project`;
    case 'not-a-directory':
      return `cannot write below ${f.path}: it is not a directory; move it away`;
    default:
      return unreachable(f.kind);
  }
}

function notOurs(f: Extract<Failure, { reason: 'not-ours' }>): string {
  const whose =
    f.owner === undefined
      ? 'was not started by cloudy-tasks (it has no io.cloudy-tasks.project label)'
      : `belongs to another project (${f.owner}${f.ownerDir ? `, ${f.ownerDir}` : ''})`;
  return `container ${f.container} ${whose}, so this project (${f.ours}, ${f.oursDir}) will not replace it; nothing was built or stopped. Give this project its own container.name, or run again with --adopt to take ${f.container} over`;
}

/** Where to fix an env value: the environment wins over .env, so a fix in .env would change nothing. */
function envFix(name: string, from: Extract<Failure, { reason: 'invalid-env' }>['from']): string {
  if (from && 'environment' in from)
    return `it is set in the environment, which wins over .env: change it there (or unset ${name} to use .env)`;
  return `fix it in ${from ? from.file : '.env or the environment'}`;
}

// ---- task parameters (kept in this module: one chunk less on every start-up) ----

/** `--tag TEXT`, `--count N`, `--mode happy|grumpy`, `--loud`. */
export function paramUsage(name: string, spec: ParamSpec): string {
  switch (spec.type) {
    case 'boolean':
      return `--${name}`;
    case 'number':
      return `--${name} N`;
    case 'string':
      return `--${name} ${spec.choices ? spec.choices.join('|') : 'TEXT'}`;
  }
}

/** What a value of this parameter must be, as in "expected …". */
function expected(spec: ParamSpec): string {
  switch (spec.type) {
    case 'boolean':
      return 'true or false';
    case 'number':
      return 'a number';
    case 'string':
      return spec.choices ? `one of ${spec.choices.join(', ')}` : 'a value';
  }
}

export function formatParamProblem(p: ParamProblem): string {
  switch (p.kind) {
    case 'unknown': {
      const guess = p.suggestion;
      const takes =
        p.known.length === 0
          ? `task ${p.task} takes no options of its own`
          : `task ${p.task} takes ${p.known.map((k) => `--${k}`).join(', ')}`;
      return `unknown option ${p.option} for task ${p.task}${guess ? ` (did you mean --${guess}?)` : ''}; ${takes} (cloudy-tasks help ${p.task})`;
    }
    case 'needs-value':
      return `${p.option} of task ${p.task} needs ${expected(p.spec)}: ${paramUsage(p.option.slice(2), p.spec)} or ${p.option}=VALUE`;
    case 'bad-value':
      return `${p.option} of task ${p.task} takes ${expected(p.spec)}, not ${JSON.stringify(p.value)}`;
    case 'missing':
      return `task ${p.task} needs ${p.option} (required): cloudy-tasks ${p.task} ${paramUsage(p.option.slice(2), p.spec)}`;
    case 'repeated':
      return `${p.option} of task ${p.task} is given more than once; give it once`;
  }
}

/** One line of `help <task>`'s parameter list: usage, description, required or default. */
export function paramLine(name: string, spec: ParamSpec): { usage: string; text: string } {
  const extra =
    'required' in spec && spec.required
      ? ' (required)'
      : spec.default !== undefined
        ? ` (default: ${JSON.stringify(spec.default)})`
        : '';
  return { usage: paramUsage(name, spec), text: `${spec.description}${extra}` };
}
