/**
 * The parameter values of each selected task, from the `--name value` words that followed it on
 * the command line (./args.ts splits them off) and the declared defaults. A dependency that was
 * not named gets its defaults; one with a required parameter must then be named. Every problem
 * is returned at once, as `bad-param` failures (exit 2, nothing ran).
 */
import type { Selection } from '../lib/engine/graph.js';
import { bindParams, type ParamProblem, type ParamWord } from '../lib/engine/params.js';
import type { Registry } from '../lib/engine/registry.js';
import type { AnyParams } from '../lib/engine/task.js';
import type { Failure } from '../lib/failure.js';
import { err, ok, type Result } from '../lib/util/result.js';

export function bindSelection(
  selection: Selection,
  registry: Registry,
  words: readonly ParamWord[],
  globals: readonly string[],
): Result<ReadonlyMap<string, AnyParams>, Failure[]> {
  const failures: Failure[] = [];
  const values = new Map<string, AnyParams>();
  const byTask = new Map<string, ParamWord[]>();
  for (const word of words) byTask.set(word.task, [...(byTask.get(word.task) ?? []), word]);
  // Words of a target outside the selection cannot happen (every target is selected), but a task
  // that declares nothing and got words must say so.
  for (const [task, given] of byTask) {
    if (!selection.order.includes(task as Selection['order'][number])) continue;
    const specs = registry.tasks.get(task)?.params ?? {};
    if (Object.keys(specs).length === 0)
      failures.push(...bindParams(task, specs, given, globals).problems.map(badParam));
  }
  for (const task of selection.order) {
    const specs = registry.tasks.get(task)?.params;
    if (specs === undefined || Object.keys(specs).length === 0) continue;
    const bound = bindParams(task, specs, byTask.get(task) ?? [], globals);
    failures.push(...bound.problems.map(badParam));
    values.set(task, bound.values);
  }
  return failures.length > 0 ? err(failures) : ok(values);
}

const badParam = (problem: ParamProblem): Failure => ({ reason: 'bad-param', problem });

/**
 * The words no task takes, checked before the targets are: in `greet --tims 3` the cause is the
 * misspelt option, not an "unknown task 3" (the value it would have taken). Words after a name
 * that is no task are left to the unknown-task failure.
 */
export function unknownOptions(words: readonly ParamWord[], registry: Registry, globals: readonly string[]): Failure[] {
  return words
    .filter((w) => registry.tasks.has(w.task))
    .flatMap((w) => bindParams(w.task, registry.tasks.get(w.task)?.params ?? {}, [w], globals).problems)
    .filter((p) => p.kind === 'unknown')
    .map(badParam);
}
