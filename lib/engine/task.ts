/**
 * The typed task API: `defineTask` and the context a task's `run` receives.
 *
 * Dependencies are references to other task definitions, not strings, so a typo in a dependency
 * or a wrong field on a dependency's output is a compile error, and each dependency's output
 * reaches `run` typed. At run time the engine only needs names; ./registry.ts turns
 * definitions into the name-based specs that ./graph.ts validates.
 */

import type { ResolvedConfig } from '../config/types.js';
import type { Failure } from '../failure.js';
import type { ParamSpecs, ParamValue, ParamValues } from './params.js';
import type { Shell } from './spawn.js';

/**
 * Runtime brand of task definitions. `Symbol.for` (not `Symbol()`) so a definition made by another
 * copy of this module (a config bundled against an installed `cloudy-tasks`) is still recognised.
 */
export const TASK_BRAND: unique symbol = Symbol.for('cloudy-tasks.task');

/** Flags of the current invocation that tasks may act on. */
export interface RunFlags {
  /** `--dry-run`: commands are printed, not run; see `TaskContext.$`. */
  readonly dryRun: boolean;
  /** `--if-changed`: rebuild only when a base image digest changed since the last rebuild. */
  readonly ifChanged: boolean;
  /** `--json`: machine output; tasks should not print tables of their own. */
  readonly json: boolean;
  // Task-specific flags of the compose and incident tasks (issue 12), until tasks get parameters.
  /** `--profile NAME` (repeatable): dev-up starts these compose profiles too. */
  readonly profiles?: readonly string[];
  /** `--stdout`: compose-file prints the file instead of writing it. */
  readonly stdout?: boolean;
  /** `--no-stop`: incident collects evidence without stopping the container. */
  readonly noStop?: boolean;
  /** `--force`: do the work even when the inputs are unchanged (rebuild, rescan, redeploy). */
  readonly force: boolean;
  /** `--adopt`: deploy-secure may replace a container of that name that this project did not create. */
  readonly adopt?: boolean;
}

/** Why a task did its work or found nothing to do; `--explain` shows one line per task. */
export interface Decision {
  /** True when nothing needed doing: the output is what an earlier run made from the same inputs. */
  readonly upToDate: boolean;
  /** One short phrase naming the input that changed, or why nothing did (`Dockerfile changed`). */
  readonly why: string;
}

/** Any task's parameter values, by name (see {@link TaskContext.params}). */
export type AnyParams = Readonly<Record<string, ParamValue | undefined>>;

/**
 * What a task's `run` receives as its first argument. `Params` is the type of `params`, inferred
 * from the task's `params` declaration by {@link defineTask}.
 */
export interface TaskContext<Params = AnyParams> {
  /**
   * The task's parameters: `--name value` (or `--name=value`) after its name on the command line,
   * else the declared default. Only the named targets receive words; a dependency gets defaults.
   */
  readonly params: Params;
  /**
   * The shell. Every `${value}` becomes exactly one argument that no shell interprets (arrays
   * become one argument per item); the command is logged quoted, and under `--dry-run` it is
   * printed instead of run. A non-zero exit ends the task with an `exit-non-zero` failure
   * unless `$.nothrow` is used.
   */
  readonly $: Shell;
  /** The loaded and validated config, every default filled in. */
  readonly config: ResolvedConfig;
  /** The environment after `.env` was loaded and the env policy checked. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM. Long waits in task code should listen to it. */
  readonly signal: AbortSignal;
  /** Flags of this invocation. */
  readonly flags: RunFlags;
  /** The directory the config was found in (or `--cwd`); relative config paths start here. */
  readonly projectDir: string;
  /** Mask secret-looking environment values in a string or JSON-like value (for files you write). */
  redact<T>(value: T): T;
  /** Progress: shown as the task's current status line on a terminal, and logged otherwise. */
  progress(message: string): void;
  /** Record why the task ran or had nothing to do (shown by `--explain`; the last call wins). */
  explain(decision: Decision): void;
  /** End the task with a failure. A string becomes a `task-error` failure with that message. */
  fail(failure: Failure | string): never;
}

/** A task definition. Create one with {@link defineTask}. */
export interface Task<
  Name extends string = string,
  Out = unknown,
  Deps extends readonly AnyTask[] = readonly AnyTask[],
> {
  readonly [TASK_BRAND]: true;
  /** Unique name, used on the command line and in declarative `deps`. */
  readonly name: Name;
  /** One line shown by `--list`. */
  readonly description: string;
  /** Tasks that must succeed first; their outputs arrive in `run`'s second argument. */
  readonly deps: Deps;
  /** Its parameters, as declared (shown by `cloudy-tasks help <task>`). */
  readonly params?: ParamSpecs;
  /**
   * A task whose output this one can stand in for. When both are selected in one invocation,
   * the provided task does not run; it passes this task's output on, and runs after it. This is
   * how `rebuild-no-cache` feeds the image it rebuilt to `security-scan` and `deploy-secure`
   * (which depend on `docker`) instead of a second, cached build.
   */
  readonly provides?: AnyTask;
  /**
   * Order only: when a task listed here is selected in the same run, this one runs after it (and
   * is skipped if it fails). It never pulls that task in and gets no output from it: `audit
   * deploy-secure` audits the container the deploy just verified, `audit` alone the one running.
   */
  readonly after?: readonly AnyTask[];
  /**
   * Preconditions, checked before any task of the run starts (not under `--dry-run`): what can be
   * known to fail must fail before anything is built or stopped. Read-only: it must change
   * nothing. A failure here ends the run at once with that failure (a bad input: exit 2).
   */
  readonly check?: (ctx: TaskContext) => Precondition | Promise<Precondition>;
  // Method syntax on purpose: it makes `run` bivariant in its parameters, so any task is
  // assignable to `AnyTask` whatever its dependencies' outputs are.
  run(ctx: TaskContext, deps: DepOutputs<Deps>): Out | Promise<Out>;
}

/** What a precondition check finds: nothing wrong, or the failures that make the run pointless. */
export type Precondition = undefined | Failure | readonly Failure[];

/** Any task, whatever its name, output and dependencies. */
// biome-ignore lint/suspicious/noExplicitAny: the widest task type; `unknown` would make every task unassignable to it.
export type AnyTask = Task<string, any, readonly any[]>;

/** The output type of a task (what its `run` resolves to). */
export type TaskOutput<T> = T extends Task<string, infer O, readonly AnyTask[]> ? Awaited<O> : never;

/** What a task that `provides` P must output: P's output (anything when it provides nothing). */
export type ProvidedOutput<P> = [P] extends [never] ? unknown : TaskOutput<P>;

/** `{ [dependency name]: dependency output }` for a tuple of dependencies. */
export type DepOutputs<Deps extends readonly AnyTask[]> = {
  readonly [T in Deps[number] as T['name']]: TaskOutput<T>;
};

/**
 * Define a task. `const` type parameters keep the name and the dependency tuple as literals,
 * so `deps` in `run` is keyed by the dependencies' real names.
 *
 * @example
 * const lint = defineTask({
 *   name: 'lint',
 *   description: 'Run the linter on the built image',
 *   deps: [docker],
 *   run: async (ctx, deps) => { await ctx.$`golangci-lint run`; return deps.docker.imageId },
 * })
 */
export function defineTask<
  const Name extends string,
  const Deps extends readonly AnyTask[] = readonly [],
  Provided extends AnyTask = never,
  Out extends ProvidedOutput<Provided> = ProvidedOutput<Provided>,
  // biome-ignore lint/complexity/noBannedTypes: no parameters is the empty object type.
  const Params extends ParamSpecs = {},
>(definition: {
  readonly name: Name;
  readonly description: string;
  readonly deps?: Deps;
  /**
   * Its parameters: `{ tag: { type: 'string', description: 'image tag', default: 'latest' } }`
   * is `--tag v2` on the command line and `ctx.params.tag: string` in `run`.
   */
  readonly params?: Params;
  /** A task whose output type this task's output satisfies (checked by the compiler). */
  readonly provides?: Provided;
  /** Tasks this one runs after when they are selected too, order only (see {@link Task.after}). */
  readonly after?: readonly AnyTask[];
  /** Read-only preconditions checked before any task of the run starts (see {@link Task.check}). */
  readonly check?: (ctx: TaskContext) => Precondition | Promise<Precondition>;
  readonly run: (ctx: TaskContext<ParamValues<Params>>, deps: DepOutputs<Deps>) => Out | Promise<Out>;
}): Task<Name, Awaited<Out>, Deps> {
  return {
    [TASK_BRAND]: true,
    name: definition.name,
    description: definition.description,
    deps: (definition.deps ?? []) as unknown as Deps,
    ...(definition.params ? { params: definition.params } : {}),
    ...(definition.provides ? { provides: definition.provides } : {}),
    ...(definition.after && definition.after.length > 0 ? { after: definition.after } : {}),
    ...(definition.check ? { check: definition.check } : {}),
    run: definition.run as unknown as Task<Name, Awaited<Out>, Deps>['run'],
  };
}

/** True for values made by `defineTask` (in this or another copy of the package). */
export function isTask(value: unknown): value is AnyTask {
  return typeof value === 'object' && value !== null && (value as { [TASK_BRAND]?: unknown })[TASK_BRAND] === true;
}
