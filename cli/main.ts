/**
 * The CLI: config → graph → runner, one direction. This is the only place that knows about
 * the built-in tasks (handed in by cli/index.ts), the renderers and the process (exit codes,
 * signals, stdout/stderr).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvPolicy } from '../lib/config/env.js';
import { loadConfig } from '../lib/config/load.js';
import type { ResolvedConfig } from '../lib/config/types.js';
import { buildGraph, type Selection, selectTargets, type TaskGraph, toDot, toMermaid } from '../lib/engine/graph.js';
import { collectTasks, type Registry } from '../lib/engine/registry.js';
import { type RunEvent, Runner, type RunSummary } from '../lib/engine/runner.js';
import { Spawner } from '../lib/engine/spawn.js';
import type { AnyTask } from '../lib/engine/task.js';
import { exitCodeOf, type Failure } from '../lib/failure.js';
import { dryRunRenderer } from '../lib/render/dry-run.js';
import { formatFailure } from '../lib/render/failure.js';
import { jsonRenderer } from '../lib/render/json.js';
import { formatSummary, lineRenderer } from '../lib/render/line.js';
import { LISTR_MAX_TASKS } from '../lib/render/listr.js';
import { makeRedactor, redactValue } from '../lib/render/redact.js';
import { VERSION } from '../lib/version.js';
import { type CliArgs, HELP, parseCli } from './args.js';

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** The package entry that configs import as 'cloudy-tasks' (this running copy). */
function selfEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? path.resolve(path.dirname(here), '..', 'index.ts')
    : path.join(path.dirname(here), 'index.mjs');
}

export async function main(argv: readonly string[], builtins: readonly AnyTask[], io: Io): Promise<number> {
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  const errLine = (line: string) => void io.stderr.write(`${line}\n`);
  const fail = (failures: readonly Failure[]): number => {
    for (const f of failures) errLine(`cloudy-tasks: ${formatFailure(f)}`);
    return Math.max(...failures.map(exitCodeOf));
  };

  const parsed = parseCli(argv);
  if (!parsed.ok) return fail([parsed.error]);
  const args = parsed.value;
  if (args.help) {
    out(HELP);
    return 0;
  }
  if (args.version) {
    out(VERSION);
    return 0;
  }
  const cwd = path.resolve(args.cwd);
  if (!existsSync(cwd)) return fail([{ reason: 'usage', message: `--cwd ${args.cwd}: no such directory` }]);

  const loaded = await loadConfig({ cwd, ...(args.config ? { file: args.config } : {}), selfEntry: selfEntry() });
  if (!loaded.ok) return fail(loaded.error);
  const config = loaded.value.config;
  const registry = collectTasks(builtins, loaded.value.tasks, config.file);
  if (!registry.ok) return fail(registry.error);
  const graph = buildGraph(registry.value.specs);
  if (!graph.ok) return fail(graph.error);

  if (args.list) {
    listTasks(graph.value, args.json, out);
    return 0;
  }
  if (args.graph) {
    const subset = args.targets.length > 0 ? selectTargets(graph.value, args.targets) : undefined;
    if (subset && !subset.ok) return fail(subset.error);
    const order = subset?.value.order;
    out(args.graph === 'dot' ? toDot(graph.value, order) : toMermaid(graph.value, order));
    return 0;
  }
  // `history` is a command unless the config defines a task of that name.
  if (args.targets[0] === 'history' && !registry.value.tasks.has('history'))
    return (await import('./history.js')).historyCommand(config.projectDir, args, { out, err: errLine });
  if (args.targets.length === 0)
    return fail([
      {
        reason: 'usage',
        message:
          'no task given; name one or more tasks, e.g. cloudy-tasks deploy-secure (cloudy-tasks --list shows them)',
      },
    ]);
  const selection = selectTargets(graph.value, args.targets);
  if (!selection.ok) return fail(selection.error);

  const env = await loadEnvPolicy({ projectDir: config.projectDir, ...config.env });
  if (!env.ok) return fail(env.error);

  const redact = makeRedactor(env.value.vars);
  const run = async (lockLost?: AbortSignal): Promise<{ code: number; summary?: RunSummary }> => {
    const summary = await execute(
      args,
      config,
      graph.value,
      registry.value,
      selection.value,
      env.value.vars,
      redact,
      io,
      lockLost,
    );
    // A run that lost its lock may overlap another one: never report it as a clean success.
    const code = lockLost?.aborted && summaryExitCode(summary) === 0 ? 1 : summaryExitCode(summary);
    if (lockLost?.aborted) errLine(`cloudy-tasks: ${formatFailure(lockLost.reason as Failure)}`);
    return { code, summary };
  };
  if (args.dryRun) return (await run()).code;
  // Loaded only for real runs: the lock library installs exit hooks that --list does not need.
  const { withRunRecord } = await import('./scheduled.js');
  const result = await withRunRecord({ projectDir: config.projectDir, tasks: args.targets, argv }, run);
  if (result.refused) return fail([result.refused]);
  return result.code;
}

function summaryExitCode(summary: RunSummary): number {
  if (summary.interruptedBy) return summary.interruptedBy === 'SIGINT' ? 130 : 143;
  return summary.failures.length > 0 ? 1 : 0;
}

async function execute(
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
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  const errLine = (line: string) => void io.stderr.write(`${line}\n`);
  const sink = { out, err: errLine };
  // listr2's spinner view only on a real, sized terminal, outside CI, for small graphs: its
  // redraws grow with the square of the task count, and a 0x0 pty shows nothing at all.
  const useListr =
    !args.json &&
    !args.dryRun &&
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
    ? jsonRenderer(out)
    : args.dryRun
      ? dryRunRenderer(sink)
      : (view?.onEvent ?? lineRenderer(sink));
  const explainer = args.explain ? new (await import('./explain.js')).Explainer(selection.order) : undefined;
  // The one place secrets are masked: every event (commands, output, failures with stderr or
  // container logs, task outputs) passes here before any renderer sees it.
  const render = (event: RunEvent) => {
    const shown = redactValue(event, redact);
    explainer?.onEvent(shown);
    renderer(shown);
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
    context: (task) => ({
      config,
      env: vars,
      redact: <T>(value: T): T => redactValue(value, redact),
      flags: { dryRun: args.dryRun, ifChanged: args.ifChanged, json: args.json, force: args.force },
      projectDir: config.projectDir,
      explain: explainer?.forTask(task) ?? (() => undefined),
    }),
    convertError: (task, error) =>
      registry.builtins.has(task)
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
    const summary = await runner.run();
    await view?.finished;
    // Under --dry-run stdout is exactly the commands (a script): the explanation goes to stderr.
    explainer?.print(summary, args.json, redact, args.dryRun ? errLine : out);
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
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

function listTasks(graph: TaskGraph, json: boolean, out: (line: string) => void): void {
  const rows = [...graph.nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
  if (json) {
    out(JSON.stringify(rows.map((n) => ({ name: n.id, description: n.description, deps: n.deps, source: n.source }))));
    return;
  }
  const width = Math.max(...rows.map((n) => n.id.length));
  for (const n of rows)
    out(`${n.id.padEnd(width)}  ${n.description}${n.deps.length ? `  (deps: ${n.deps.join(', ')})` : ''}`);
}
