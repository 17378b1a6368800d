/**
 * The one module that spawns processes (the zx adapter), and the one place that decides what an
 * exit status means.
 *
 * - Every interpolated `${value}` is quoted by zx's `quote` into exactly one shell word, so no
 *   value is ever interpreted by the shell. The string we log and print under `--dry-run` is built
 *   with the same quoting rules (./words.ts, checked against zx's own by test/engine/words.test.ts),
 *   so what is shown is what runs and can be pasted into bash.
 * - A command whose literal text uses no shell feature (./words.ts decides, conservatively) is
 *   started directly with the argv bash would have built, instead of starting a bash first (a few
 *   ms per command). Built-in and `ctx.$` commands (docker, trivy) still go through zx, with
 *   zx's `spawn` option; a user's recipe (`run: 'go test ./...'`), a `ctx.$.script` line and a
 *   read-only probe (`git describe`, `docker buildx version`) without shell syntax are started by
 *   Node's `spawn` itself: zx costs ~0.65 ms per command and ~30 ms
 *   to load (bench/RESULTS.md), which a graph of many small recipes, or a dry run that only asks
 *   git for the version, should not pay. Both paths end in the same {@link exitOf}.
 * - Every child is started in its own process group (`detached`) and tracked, so `abort()` can
 *   kill whole trees: zx's own `signal` option kills only the direct child and orphans
 *   grandchildren (see libraries.md). A kill of the tool's own group misses them, so the live
 *   groups are reported (`onChildren`) into the run lock's owner marker, and the run that
 *   recovers a dead run's lock ends them; only cleanup (`critical`) children outlive a third
 *   signal on purpose.
 * - A command can have a time bound (`timeoutMs`): past it, its whole group is killed.
 * - zx is imported when the first command really runs: `--list`, `--help`, `--graph` and
 *   `--dry-run` never pay for it (~27 ms).
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ProcessPromise } from 'zx/core';
import { type Failure, TaskFailure } from '../failure.js';
import { type Arg, commandLine, directArgv, quote } from './words.js';

export type { Arg };

export interface CommandResult {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  /** `null` when the process was ended by a signal. */
  readonly exitCode: number | null;
}

export interface ShellOptions {
  /** Resolve with the result on a non-zero exit instead of failing the task. */
  readonly nothrow?: boolean;
  /**
   * A read-only query (`git rev-parse`): it also runs under `--dry-run`, so the printed
   * commands carry real values. Never use it for docker or trivy.
   */
  readonly probe?: boolean;
  /**
   * Cleanup that must run even after SIGINT/SIGTERM (restoring the previous container).
   * It is started after abort and not killed by it.
   */
  readonly critical?: boolean;
  /** Do not stream the command's output as progress lines (it is still captured). */
  readonly silent?: boolean;
  /**
   * A status query repeated until something changes (the health wait's `docker container
   * inspect`): its command event says so, and views show the repetitions as one updating line.
   */
  readonly poll?: boolean;
  /**
   * The longest the command may run (ms). Past it the command's whole process group is killed
   * (SIGTERM, SIGKILL a second later) and the task fails with `timed-out`, even under `nothrow`:
   * a command that never answered has no exit status to read. Unset: unbounded (README, "Time
   * bounds", lists what is left so).
   */
  readonly timeoutMs?: number;
  /** Extra environment for this command only. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** The shell a task gets as `ctx.$`. */
export interface Shell {
  (pieces: TemplateStringsArray, ...values: Arg[]): Promise<CommandResult>;
  /** Like `$`, but a non-zero exit resolves instead of failing the task. */
  nothrow(pieces: TemplateStringsArray, ...values: Arg[]): Promise<CommandResult>;
  /** A shell with these options. */
  with(options: ShellOptions): Shell;
  /**
   * What must still happen if this task's cleanup is abandoned by a third signal (the rest of a
   * rollback: `docker rename`, `docker start`): argv lists, run in order, each retried for a few
   * seconds, by one detached bash that outlives the tool. `[]` clears it once the cleanup is done.
   */
  onAbandon(commands: readonly (readonly string[])[]): void;
  /**
   * Run a whole command line as a Make recipe does: through bash, or started directly when it
   * uses no shell feature (`npm run lint`). Only for declarative tasks written by the user in
   * their config: nothing is interpolated into it.
   */
  script(commandLine: string): Promise<CommandResult>;
}

/** Events the spawner reports; the runner forwards them to the renderer. */
export type SpawnEvent =
  | {
      readonly type: 'command';
      readonly task: string;
      readonly command: string;
      readonly dryRun: boolean;
      /** Set (true) for a repeated status query: see {@link ShellOptions.poll}. */
      readonly poll?: true;
    }
  | { readonly type: 'output'; readonly task: string; readonly stream: 'stdout' | 'stderr'; readonly line: string };

export interface SpawnerOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dryRun: boolean;
  readonly emit: (event: SpawnEvent) => void;
  /** Removes secret values from anything we show (commands, output lines, stderr tails). */
  readonly redact: (text: string) => string;
  /**
   * Told the process groups of the children alive now, after each start and exit: the CLI keeps
   * them in the run lock's record, so a run that recovers the lock of a SIGKILLed run can end the
   * children the dead run left (./spawn.ts starts each in its own group, which a kill of the
   * tool's own group does not reach).
   */
  readonly onChildren?: (children: readonly ChildGroup[]) => void;
}

/** A live child's process group (its leader's pid), and whether it is cleanup that must outlive an interrupt. */
export interface ChildGroup {
  readonly pgid: number;
  readonly critical: boolean;
}

type Zx = typeof import('zx/core');

/** A started command, whichever path started it (zx, or Node's spawn for a direct recipe). */
interface Child {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null | undefined;
  readonly stderr: NodeJS.ReadableStream | null | undefined;
  /** Used when there is no pid to signal (the start failed, or has not happened). */
  abort(): void;
  readonly done: Promise<Exit>;
}

interface Exit {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** Seconds between SIGTERM and SIGKILL when stopping children. */
const KILL_GRACE_MS = 3000;
/** Between SIGTERM and SIGKILL for a command past its time bound: it already had its time. */
const TIMEOUT_GRACE_MS = 1000;

export class Spawner {
  #zx: Zx | undefined;
  readonly #options: SpawnerOptions;
  readonly #running = new Set<Child>();
  /** Cleanup commands (rollback) in flight: not killed by abort(), waited for by the CLI. */
  readonly #critical = new Set<Child>();
  /** Per task: the rest of its cleanup, for a third signal (see killAll). */
  readonly #handOff = new Map<string, (readonly string[])[]>();
  /** Exported bash functions could shadow a command: then every command goes through bash. */
  readonly #envHasFunctions: boolean;
  #abortedBy: 'SIGINT' | 'SIGTERM' | undefined;

  private constructor(options: SpawnerOptions) {
    this.#options = options;
    this.#envHasFunctions = needsBash(options.env);
  }

  /** Nothing is loaded here: zx comes with the first command that really runs. */
  static async create(options: SpawnerOptions): Promise<Spawner> {
    return new Spawner(options);
  }

  /** Quote a value exactly as it will be passed (zx's ANSI-C quoting for bash). */
  quote(value: string): string {
    return quote(value);
  }

  /** True while cleanup commands that must not be interrupted are running. */
  get cleaningUp(): boolean {
    // Also between a rollback's commands: it registered what is left of it (onAbandon).
    return this.#critical.size > 0 || this.#handOff.size > 0;
  }

  /**
   * Last resort (a third signal), before the process exits: SIGKILL every child group but the
   * cleanup ones, which are detached and left to finish, and start what the cleanup still had to
   * do ({@link Shell.onAbandon}) as one detached bash, so a rollback interrupted three times
   * still ends with the previous container running.
   */
  killAll(): void {
    for (const p of this.#running) killGroup(p, 'SIGKILL');
    const steps = [...this.#handOff.values()].flat();
    if (steps.length === 0) return;
    const retried = steps.map(
      (argv) => `for _ in 1 2 3 4 5 6 7 8 9 10; do ${argv.map((w) => quote(w)).join(' ')} && break; sleep 1; done`,
    );
    try {
      const child = nodeSpawn('bash', ['-c', retried.join('\n')], {
        cwd: this.#options.cwd,
        env: { ...this.#options.env },
        detached: true,
        stdio: 'ignore',
      });
      child.unref();
    } catch {
      // Could not start bash: the next run repairs the leftovers (lib/deploy/leftovers.ts).
    }
  }

  #reportChildren(): void {
    const report = this.#options.onChildren;
    if (!report) return;
    const groups: ChildGroup[] = [];
    for (const p of this.#running) if (p.pid) groups.push({ pgid: p.pid, critical: false });
    for (const p of this.#critical) if (p.pid) groups.push({ pgid: p.pid, critical: true });
    report(groups);
  }

  /** The shell for one task; output and commands are attributed to `task`. */
  shellFor(task: string, options: ShellOptions = {}): Shell {
    const run =
      (opts: ShellOptions) =>
      (pieces: TemplateStringsArray, ...values: Arg[]) =>
        this.#run(task, opts, pieces, values);
    const shell = run(options) as Shell;
    shell.nothrow = run({ ...options, nothrow: true });
    shell.with = (more) => this.shellFor(task, { ...options, ...more });
    shell.onAbandon = (commands) => {
      if (commands.length === 0) this.#handOff.delete(task);
      else
        this.#handOff.set(
          task,
          commands.map((c) => [...c]),
        );
    };
    shell.script = (line) =>
      this.#run(task, options, Object.assign([line], { raw: [line] }) as TemplateStringsArray, [], true);
    return shell;
  }

  /**
   * Stop everything: refuse new (non-critical) commands, SIGTERM every tracked process group,
   * SIGKILL what is left after a grace period. Resolves when all tracked children have exited.
   */
  async abort(signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
    this.#abortedBy ??= signal;
    const victims = [...this.#running];
    for (const p of victims) killGroup(p, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const p of victims) killGroup(p, 'SIGKILL');
    }, KILL_GRACE_MS);
    await Promise.allSettled(victims.map((c) => c.done));
    clearTimeout(timer);
  }

  async #run(
    task: string,
    opts: ShellOptions,
    pieces: TemplateStringsArray,
    values: readonly Arg[],
    script = false,
  ): Promise<CommandResult> {
    values.forEach((value, i) => {
      const bad = (Array.isArray(value) ? value : [value]).some((v) => v === undefined || v === null);
      if (bad)
        fail({
          reason: 'task-error',
          message: `value #${i + 1} interpolated into \`${pieces.join('…')}\` is undefined or null`,
        });
    });
    // Secrets are masked value by value before quoting: quoting changes how a value with
    // quotes or backslashes is spelled, so masking the quoted command would miss it.
    const { redact } = this.#options;
    const shown = commandLine(
      pieces.map((piece) => redact(piece)),
      values,
      (word) => quote(redact(word)),
    ).trim();
    const dryRun = this.#options.dryRun && !opts.probe;
    this.#options.emit({ type: 'command', task, command: shown, dryRun, ...(opts.poll ? { poll: true } : {}) });
    if (dryRun) return { command: shown, stdout: '', stderr: '', exitCode: 0 };
    const env = { ...this.#options.env, ...opts.env };
    const direct = this.#envHasFunctions || needsBash(opts.env) ? undefined : directArgv(pieces, script ? [] : values);
    const cwd = opts.cwd ?? this.#options.cwd;
    const withoutZx = direct !== undefined && (script || opts.probe === true);
    if (!withoutZx) this.#zx ??= await import('zx/core');
    // After the (first) import of zx: a signal may have come while it loaded.
    if (this.#abortedBy && !opts.critical) fail({ reason: 'aborted', signal: this.#abortedBy });
    const p = withoutZx ? startDirect(direct, cwd, env) : startWithZx(this.#zx!, pieces, values, direct, cwd, env);
    const tracked = opts.critical ? this.#critical : this.#running;
    tracked.add(p);
    this.#reportChildren();
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(p, 'SIGTERM');
            killTimer = setTimeout(() => killGroup(p, 'SIGKILL'), TIMEOUT_GRACE_MS);
          }, opts.timeoutMs);
    if (!opts.silent) {
      streamLines(p.stdout, (line) =>
        this.#options.emit({ type: 'output', task, stream: 'stdout', line: this.#options.redact(line) }),
      );
      streamLines(p.stderr, (line) =>
        this.#options.emit({ type: 'output', task, stream: 'stderr', line: this.#options.redact(line) }),
      );
    }
    const out = await p.done;
    clearTimeout(timer);
    clearTimeout(killTimer);
    tracked.delete(p);
    this.#reportChildren();
    if (timedOut) fail({ reason: 'timed-out', command: shown, after: durationText(opts.timeoutMs!) });

    const result: CommandResult = { command: shown, stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
    if (this.#abortedBy && !opts.critical && out.exitCode !== 0) fail({ reason: 'aborted', signal: this.#abortedBy });
    if (out.exitCode === 0 || opts.nothrow) return result;
    const stderrTail = this.#options.redact(tail(out.stderr || out.stdout, 12));
    if (out.exitCode === null) fail({ reason: 'signal', command: shown, signal: out.signal ?? 'unknown' });
    if (out.exitCode === 127)
      fail({ reason: 'spawn-error', command: shown, message: stderrTail || 'command not found' });
    fail({ reason: 'exit-non-zero', command: shown, exitCode: out.exitCode, stderrTail });
  }
}

/** zx's `$`, run at once. */
function startWithZx(
  zx: Zx,
  pieces: TemplateStringsArray,
  values: readonly Arg[],
  direct: readonly string[] | undefined,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Child {
  const p: ProcessPromise = zx.$({
    // No shell needed: zx runs the program itself (its `spawn` option), with bash's argv.
    ...(direct ? { spawn: directSpawn(zx.defaults.spawn, direct) } : {}),
    cwd,
    env,
    quiet: true,
    verbose: false,
    nothrow: true,
    // Own process group: lets abort() kill the whole tree with one kill(-pid).
    detached: true,
    // No stdin: a command that reads it would wait forever on an open pipe (and a background
    // process group reading the terminal would be stopped by SIGTTIN).
    stdio: ['ignore', 'pipe', 'pipe'],
    halt: true,
  })(pieces, ...values.map((v) => (Array.isArray(v) ? v.map(String) : String(v))));
  p.run();
  return {
    get pid() {
      return p.pid;
    },
    stdout: p.stdout,
    stderr: p.stderr,
    abort: () => p.abort(),
    done: p.then((out) =>
      exitOf(
        { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode, signal: out.signal, cause: out.cause },
        direct?.[0],
        cwd,
      ),
    ),
  };
}

/**
 * Node's own spawn, for a recipe or probe without shell syntax: the same process group, stdio
 * and environment as the zx path, the same reading of the end ({@link exitOf}).
 */
function startDirect(argv: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>): Child {
  let child: import('node:child_process').ChildProcess;
  try {
    child = nodeSpawn(argv[0]!, argv.slice(1), {
      cwd,
      // bash sets PWD to the directory it runs in; a program started directly inherits ours.
      env: { ...env, PWD: path.resolve(cwd) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (error) {
    // Some start errors (ENOTDIR, ELOOP, E2BIG) are thrown rather than emitted: the same end.
    const done = Promise.resolve(
      exitOf({ stdout: '', stderr: '', exitCode: null, signal: null, cause: error }, argv[0], cwd),
    );
    return { pid: undefined, stdout: null, stderr: null, abort: () => undefined, done };
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const done = new Promise<Exit>((resolve) => {
    let cause: Error | null = null;
    child.once('error', (error) => {
      cause = error;
      // A start that failed closes nothing: there is no process to wait for.
      if (child.pid === undefined) finish(null, null);
    });
    child.once('close', (code, signal) => finish(code, signal));
    let settled = false;
    function finish(code: number | null, signal: NodeJS.Signals | null): void {
      if (settled) return;
      settled = true;
      resolve(
        exitOf(
          {
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            exitCode: cause && child.pid === undefined ? null : code,
            signal,
            cause,
          },
          argv[0],
          cwd,
        ),
      );
    }
  });
  return { pid: child.pid, stdout: child.stdout, stderr: child.stderr, abort: () => child.kill('SIGKILL'), done };
}

/** `2s`, `10m`, `1.5s`: a bound as the user wrote it. */
export function durationText(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 100) / 10}s`;
}

/**
 * zx's `spawn`, given argv instead of the command line: zx hands over `bash -c <line>` (as the
 * command, with its `shell` option); this starts `argv` directly with everything else zx set up
 * (stdio, env, cwd, process group).
 */
function directSpawn(spawn: Zx['defaults']['spawn'], argv: readonly string[]): Zx['defaults']['spawn'] {
  return ((_command: string, _args: readonly string[], options: import('node:child_process').SpawnOptions) =>
    spawn(argv[0]!, argv.slice(1), {
      ...options,
      shell: false,
      // bash sets PWD to the directory it runs in; a program started directly inherits ours.
      ...(options.cwd ? { env: { ...options.env, PWD: path.resolve(String(options.cwd)) } } : {}),
    })) as Zx['defaults']['spawn'];
}

/**
 * What a command's end means. A program that could not be started directly is reported as bash
 * reports it (exit 127, "<name>: command not found"; 126 when it exists but cannot be run), so
 * callers that read exit codes (`docker` missing) see what they saw when bash started everything.
 */
function exitOf(out: Exit & { readonly cause: unknown }, direct: string | undefined, cwd: string): Exit {
  const code = (out.cause as NodeJS.ErrnoException | null | undefined)?.code;
  const why = direct === undefined || code === undefined ? undefined : startError(code, direct, cwd);
  if (why) return { stdout: '', stderr: `${why.message}\n`, exitCode: why.exitCode, signal: null };
  return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode, signal: out.signal };
}

/** Why `program` did not start, in bash's words where bash has them. */
function startError(code: string, program: string, cwd: string): { message: string; exitCode: number } | undefined {
  switch (code) {
    case 'ENOENT':
      if (!existsSync(cwd)) return { message: `${program}: cannot run in ${cwd}: no such directory`, exitCode: 127 };
      // A path that exists but does not start: its #! line names an interpreter that is missing
      // (a CRLF shebang, `#!/bin/bash\r`, looks the same).
      if (program.includes('/') && existsSync(path.resolve(cwd, program)))
        return { message: `${program}: cannot execute: required file not found`, exitCode: 127 };
      return { message: `${program}: command not found`, exitCode: 127 };
    case 'EACCES':
      return { message: `${program}: Permission denied`, exitCode: 126 };
    case 'ENOTDIR':
      return { message: `${program}: Not a directory`, exitCode: 126 };
    case 'ELOOP':
      return { message: `${program}: Too many levels of symbolic links`, exitCode: 126 };
    case 'ENAMETOOLONG':
      return { message: `${program}: File name too long`, exitCode: 126 };
    case 'E2BIG':
      return { message: `${program}: Argument list too long`, exitCode: 126 };
    default:
      return undefined;
  }
}

/**
 * Exported bash functions (`BASH_FUNC_name%%`) and a `BASH_ENV` file (CI systems use it to extend
 * PATH) only take effect in a bash: with either, every command goes through one.
 */
function needsBash(env: Readonly<Record<string, string | undefined>> | undefined): boolean {
  return (
    env !== undefined &&
    Object.keys(env).some((name) => name.startsWith('BASH_FUNC_') || (name === 'BASH_ENV' && env[name]))
  );
}

function fail(failure: Failure): never {
  throw new TaskFailure(failure);
}

function killGroup(p: Child, signal: NodeJS.Signals): void {
  const pid = p.pid;
  try {
    if (pid) process.kill(-pid, signal);
    else p.abort();
  } catch {
    // Already gone: ESRCH. Nothing to do.
  }
}

/** Call `onLine` for each complete line; a partial last line is flushed at end. */
function streamLines(stream: NodeJS.ReadableStream | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffered = '';
  stream.on('data', (chunk: Buffer | string) => {
    buffered += String(chunk);
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
    buffered = '';
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
