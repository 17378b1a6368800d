/**
 * The one module that spawns processes (node:child_process), and the one place that decides what
 * an exit status means.
 *
 * - A command whose literal text uses no shell feature is started directly, with the argv bash
 *   would have built (./words.ts decides, conservatively); any other command runs under
 *   `bash -c 'set -euo pipefail;<command>'`, with every interpolated `${value}` quoted into
 *   exactly one word, so no value is ever interpreted by the shell. The string we log and print
 *   under `--dry-run` is built with the same quoting, so what is shown can be pasted into bash.
 * - Every child is started in its own process group (`detached`) and tracked, so `abort()` can
 *   kill whole trees (`kill(-pid)`), grandchildren included.
 * - No library: zx was the adapter here until its import alone (~70 ms) dominated short runs; the
 *   quoting rules and the bash prefix are zx's, so commands look and behave as before.
 */
import type { ChildProcess } from 'node:child_process';
import { type Failure, TaskFailure } from '../failure.js';
import { which } from '../util/which.js';
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
   * Run a whole command line as a Make recipe does: through bash, or started directly when it
   * uses no shell feature (`npm run lint`). Only for declarative tasks written by the user in
   * their config: nothing is interpolated into it.
   */
  script(commandLine: string): Promise<CommandResult>;
}

/** Events the spawner reports; the runner forwards them to the renderer. */
export type SpawnEvent =
  | { readonly type: 'command'; readonly task: string; readonly command: string; readonly dryRun: boolean }
  | { readonly type: 'output'; readonly task: string; readonly stream: 'stdout' | 'stderr'; readonly line: string };

export interface SpawnerOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dryRun: boolean;
  readonly emit: (event: SpawnEvent) => void;
  /** Removes secret values from anything we show (commands, output lines, stderr tails). */
  readonly redact: (text: string) => string;
}

/** Milliseconds between SIGTERM and SIGKILL when stopping children. */
const KILL_GRACE_MS = 3000;

/** What bash prepends (zx's default): a failing part of a pipeline fails the command. */
const BASH_PREFIX = 'set -euo pipefail;';

/** A started child: its pid (for the group kill) and when it has exited. */
interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<Exit>;
}

interface Exit {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

type Spawn = typeof import('node:child_process').spawn;

export class Spawner {
  readonly #spawn: Spawn;
  readonly #options: SpawnerOptions;
  readonly #running = new Set<Child>();
  /** Cleanup commands (rollback) in flight: not killed by abort(), waited for by the CLI. */
  readonly #critical = new Set<Child>();
  /** Exported bash functions could shadow a command: then every command goes through bash. */
  readonly #envHasFunctions: boolean;
  #bash: string | undefined;
  #abortedBy: 'SIGINT' | 'SIGTERM' | undefined;

  private constructor(spawn: Spawn, options: SpawnerOptions) {
    this.#spawn = spawn;
    this.#options = options;
    this.#envHasFunctions = Object.keys(options.env).some((k) => k.startsWith('BASH_FUNC_'));
  }

  /** node:child_process is imported here, not at start-up: `--list` and `--graph` never need it. */
  static async create(options: SpawnerOptions): Promise<Spawner> {
    const { spawn } = await import('node:child_process');
    return new Spawner(spawn, options);
  }

  /** Quote a value exactly as it will be passed (ANSI-C quoting for bash). */
  quote(value: string): string {
    return quote(value);
  }

  /** True while cleanup commands that must not be interrupted are running. */
  get cleaningUp(): boolean {
    return this.#critical.size > 0;
  }

  /** Last resort (a third signal): SIGKILL every child group, cleanup included. */
  killAll(): void {
    for (const child of [...this.#running, ...this.#critical]) killGroup(child, 'SIGKILL');
  }

  /** The shell for one task; output and commands are attributed to `task`. */
  shellFor(task: string, options: ShellOptions = {}): Shell {
    const run =
      (opts: ShellOptions) =>
      (pieces: TemplateStringsArray, ...values: Arg[]) =>
        this.#run(task, opts, pieces, values, false);
    const shell = run(options) as Shell;
    shell.nothrow = run({ ...options, nothrow: true });
    shell.with = (more) => this.shellFor(task, { ...options, ...more });
    shell.script = (line) => this.#run(task, options, [line], [], true);
    return shell;
  }

  /**
   * Stop everything: refuse new (non-critical) commands, SIGTERM every tracked process group,
   * SIGKILL what is left after a grace period. Resolves when all tracked children have exited.
   */
  async abort(signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
    this.#abortedBy ??= signal;
    const victims = [...this.#running];
    for (const child of victims) killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const child of victims) killGroup(child, 'SIGKILL');
    }, KILL_GRACE_MS);
    await Promise.allSettled(victims.map((child) => child.exited));
    clearTimeout(timer);
  }

  async #run(
    task: string,
    opts: ShellOptions,
    pieces: readonly string[],
    values: readonly Arg[],
    script: boolean,
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
    this.#options.emit({ type: 'command', task, command: shown, dryRun });
    if (dryRun) return { command: shown, stdout: '', stderr: '', exitCode: 0 };
    if (this.#abortedBy && !opts.critical) fail({ reason: 'aborted', signal: this.#abortedBy });

    const env = opts.env ? { ...this.#options.env, ...opts.env } : this.#options.env;
    const direct =
      this.#envHasFunctions || (opts.env && Object.keys(opts.env).some((k) => k.startsWith('BASH_FUNC_')))
        ? undefined
        : directArgv(pieces, script ? [] : values);
    const [file, ...args] = direct ?? [this.#bashPath(), '-c', BASH_PREFIX + commandLine(pieces, values)];
    const child = this.#start(task, file!, args, { cwd: opts.cwd ?? this.#options.cwd, env, silent: opts.silent });
    const tracked = opts.critical ? this.#critical : this.#running;
    tracked.add(child);
    const out = await child.exited;
    tracked.delete(child);

    const result: CommandResult = { command: shown, stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
    if (this.#abortedBy && !opts.critical && out.exitCode !== 0) fail({ reason: 'aborted', signal: this.#abortedBy });
    if (out.exitCode === 0 || opts.nothrow) return result;
    const stderrTail = redact(tail(out.stderr || out.stdout, 12));
    if (out.exitCode === null) fail({ reason: 'signal', command: shown, signal: out.signal ?? 'unknown' });
    if (out.exitCode === 127)
      fail({ reason: 'spawn-error', command: shown, message: stderrTail || 'command not found' });
    fail({ reason: 'exit-non-zero', command: shown, exitCode: out.exitCode, stderrTail });
  }

  /** bash, found on this process's PATH once (as zx did), so a task's own PATH cannot replace it. */
  #bashPath(): string {
    this.#bash ??= which('bash', process.env['PATH']) ?? '/bin/bash';
    return this.#bash;
  }

  /**
   * Start one process: no stdin (a command that reads it sees end-of-file instead of hanging a
   * scheduled job, and a background process group reading the terminal would be stopped by
   * SIGTTIN), stdout and stderr captured and, unless silent, streamed as output lines. A program
   * that cannot be started is reported as bash would: exit 127 (not found) or 126.
   */
  #start(
    task: string,
    file: string,
    args: readonly string[],
    options: { cwd: string; env: Readonly<Record<string, string | undefined>>; silent: boolean | undefined },
  ): Child {
    const proc = this.#spawn(file, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: lets abort() kill the whole tree with one kill(-pid).
      detached: true,
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const emitLine = (stream: 'stdout' | 'stderr') => (line: string) =>
      this.#options.emit({ type: 'output', task, stream, line: this.#options.redact(line) });
    capture(proc.stdout, stdout, options.silent ? undefined : emitLine('stdout'));
    capture(proc.stderr, stderr, options.silent ? undefined : emitLine('stderr'));
    const exited = new Promise<Exit>((resolve) => {
      let startError: NodeJS.ErrnoException | undefined;
      proc.once('error', (error: NodeJS.ErrnoException) => {
        startError = error;
        // Not started at all: no 'close' may follow.
        if (proc.pid === undefined) {
          const notFound = error.code === 'ENOENT';
          resolve({
            stdout: '',
            stderr: `${file}: ${notFound ? 'command not found' : error.message}\n`,
            exitCode: notFound ? 127 : 126,
            signal: null,
          });
        }
      });
      proc.once('close', (code, signal) => {
        if (startError && proc.pid === undefined) return;
        resolve({ stdout: stdout.join(''), stderr: stderr.join(''), exitCode: code, signal });
      });
    });
    return { process: proc, exited };
  }
}

function fail(failure: Failure): never {
  throw new TaskFailure(failure);
}

function killGroup(child: Child, signal: NodeJS.Signals): void {
  const pid = child.process.pid;
  try {
    if (pid) process.kill(-pid, signal);
    else child.process.kill(signal);
  } catch {
    // Already gone: ESRCH. Nothing to do.
  }
}

/** Collect a stream's text; call `onLine` for each complete line, a partial last line at the end. */
function capture(stream: NodeJS.ReadableStream | null, into: string[], onLine: ((line: string) => void) | undefined) {
  if (!stream) return;
  // A decoder per stream: a multi-byte character split across chunks stays whole.
  stream.setEncoding('utf8');
  let buffered = '';
  stream.on('data', (chunk: string) => {
    into.push(chunk);
    if (!onLine) return;
    buffered += chunk;
    if (!buffered.includes('\n')) return;
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (buffered && onLine) onLine(buffered);
    buffered = '';
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
