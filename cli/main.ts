/**
 * The CLI: config → graph → runner, one direction. This is the only place that knows about
 * the built-in tasks (handed in by cli/index.ts), the renderers and the process (exit codes,
 * signals, stdout/stderr).
 *
 * Start-up cost is paid on every call, so each answer loads only what it needs: `--help` and
 * `--version` load nothing else; `--list` and `--graph` the config loader, the built-in tasks and
 * the graph; only a run loads the runner, the spawner and the renderers (./execute.ts), and only
 * a real run the lock and history (./scheduled.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskGraph, TaskId } from '../lib/engine/graph.js';
import type { AnyTask } from '../lib/engine/task.js';
import { exitCodeOf, type Failure } from '../lib/failure.js';
import { formatFailure } from '../lib/render/failure.js';
import { closest } from '../lib/util/suggest.js';
import { VERSION } from '../lib/version.js';
import { HELP, OPTION_NAMES, parseCli } from './args.js';
import type { Io } from './io.js';

export type { Io };

/** The package entry that configs import as 'cloudy-tasks' (this running copy). */
function selfEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? path.resolve(path.dirname(here), '..', 'index.ts')
    : path.join(path.dirname(here), 'index.mjs');
}

/**
 * @param builtins the built-in tasks, loaded when needed (not for `--help` or `--version`)
 */
export async function main(
  argv: readonly string[],
  builtins: () => Promise<readonly AnyTask[]>,
  io: Io,
): Promise<number> {
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  const errLine = (line: string) => void io.stderr.write(`${line}\n`);
  // Failures before the env policy has run are masked with what is known so far: the process
  // environment and the project's .env (a config error can quote a token from either). Loaded on
  // this path only, so --list and --help pay nothing for it.
  let redact: ((text: string) => string) | undefined;
  let where = process.cwd();
  // `--env NAME`: its `.env.NAME` holds secrets to mask too.
  let environment: string | undefined;
  const fail = async (failures: readonly Failure[]): Promise<number> => {
    let mask = redact;
    if (mask === undefined) {
      const [{ makeRedactor }, { envFileValues }] = await Promise.all([
        import('../lib/render/redact.js'),
        import('../lib/config/env.js'),
      ]);
      mask = makeRedactor({ ...(await envFileValues(where, environment)), ...io.env });
    }
    for (const f of failures) errLine(mask(`cloudy-tasks: ${formatFailure(f)}`));
    // On GitHub Actions the bad key is also marked in the file (loaded only then).
    if (io.env['GITHUB_ACTIONS'] === 'true') {
      const { annotateFailures } = await import('./annotate.js');
      for (const line of await annotateFailures(failures, where, io.env, mask)) errLine(line);
    }
    return Math.max(...failures.map(exitCodeOf));
  };

  const parsed = parseCli(argv);
  if (!parsed.ok) return fail([parsed.error]);
  const first = parsed.value;
  environment = first.env;
  // `--help` alone is the CLI's help, with nothing loaded; `<task> --help` is the task's.
  if (first.help && first.targets.length === 0) {
    out(HELP);
    return 0;
  }
  if (first.version) {
    out(VERSION);
    return 0;
  }
  const cwd = path.resolve(first.cwd);
  where = cwd;
  if (!existsSync(cwd)) return fail([{ reason: 'usage', message: `--cwd ${first.cwd}: no such directory` }]);

  const [{ loadConfig }, { collectTasks }, { buildGraph, selectTargets, toDot, toMermaid }, tasks] = await Promise.all([
    import('../lib/config/load.js'),
    import('../lib/engine/registry.js'),
    import('../lib/engine/graph.js'),
    builtins(),
  ]);
  const loaded = await loadConfig({
    cwd,
    ...(first.config ? { file: first.config } : {}),
    ...(first.env ? { environment: first.env } : {}),
    selfEntry: selfEntry(),
  });
  if (!loaded.ok) return fail(loaded.error);
  const config = loaded.value.config;
  const registry = collectTasks(tasks, loaded.value.tasks, config.file, OPTION_NAMES);
  if (!registry.ok) return fail(registry.error);
  const graph = buildGraph(registry.value.specs);
  if (!graph.ok) return fail(graph.error);
  // The second pass knows each task's parameters: `--tag v2` takes its value, `--loud` does not.
  const reparsed = parseCli(argv, (task) => registry.value.tasks.get(task)?.params);
  if (!reparsed.ok) return fail([reparsed.error]);
  const args = reparsed.value;
  const defaults = config.default.filter((name) => !graph.value.nodes.has(name as TaskId));
  if (defaults.length > 0) return fail(defaults.map((name) => unknownDefault(name, graph.value, config.file, cwd)));

  if (args.list) {
    await listTasks(
      graph.value,
      args.json,
      args.verbosity === 'quiet',
      out,
      io.stdout.isTTY ? io.stdout.columns : undefined,
    );
    return 0;
  }
  // `help`, `completion` and `history` are commands unless the config defines a task of that name.
  const command = (name: string) => args.targets[0] === name && !registry.value.tasks.has(name);
  if (command('completion')) {
    const { completion } = await import('./commands.js');
    const shell = args.targets.length === 1 ? undefined : args.targets.slice(1).join(' ');
    const script = completion(shell);
    if (!script.ok) return fail([script.error]);
    out(script.value);
    return 0;
  }
  const helpFor = command('help') ? args.targets.slice(1) : args.help || args.summary ? args.targets : undefined;
  if (helpFor !== undefined) {
    if (helpFor.length === 0) {
      out(HELP);
      return 0;
    }
    const text = (await import('./commands.js')).taskHelp(
      helpFor,
      graph.value,
      registry.value,
      args.json,
      selectTargets,
      io.stdout.isTTY ? io.stdout.columns : undefined,
    );
    if (!text.ok) return fail(text.error);
    out(text.value);
    return 0;
  }
  if (args.graph) {
    const subset = args.targets.length > 0 ? selectTargets(graph.value, args.targets) : undefined;
    if (subset && !subset.ok)
      return fail(subset.error.map((f) => (f.reason === 'unknown-task' ? { ...f, afterGraph: true } : f)));
    const order = subset?.value.order;
    out(args.graph === 'dot' ? toDot(graph.value, order) : toMermaid(graph.value, order));
    return 0;
  }
  // `history` is a command unless the config defines a task of that name.
  if (args.targets[0] === 'history' && !registry.value.tasks.has('history'))
    return (await import('./history.js')).historyCommand(config.projectDir, args, { out, err: errLine });
  // A bare `cloudy-tasks` runs the config's `default`, else says how to name a task.
  const targets = args.targets.length > 0 ? args.targets : config.default;
  if (targets.length === 0)
    return fail([
      {
        reason: 'usage',
        message:
          'no task given; name one or more tasks, e.g. cloudy-tasks deploy-secure (cloudy-tasks --list shows them), or set default in the config',
      },
    ]);
  const { bindSelection, unknownOptions } = await import('./params.js');
  const unknown = unknownOptions(args.taskWords, registry.value, [...OPTION_NAMES]);
  if (unknown.length > 0) return fail(unknown);
  const selection = selectTargets(graph.value, targets);
  if (!selection.ok) return fail(selection.error);
  const misplaced = (await import('./option-scope.js')).inapplicableOptions(args, selection.value);
  if (misplaced.length > 0) return fail(misplaced);
  const params = bindSelection(selection.value, registry.value, args.taskWords, [...OPTION_NAMES]);
  if (!params.ok) return fail(params.error);

  const [{ loadEnvPolicy }, { execute, summaryExitCode }, { makeRedactor }, { confineWritesTo }] = await Promise.all([
    import('../lib/config/env.js'),
    import('./execute.js'),
    import('../lib/render/redact.js'),
    import('../lib/store/confine.js'),
  ]);
  // From here on nothing is written outside the project or through a symlink (lib/store/confine.ts).
  confineWritesTo(config.projectDir);
  const env = await loadEnvPolicy({ projectDir: config.projectDir, ...config.env });
  if (!env.ok) return fail(env.error);

  // The env file's values, and plain container.env values under secret-looking names, are masked
  // like secrets of the environment (issue 14): none of them may reach a log, an event or a report.
  const { envFileValues } = await import('../lib/config/env-file.js');
  const { envFile, env: containerEnv } = config.container;
  const runRedact = makeRedactor(
    { ...containerEnv, ...env.value.vars },
    envFile === undefined ? [] : envFileValues(envFile, env.value.vars),
  );
  redact = runRedact;
  const reports = args.junit !== undefined || (io.env['GITHUB_ACTIONS'] === 'true' && !args.dryRun);
  const { junitTarget, writeReports } = reports ? await import('./reports.js') : {};
  const junit = args.junit !== undefined && junitTarget ? junitTarget(args.junit, cwd, config.projectDir) : undefined;
  if (junit && !junit.ok) return fail([junit.error]);
  const started = new Date();
  // --json: the run is framed by run-started and run-finished (the webhook's body).
  const json = args.json ? (await import('../lib/render/json.js')).jsonRenderer(out) : undefined;
  json?.({
    type: 'run-started',
    project: config.projectName,
    host: (await import('node:os')).hostname(),
    pid: process.pid,
    version: VERSION,
    startedAt: started.toISOString(),
    tasks: targets,
    selected: selection.value.order,
    dryRun: args.dryRun,
  });
  let log: import('../lib/render/run-log.js').RunLog | undefined;
  const run = async (
    lockLost?: AbortSignal,
    recordChildren?: import('../lib/store/lock.js').RunLock['recordChildren'],
    recordForcedExit?: (exitCode: number) => void,
  ) => {
    const { summary, log: record } = await execute(
      { ...args, targets, params: params.value },
      config,
      graph.value,
      registry.value,
      selection.value,
      env.value.vars,
      runRedact,
      io,
      lockLost,
      started,
      recordChildren,
      recordForcedExit,
    );
    log = record;
    // A run that lost its lock may overlap another one: never report it as a clean success.
    const code = lockLost?.aborted && summaryExitCode(summary) === 0 ? 1 : summaryExitCode(summary);
    if (lockLost?.aborted) errLine(`cloudy-tasks: ${formatFailure(lockLost.reason as Failure)}`);
    return { code, summary };
  };
  if (args.dryRun) {
    const result = await run();
    if (json) {
      const { runFinished } = await import('./run-finished.js');
      const outcome = result.summary.interruptedBy ? 'interrupted' : result.code === 0 ? 'succeeded' : 'failed';
      const finished = runFinished(
        { tasks: targets },
        started,
        outcome,
        result.code,
        result.summary,
        config.projectName,
      );
      json(JSON.parse(runRedact(JSON.stringify(finished))) as typeof finished);
    }
    return result.code;
  }
  // Loaded only for real runs: the lock library installs exit hooks that --list does not need.
  const { withRunRecord } = await import('./scheduled.js');
  const result = await withRunRecord(
    { projectDir: config.projectDir, project: config.projectName, tasks: targets, argv, startedAt: started },
    run,
    { config: config.notify, redact: runRedact, warn: errLine },
  );
  if (json && result.finished) json(JSON.parse(runRedact(JSON.stringify(result.finished))) as typeof result.finished);
  if (log && result.finished && writeReports)
    await writeReports({
      log,
      finished: result.finished,
      junit: junit?.ok ? junit.value : undefined,
      stepSummary: io.env['GITHUB_ACTIONS'] === 'true' ? io.env['GITHUB_STEP_SUMMARY'] || undefined : undefined,
      redact: runRedact,
      warn: errLine,
    });
  if (result.refused) return fail([result.refused]);
  return result.code;
}

/** `columns`: the terminal's width, when stdout is one (lines are wrapped to it), else one line per task. */
async function listTasks(
  graph: TaskGraph,
  json: boolean,
  namesOnly: boolean,
  out: (line: string) => void,
  columns: number | undefined,
): Promise<void> {
  const rows = [...graph.nodes.values()].sort(byName(graph));
  // `--list -q`: the names, one per line (what the completion scripts read).
  if (namesOnly && !json) {
    for (const n of rows) out(n.id);
    return;
  }
  if (json) {
    out(JSON.stringify(rows.map((n) => ({ name: n.id, description: n.description, deps: n.deps, source: n.source }))));
    return;
  }
  const { formatTaskList } = await import('../lib/render/task-list.js');
  for (const line of formatTaskList(rows, columns)) out(line);
}

/**
 * The `--list` order: `localeCompare`. Its first call sets up ICU's collator (~10 ms, as long as
 * the rest of `--list`), so names made of lowercase letters, digits and `-` (the usual ones),
 * for which code-unit order is the same order, are compared without it.
 */
function byName(graph: TaskGraph): (a: { id: string }, b: { id: string }) => number {
  const plain = [...graph.nodes.keys()].every((id) => /^[a-z0-9-]*$/.test(id));
  return plain ? (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : (a, b) => a.id.localeCompare(b.id);
}

/** `default` naming no task: a config error at load time (exit 2), with the closest name. */
function unknownDefault(name: string, graph: TaskGraph, file: string | undefined, cwd: string): Failure {
  const guess = closest(name, [...graph.nodes.keys()]);
  return {
    reason: 'invalid-config',
    ...(file ? { file: path.relative(cwd, file) || file } : {}),
    path: 'default',
    expected: 'the name of a task (cloudy-tasks --list shows them)',
    received: JSON.stringify(name),
    ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
  };
}
