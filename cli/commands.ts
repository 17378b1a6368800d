/**
 * The commands that answer from the task definitions alone, without running anything:
 * `help <task>` / `--summary <task>` and `completion bash|zsh|fish`. Loaded by ./main.ts only
 * for them; they load no runner, spawner or renderer of runs (test/cli/startup.test.ts).
 */
import type { Selection, TaskGraph, TaskId } from '../lib/engine/graph.js';
import type { Registry } from '../lib/engine/registry.js';
import type { Failure } from '../lib/failure.js';
import { COMPLETION_SHELLS, type CompletionOption, completionScript } from '../lib/render/completion.js';
import { formatTaskHelp, type TaskHelp, taskHelpJson } from '../lib/render/task-help.js';
import { err, ok, type Result } from '../lib/util/result.js';
import { HELP, OPTION_TYPES } from './args.js';

/**
 * The help of each named task, as text (blank line between) or one JSON array. `selectTargets`
 * is the graph's, handed in: a static import here would split lib/engine/graph.ts into a chunk
 * of its own on every start-up.
 */
export function taskHelp(
  names: readonly string[],
  graph: TaskGraph,
  registry: Registry,
  json: boolean,
  selectTargets: (graph: TaskGraph, targets: readonly string[]) => Result<Selection, Failure[]>,
  columns?: number,
): Result<string, Failure[]> {
  const helps: TaskHelp[] = [];
  for (const name of names) {
    const selection = selectTargets(graph, [name]);
    if (!selection.ok) return selection;
    const node = graph.nodes.get(name as TaskId)!;
    helps.push({
      name,
      description: node.description,
      source: node.source,
      deps: node.deps,
      before: selection.value.order.filter((id) => id !== name),
      params: registry.tasks.get(name)?.params,
      commands: registry.commands.get(name),
    });
  }
  if (json) return ok(JSON.stringify(helps.map(taskHelpJson)));
  const optionHelp = new Map(completionOptions().map((o) => [`--${o.long}`, o.description]));
  return ok(helps.map((h) => formatTaskHelp(h, { optionHelp, ...(columns ? { columns } : {}) })).join('\n\n'));
}

/** `completion <shell>`: the script, or a usage failure naming the shells. */
export function completion(shell: string | undefined): Result<string, Failure> {
  const known = COMPLETION_SHELLS.find((s) => s === shell);
  if (known === undefined)
    return err({
      reason: 'usage',
      message: `completion takes one of ${COMPLETION_SHELLS.join(', ')}${shell === undefined ? '' : `, not "${shell}"`}, e.g. source <(cloudy-tasks completion bash)`,
    });
  return ok(completionScript(known, completionOptions()).trimEnd());
}

/** The options as `--help` lists them (one source for the parser's table and the scripts' words). */
export function completionOptions(): CompletionOption[] {
  const options: CompletionOption[] = [];
  for (const line of HELP.split('\n')) {
    const m = /^ {2}(?:-(\w), )?--([a-z-]+)(?: (\[?[A-Za-z]+\]?))?\s{2,}(.*)$/.exec(line);
    if (!m) continue;
    const long = m[2]!;
    options.push({
      long,
      ...(m[1] ? { short: m[1] } : {}),
      value: OPTION_TYPES[long] === 'string',
      description: m[4]!.trim(),
    });
  }
  return options;
}
