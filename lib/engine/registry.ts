/**
 * Turns the task definitions (built-ins handed in by the CLI, the config's `tasks`) into the
 * name-based specs the graph validates, and keeps the definition behind each name. The engine
 * never imports `tasks/`: built-ins arrive as a parameter.
 */

import type { DeclarativeTask } from '../config/input.js';
import type { Failure } from '../failure.js';
import { err, ok, type Result } from '../util/result.js';
import type { TaskSpec } from './graph.js';
import { type AnyTask, defineTask, isTask } from './task.js';

export interface Registry {
  readonly specs: readonly TaskSpec[];
  readonly tasks: ReadonlyMap<string, AnyTask>;
  readonly builtins: ReadonlySet<string>;
}

/**
 * A declarative task runs its command lines through bash in order, like a Make recipe. Its
 * output is the last line its last command printed, as `summary` (the views' result line, e.g.
 * the size an `image-size` task prints), or nothing.
 */
function fromDeclarative(name: string, spec: DeclarativeTask): { task: AnyTask; deps: readonly string[] } {
  const lines = typeof spec.run === 'string' ? [spec.run] : spec.run;
  const task = defineTask({
    name,
    description: spec.description ?? lines.join(' && '),
    run: async (ctx): Promise<{ summary: string } | undefined> => {
      let stdout = '';
      for (const line of lines) stdout = (await ctx.$.script(line)).stdout;
      const last = stdout.trimEnd().split('\n').at(-1)?.trim();
      return last ? { summary: last } : undefined;
    },
  });
  return { task, deps: spec.deps ?? [] };
}

/**
 * @param userTasks the config's `tasks` section
 * @param configFile the file they came from (for duplicate and key-mismatch messages), if any
 */
export function collectTasks(
  builtins: readonly AnyTask[],
  userTasks: Readonly<Record<string, DeclarativeTask | AnyTask>>,
  configFile: string | undefined,
): Result<Registry, Failure[]> {
  const failures: Failure[] = [];
  const specs: TaskSpec[] = [];
  const tasks = new Map<string, AnyTask>();
  const builtinNames = new Set(builtins.map((t) => t.name));
  const source = configFile ? configFile.split('/').pop()! : 'config';
  const seen = new Set<AnyTask>();

  // Depth-first, preorder (a task, then its dependencies in order, then what it provides), with
  // an explicit stack: a chain of 10,000 typed tasks would overflow a recursive walk.
  const addDefined = (root: AnyTask, from: string): void => {
    const todo: AnyTask[] = [root];
    while (todo.length > 0) {
      const task = todo.pop()!;
      if (seen.has(task)) continue;
      seen.add(task);
      const existing = tasks.get(task.name);
      // A config bundled against its own installed copy of cloudy-tasks references built-ins
      // through that copy: same name, same shape → the same task, not a duplicate.
      if (existing && builtinNames.has(task.name) && isSameBuiltin(task, existing)) continue;
      // Anything else with a taken name is pushed anyway so the graph reports the duplicate.
      specs.push({
        name: task.name,
        // A plain-JS config can omit it; `--list` must not print "undefined".
        description: typeof task.description === 'string' ? task.description : '',
        deps: task.deps.map((d: AnyTask) => d.name),
        source: from,
        ...(task.provides ? { provides: task.provides.name } : {}),
        ...(task.after ? { after: task.after.map((t: AnyTask) => t.name) } : {}),
      });
      if (!existing) tasks.set(task.name, task);
      if (task.provides) todo.push(task.provides);
      const deps = task.deps as readonly AnyTask[];
      for (let i = deps.length - 1; i >= 0; i--) todo.push(deps[i]!);
    }
  };

  for (const task of builtins) addDefined(task, 'built-in');
  for (const [key, value] of Object.entries(userTasks)) {
    if (isTask(value)) {
      if (value.name !== key) {
        failures.push({
          reason: 'invalid-config',
          ...(configFile ? { file: source } : {}),
          path: `tasks[${JSON.stringify(key)}]`,
          expected: `the key to equal the task's name "${value.name}"`,
          received: JSON.stringify(key),
        });
        continue;
      }
      addDefined(value, source);
    } else {
      const { task, deps } = fromDeclarative(key, value);
      specs.push({ name: key, description: task.description, deps, source });
      if (!tasks.has(key)) tasks.set(key, task);
    }
  }
  if (failures.length > 0) return err(failures);
  return ok({ specs, tasks, builtins: builtinNames });
}

/** Two definitions of one built-in (from two copies of the package) describe the same task. */
function isSameBuiltin(a: AnyTask, b: AnyTask | undefined): boolean {
  return b !== undefined && a.description === b.description && a.deps.length === b.deps.length;
}
