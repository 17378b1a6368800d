/**
 * Running the selected tasks (loaded by ./main.ts only when tasks run): the renderer for this
 * invocation, the spawner, the runner, signals, and the closing summary.
 */
import type { ResolvedConfig } from '../lib/config/types.js';
import type { Selection, TaskGraph } from '../lib/engine/graph.js';
import type { Registry } from '../lib/engine/registry.js';
import { type RunEvent, Runner, type RunSummary } from '../lib/engine/runner.js';
import { Spawner } from '../lib/engine/spawn.js';
import { exitCodeOf } from '../lib/failure.js';
import { dryRunRenderer } from '../lib/render/dry-run.js';
import { formatFailure } from '../lib/render/failure.js';
import { jsonRenderer } from '../lib/render/json.js';
import { formatSummary, lineRenderer } from '../lib/render/line.js';
import { LISTR_MAX_TASKS } from '../lib/render/listr.js';
import { redactValue } from '../lib/render/redact.js';
import { bufferedSink } from '../lib/render/sink.js';
import { UnsafePathError } from '../lib/store/confine.js';
import type { CliArgs } from './args.js';
import type { Io } from './io.js';

/**
 * 130/143 when interrupted; else the highest exit code among the failures: 1 for a task that
 * failed, 2 when a task found the project itself unusable (a symlinked reports/ or .cloudy/).
 */
export function summaryExitCode(summary: RunSummary): number {
  if (summary.interruptedBy) return summary.interruptedBy === 'SIGINT' ? 130 : 143;
  return Math.max(0, ...summary.failures.map(({ failure }) => Math.min(exitCodeOf(failure), 2)));
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
): Promise<RunSummary> {
  // Renderer lines are batched (one write per event-loop turn); flushed before anything else is
  // written and before this function returns.
  const buffered = bufferedSink(io.stdout, io.stderr);
  // --stdout: the document a task prints is alone on stdout; every other line goes to stderr.
  const sink = args.stdout ? { ...buffered, out: buffered.err } : buffered;
  const errLine = (line: string) => {
    sink.err(line);
    sink.flush();
  };
  // listr2's spinner view only on a real, sized terminal, outside CI, for small graphs: its
  // redraws grow with the square of the task count, and a 0x0 pty shows nothing at all.
  const useListr =
    !args.json &&
    !args.dryRun &&
    !args.stdout &&
    io.stdout.isTTY === true &&
    (io.stdout.columns ?? 0) > 0 &&
    !io.env['CI'] &&
    selection.order.length <= LISTR_MAX_TASKS;
  const view = useListr
    ? await (await import('../lib/render/listr.js')).createListrView(
        selection.order.map((id) => ({ name: id, description: graph.nodes.get(id)!.description })),
      )
    : undefined;
  const renderer: (event: RunEvent) => void = args.json
    ? jsonRenderer(sink.out)
    : args.dryRun
      ? dryRunRenderer(sink)
      : (view?.onEvent ?? lineRenderer(sink));
  const explainer = args.explain ? new (await import('./explain.js')).Explainer(selection.order) : undefined;
  // The one place secrets are masked: every event (commands, output, failures with stderr or
  // container logs, task outputs) passes here before any renderer sees it. An event with nothing
  // to mask passes as it is (no copy).
  const render = (event: RunEvent) => {
    const shown = redactValue(event, redact);
    explainer?.onEvent(shown);
    renderer(shown);
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
  });
  const runner = new Runner({
    graph,
    selection,
    tasks: registry.tasks,
    concurrency: args.concurrency,
    onFailure: args.keepGoing ? 'continue' : 'no-new',
    spawner,
    emit: render,
    context: explainer ? (task) => ({ ...shared, explain: explainer.forTask(task) }) : () => shared,
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
        'cloudy-tasks: waiting for cleanup (restoring the previous container) to finish; signal once more to abandon it',
      );
    } else {
      spawner.killAll();
      sink.flush();
      process.exit(signal === 'SIGINT' ? 130 : 143);
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
      for (const { failure } of refused) errLine(redact(`cloudy-tasks: ${formatFailure(failure)}`));
      return { states: new Map(), failures: refused, outputs: new Map(), interruptedBy: undefined };
    }
    const summary = await runner.run();
    sink.flush();
    await view?.finished;
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
    );
    if (!args.json && summary.failures.length > 0) {
      const states = [...summary.states.values()];
      // The listr2 view shows one line per task; the details (stderr tails, findings and check
      // tables) are printed once it has finished. The line renderer printed them already.
      const full = view !== undefined;
      const text = formatSummary(
        summary.failures,
        states.filter((s) => s === 'skipped').length,
        states.filter((s) => s === 'succeeded').length,
        full,
      );
      errLine(redact(text));
    }
    return summary;
  } finally {
    sink.flush();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
