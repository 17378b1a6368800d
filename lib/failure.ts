/**
 * Every way cloudy-tasks can fail, as one discriminated union keyed by `reason`.
 *
 * Failures are values: validators collect them, the runner records them on task events, and
 * lib/render/failure.ts is the only place that turns them into text. Only bugs are thrown (with an
 * "Internal error:" message); any other exception is converted into a failure at one boundary
 * in the runner. Each variant carries only what its message needs.
 */
import type { ParamProblem } from './engine/params.js';
import type { Severity } from './scan/severity.js';

export type Failure =
  /** Wrong command-line usage (unknown flag, missing value). Exit 2. */
  | { readonly reason: 'usage'; readonly message: string }
  /** A task parameter on the command line that the task does not take, or a bad or missing value. Exit 2. */
  | { readonly reason: 'bad-param'; readonly problem: ParamProblem }
  /** `--env NAME` naming neither an `environments` key nor an `.env.NAME` file. Exit 2. */
  | {
      readonly reason: 'unknown-environment';
      readonly name: string;
      readonly known: readonly string[];
      readonly file?: string;
    }
  /** A task name on the command line or in `deps` that no task has. Exit 2. */
  | {
      readonly reason: 'unknown-task';
      readonly name: string;
      readonly referencedBy?: string;
      readonly suggestion?: string;
      /** Named after `--graph`, where a user may have meant a format (`--graph svg`). */
      readonly afterGraph?: boolean;
    }
  /** Two different tasks with one name. Exit 2. */
  | { readonly reason: 'duplicate-task'; readonly name: string; readonly sources: readonly string[] }
  /** A dependency cycle, every hop listed, first node repeated at the end. Exit 2. */
  | { readonly reason: 'cycle'; readonly path: readonly string[] }
  /** A config value of the wrong type or shape. `path` is like `container.memory`. Exit 2. */
  | {
      readonly reason: 'invalid-config';
      readonly file?: string;
      readonly path: string;
      readonly expected: string;
      readonly received?: string;
      readonly hint?: string;
    }
  /** A key the config schema does not know (a typo, or a key of another tool). Exit 2. */
  | {
      readonly reason: 'unknown-key';
      readonly file?: string;
      /** Where, like `container.memroy`. */
      readonly path: string;
      /** The keys allowed at that place. */
      readonly known: readonly string[];
      /** The closest known key, as a full path, when one is plausibly meant. */
      readonly suggestion?: string;
    }
  /**
   * A container under the service's name that this project did not create (another project's,
   * or one started by hand): never replaced without `--adopt`. Exit 2: nothing was built or stopped.
   */
  | {
      readonly reason: 'not-ours';
      readonly container: string;
      /** Its `io.cloudy-tasks.project` label; absent when it has none (not made by cloudy-tasks). */
      readonly owner?: string;
      readonly ownerDir?: string;
      readonly ours: string;
      readonly oursDir: string;
    }
  /**
   * A tool whose version is known to be malicious or broken (a compromised Trivy release): never
   * run. Exit 2: the environment must change (another release, or the pinned container).
   */
  | {
      readonly reason: 'bad-tool';
      readonly tool: string;
      readonly version: string;
      /** Where it runs from: the binary's path, or the container image. */
      readonly from: string;
      readonly why: string;
    }
  /** A container setting that would weaken the hardening (privileged, seccomp off, root...). Exit 2. */
  | { readonly reason: 'unsafe-config'; readonly file?: string; readonly problem: string }
  /** More than one config file in the project directory: which one was meant is a guess. Exit 2. */
  | { readonly reason: 'config-conflict'; readonly files: readonly string[] }
  /** The config file exists but could not be loaded (syntax error, throwing module). Exit 2. */
  | { readonly reason: 'config-load'; readonly file: string; readonly message: string }
  /** Variables listed in `.env.example` are absent or empty. Exit 2. */
  | {
      readonly reason: 'missing-env';
      readonly names: readonly string[];
      readonly example: string;
      readonly envFile: string;
    }
  /** A required variable has a value the security policy forbids. Exit 2. */
  | {
      readonly reason: 'invalid-env';
      readonly name: string;
      readonly expected: string;
      readonly received: string;
      /** Why this value is refused, when "expected X" alone does not say. */
      readonly why?: string;
      /** Where the value came from: the environment (which wins over the file), or the env file. */
      readonly from?: { readonly environment: true } | { readonly file: string };
    }
  /** A command exited non-zero. */
  | {
      readonly reason: 'exit-non-zero';
      readonly command: string;
      readonly exitCode: number;
      readonly stderrTail: string;
    }
  /** A command was ended by a signal it did not ask for (OOM killer, someone's kill). */
  | { readonly reason: 'signal'; readonly command: string; readonly signal: string }
  /**
   * A command ran past its time bound (`scan.timeout`, a docker query's bound) and was killed with
   * its whole process group. `after` is the bound as the user reads it (`2s`).
   */
  | { readonly reason: 'timed-out'; readonly command: string; readonly after: string }
  /** A command could not be started at all (not on PATH, not executable). */
  | { readonly reason: 'spawn-error'; readonly command: string; readonly message: string }
  /** A tool the task needs is not installed or not reachable, with how to get it. */
  | { readonly reason: 'tool-missing'; readonly tool: string; readonly fix: string }
  /** A scanner failed to run (crash, bad flag, no DB): not the same thing as findings. */
  | {
      readonly reason: 'scanner-error';
      readonly tool: string;
      readonly command: string;
      readonly exitCode: number | null;
      readonly stderrTail: string;
    }
  /** The Docker daemon does not answer. */
  | { readonly reason: 'daemon-unreachable'; readonly detail: string }
  /** The run was interrupted by SIGINT/SIGTERM; the task was stopped. */
  | { readonly reason: 'aborted'; readonly signal: 'SIGINT' | 'SIGTERM' }
  /** The scan found findings at or above the threshold. */
  | {
      readonly reason: 'vulnerabilities-found';
      readonly target: string;
      readonly blocking: number;
      readonly threshold: Severity;
      readonly counts: Readonly<Record<Severity, number>>;
      readonly table: string;
      readonly reportPath?: string;
      /** The findings that failed the gate (for JUnit reports and CI annotations). */
      readonly findings?: readonly BlockingFinding[];
    }
  /** A check (hardening, preflight, health) did not hold; `details` is a rendered table or list. */
  | {
      readonly reason: 'checks-failed';
      readonly what: string;
      readonly failed: readonly string[];
      readonly details?: string;
      /** Failed checks that point into a file (preflight), so CI can annotate the line. */
      readonly located?: readonly LocatedFinding[];
    }
  /** A deploy failed after it started changing containers; `rollback` says what was restored. */
  | { readonly reason: 'deploy-failed'; readonly cause: Failure; readonly rollback: string }
  /**
   * A fleet deploy stopped at `host` (the first failure, `cause`); `hosts` says what happened on
   * every host of the fleet: updated hosts stay updated unless `deploy.rollbackAll`.
   */
  | {
      readonly reason: 'fleet-failed';
      readonly host: string;
      readonly cause: Failure;
      readonly hosts: readonly FleetHostOutcome[];
    }
  /**
   * Another deploy holds the fleet lock on a host (the marker container `marker`, see
   * lib/deploy/fleet-lock.ts). Exit 75: try later, or remove a dead run's marker.
   */
  | {
      readonly reason: 'fleet-locked';
      readonly host: string;
      readonly marker: string;
      /** From the marker's labels; null when they cannot be read. */
      readonly holder: FleetLockHolder | null;
      /** The docker command that removes the marker, for when its holder is known to be dead. */
      readonly unlock: string;
    }
  /** The project's state directory (.cloudy: lock, state, history) cannot be used. Exit 2. */
  | { readonly reason: 'state-error'; readonly problem: string }
  /** Another run of this project holds the run lock. Exit 75. */
  | {
      readonly reason: 'locked';
      readonly lockDir: string;
      /** Who holds it; null when the holder has not recorded itself (yet). */
      readonly holder: {
        readonly pid: number;
        readonly host: string;
        readonly command: string;
        readonly startedAt: string;
      } | null;
      /** How long after its holder stops refreshing it the lock frees itself. */
      readonly staleMs: number;
    }
  /**
   * A write would leave the project or go through a symlink (reports/ or .cloudy/ linked to /etc,
   * a history file linked elsewhere): nothing was written. Exit 2.
   */
  | { readonly reason: 'unsafe-path'; readonly path: string; readonly kind: 'symlink' | 'outside' | 'not-a-directory' }
  /** The run lock cannot be created or checked (EACCES, EROFS, ENOSPC, a file in the way). Exit 2. */
  | {
      readonly reason: 'lock-error';
      readonly lockDir: string;
      readonly code: string;
      readonly path: string;
      readonly message: string;
    }
  /** The run lock was lost while this run held it (removed, or not refreshed in time). */
  | { readonly reason: 'lock-lost'; readonly lockDir: string; readonly cause: string }
  /** A task reported a failure in its own words (user tasks throwing, `ctx.fail(message)`). */
  | { readonly reason: 'task-error'; readonly message: string; readonly hint?: string }
  /** A bug in cloudy-tasks. Rendered with a "please report" line and the stack. */
  | { readonly reason: 'internal-error'; readonly message: string; readonly stack?: string };

export type FailureReason = Failure['reason'];

/** What a fleet deploy did on one host (in `deploy.hosts` order). */
export interface FleetHostOutcome {
  /** As configured: the URL or the context name. */
  readonly host: string;
  /**
   * `updated`: the new version runs there, verified; `up-to-date`: it already did (verified);
   * `failed`: the host the fleet stopped at; `rolled-back`: updated, then put back because of
   * `deploy.rollbackAll`; `not-started`: never touched.
   */
  readonly state: 'updated' | 'up-to-date' | 'failed' | 'rolled-back' | 'not-started';
  /** For `failed` and `rolled-back`: what the rollback restored (or that nothing had changed). */
  readonly detail?: string;
}

/** Who holds a fleet lock, from the marker's labels. */
export interface FleetLockHolder {
  /** `os.hostname()` of the machine the holding run started on. */
  readonly machine: string;
  readonly pid: number;
  /** ISO-8601. */
  readonly startedAt: string;
  /** The holding project's id (`io.cloudy-tasks.project`). */
  readonly project: string;
}

/** A finding that points into a file (a preflight rule on a Dockerfile line, a secret in the context). */
export interface LocatedFinding {
  /** Absolute path of the file. */
  readonly path: string;
  /** 1-based line, when the finding is about one line. */
  readonly line?: number;
  /** Stable rule id, e.g. `user-root`. */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

/** One finding at or above the scan gate's threshold: what a report needs to name it. */
export interface BlockingFinding {
  readonly id: string;
  readonly severity: Severity;
  readonly kind: 'vulnerability' | 'misconfiguration' | 'secret';
  /** The scanned target (an image layer's OS, a package file, a config file). */
  readonly target: string;
  readonly title: string;
  readonly pkg?: string;
  readonly installed?: string;
  readonly fixed?: string;
  /** The line in `target`, for misconfigurations and secrets. */
  readonly line?: number;
}

/**
 * Exit codes, documented in the README. 2 means "fix your input, nothing ran"; 1 means
 * "a task ran and failed"; 75 (EX_TEMPFAIL) tells schedulers "another run is in progress, try later".
 */
export function exitCodeOf(failure: Failure): number {
  switch (failure.reason) {
    case 'usage':
    case 'bad-param':
    case 'unknown-environment':
    case 'unknown-task':
    case 'duplicate-task':
    case 'cycle':
    case 'invalid-config':
    case 'unknown-key':
    case 'not-ours':
    case 'bad-tool':
    case 'unsafe-config':
    case 'config-load':
    case 'config-conflict':
    case 'missing-env':
    case 'invalid-env':
    case 'state-error':
    case 'lock-error':
    case 'unsafe-path':
      return 2;
    case 'aborted':
      return failure.signal === 'SIGINT' ? 130 : 143;
    case 'locked':
    case 'fleet-locked':
      return 75;
    case 'exit-non-zero':
    case 'signal':
    case 'timed-out':
    case 'spawn-error':
    case 'tool-missing':
    case 'daemon-unreachable':
    case 'scanner-error':
    case 'vulnerabilities-found':
    case 'checks-failed':
    case 'deploy-failed':
    case 'fleet-failed':
    case 'lock-lost':
    case 'task-error':
    case 'internal-error':
      return 1;
  }
}

/**
 * Thrown inside a task's `run` to end it with a failure value. The runner catches it at its one
 * exception boundary and records `failure` on the task-failed event; it never reaches the user as
 * an exception.
 */
export class TaskFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason);
    this.name = 'TaskFailure';
  }
}
