/**
 * Running the selected tasks (loaded by ./main.ts only when tasks run): the view for this
 * invocation (./views.ts), the spawner, the runner, signals, and the final line.
 */
import path from 'node:path';
import type { ResolvedConfig } from '../lib/config/types.js';
import type { Selection, TaskGraph } from '../lib/engine/graph.js';
import type { Registry } from '../lib/engine/registry.js';
import { type RunEvent, Runner, type RunSummary } from '../lib/engine/runner.js';
import { type ChildGroup, Spawner } from '../lib/engine/spawn.js';
import { exitCodeOf, type Failure } from '../lib/failure.js';
import { formatFailure } from '../lib/render/failure.js';
import { redactValue } from '../lib/render/redact.js';
import { RunLog } from '../lib/render/run-log.js';
import { bufferedSink } from '../lib/render/sink.js';
import { UnsafePathError } from '../lib/store/confine.js';
import type { CliArgs } from './args.js';
import type { Io } from './io.js';
import { createView, type View } from './views.js';

/**
 * 130/143 when interrupted; else the highest exit code among the failures: 1 for a task that
 * failed, 2 when a task found the project itself unusable (a symlinked reports/ or .cloudy/).
 */
export function summaryExitCode(summary: RunSummary): number {
  if (summary.interruptedBy) return summary.interruptedBy === 'SIGINT' ? 130 : 143;
  // 75 (another run holds a lock: try later) passes through; the rest is "fix input" or "failed".
  return Math.max(
    0,
    ...summary.failures.map(({ failure }) => (exitCodeOf(failure) === 75 ? 75 : Math.min(exitCodeOf(failure), 2))),
  );
}

export async function execute(
  args: CliArgs,
  config: ResolvedConfig,
  graph: TaskGraph,
  registry: Registry,
  selection: Selection,
  vars: Readonly<Record<string, string | undefined>>,
  redact: (text: string) => string,
  io: Io,
  lockLost: AbortSignal | undefined,
  started: Date = new Date(),
  /** Keeps the children's process groups in the run lock's owner marker (lib/store/lock-owner.ts). */
  recordChildren?: (groups: readonly ChildGroup[]) => Promise<void>,
  /** Writes the run's history record when a second signal forces the exit (./scheduled.ts). */
  recordForcedExit?: (exitCode: number) => void,
): Promise<{ summary: RunSummary; log: RunLog }> {
  // Renderer lines are batched (one write per event-loop turn); flushed before anything else is
  // written and before this function returns.
  const buffered = bufferedSink(io.stdout, io.stderr);
  // --stdout: the document a task prints is alone on stdout; every other line goes to stderr.
  const sink = args.stdout ? { ...buffered, out: buffered.err } : buffered;
  const errLine = (line: string) => {
    sink.err(line);
    sink.flush();
  };
  const log = new RunLog(selection.order);
  // The view starts once the preconditions hold: a refused run draws no task list. What the
  // checks ran (read-only docker queries) is shown then, in order.
  let view: View | undefined;
  const early: RunEvent[] = [];
  const explainer = args.explain ? new (await import('./explain.js')).Explainer(selection.order) : undefined;
  // The one place secrets are masked: every event (commands, output, failures with stderr or
  // container logs, task outputs) passes here before any renderer sees it. An event with nothing
  // to mask passes as it is (no copy).
  const render = (event: RunEvent) => {
    const masked = redactValue(event, redact);
    if (view === undefined) {
      early.push(masked);
      return;
    }
    log.record(masked);
    explainer?.onEvent(masked);
    view.render(masked);
  };
  // One context for every task but its explain hook: nothing else in it is per task (the runner
  // adds what is).
  const shared = {
    config,
    env: vars,
    redact: <T>(value: T): T => redactValue(value, redact),
    flags: {
      dryRun: args.dryRun,
      ifChanged: args.ifChanged,
      json: args.json,
      profiles: args.profiles,
      stdout: args.stdout,
      noStop: args.noStop,
      force: args.force,
      adopt: args.adopt,
    },
    projectDir: config.projectDir,
    explain: (): void => undefined,
  };

  const spawner = await Spawner.create({
    cwd: config.projectDir,
    env: vars,
    dryRun: args.dryRun,
    emit: render,
    redact,
    ...(recordChildren ? { onChildren: (groups: readonly ChildGroup[]) => void recordChildren(groups) } : {}),
  });
  const runner = new Runner({
    graph,
    selection,
    tasks: registry.tasks,
    concurrency: args.concurrency,
    onFailure: args.keepGoing ? 'continue' : 'no-new',
    spawner,
    emit: render,
    // Tasks with parameters get their own values; every other task shares one context.
    context: (task) => {
      const params = args.params?.get(task);
      if (explainer) return { ...shared, explain: explainer.forTask(task), ...(params ? { params } : {}) };
      return params ? { ...shared, params } : shared;
    },
    convertError: (task, error) =>
      error instanceof UnsafePathError
        ? { reason: 'unsafe-path', path: error.path, kind: error.kind }
        : registry.builtins.has(task)
          ? {
              reason: 'internal-error',
              message: error instanceof Error ? error.message : String(error),
              ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
            }
          : {
              reason: 'task-error',
              message: `task ${task} threw: ${error instanceof Error ? error.message : String(error)}`,
            },
  });

  let signals = 0;
  let forceArmed = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    signals++;
    if (signals === 1) {
      errLine(`cloudy-tasks: ${signal} received: stopping tasks and their processes (again to force)`);
      void runner.interrupt(signal);
    } else if (spawner.cleaningUp && !forceArmed) {
      // A rollback is restoring the previous container: exiting now could leave no service.
      forceArmed = true;
      errLine(
        'cloudy-tasks: waiting for cleanup (restoring the previous container) to finish; signal once more to exit now (the restore then finishes in the background)',
      );
    } else {
      const code = signal === 'SIGINT' ? 130 : 143;
      spawner.killAll();
      // Only a deploy can leave something half-done that the next run repairs: say so then.
      const deploying = selection.order.some((id) => id === 'deploy-secure');
      errLine(
        `cloudy-tasks: ${signal} again: exiting now, without waiting for the tasks${
          deploying ? '; the next run removes what a deploy left half-done (a -next or -previous container)' : ''
        }`,
      );
      sink.flush();
      recordForcedExit?.(code);
      process.exit(code);
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  lockLost?.addEventListener('abort', () => runner.stopStarting('the run lock was lost: another run may be active'), {
    once: true,
  });
  try {
    // What can be known to fail fails now, before anything is built or stopped (Task.check).
    const refused = args.dryRun ? [] : await runner.checkPreconditions();
    if (refused.length > 0) {
      for (const { failure } of refused)
        errLine(redact(`cloudy-tasks: ${formatFailure(shownFile(failure, args.cwd))}`));
      return { summary: { states: new Map(), failures: refused, outputs: new Map(), interruptedBy: undefined }, log };
    }
    view = await createView({ args, io, graph, selection, sink, log, redact });
    for (const event of early.splice(0)) render(event);
    const summary = await runner.run();
    sink.flush();
    await view.finish(Date.now() - started.getTime());
    // Under --dry-run stdout is exactly the commands (a script): the explanation goes to stderr.
    explainer?.print(
      summary,
      args.json,
      redact,
      args.dryRun
        ? errLine
        : (line) => {
            sink.out(line);
            sink.flush();
          },
      !args.dryRun && io.stdout.isTTY ? io.stdout.columns : undefined,
    );
    return { summary, log };
  } finally {
    sink.flush();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** The config file as load-time failures name it: relative to where the command was run. */
function shownFile(failure: Failure, cwd: string): Failure {
  if (!('file' in failure) || typeof failure.file !== 'string') return failure;
  return { ...failure, file: path.relative(path.resolve(cwd), failure.file) || failure.file };
}
