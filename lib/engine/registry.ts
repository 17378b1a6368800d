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
  /** A declarative task's command lines, by name (for `cloudy-tasks help <task>`). */
  readonly commands: ReadonlyMap<string, readonly string[]>;
}

/**
 * A declarative task runs its command lines through bash in order, like a Make recipe. Its
 * output is the last line its last command printed, as `summary` (the views' result line, e.g.
 * the size an `image-size` task prints), or nothing.
 */
function fromDeclarative(
  name: string,
  spec: DeclarativeTask,
): { task: AnyTask; deps: readonly string[]; lines: readonly string[] } {
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
  return { task, deps: spec.deps ?? [], lines };
}

/**
 * @param userTasks the config's `tasks` section
 * @param configFile the file they came from (for duplicate and key-mismatch messages), if any
 * @param reservedOptions the CLI's own option names, which no task parameter may have
 */
export function collectTasks(
  builtins: readonly AnyTask[],
  userTasks: Readonly<Record<string, DeclarativeTask | AnyTask>>,
  configFile: string | undefined,
  reservedOptions: ReadonlySet<string> = new Set(),
): Result<Registry, Failure[]> {
  const commands = new Map<string, readonly string[]>();
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
      // A plain-JS config is not type-checked: its parameter declarations are, here.
      for (const [param, spec] of Object.entries(task.params ?? {})) {
        const problem = declarationProblem(param, spec, reservedOptions);
        if (problem)
          failures.push({
            reason: 'invalid-config',
            ...(configFile && from !== 'built-in' ? { file: source } : {}),
            path: `tasks[${JSON.stringify(task.name)}].params[${JSON.stringify(param)}]`,
            ...problem,
          });
      }
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
      const { task, deps, lines } = fromDeclarative(key, value);
      specs.push({ name: key, description: task.description, deps, source });
      if (!tasks.has(key)) {
        tasks.set(key, task);
        commands.set(key, lines);
      }
    }
  }
  if (failures.length > 0) return err(failures);
  return ok({ specs, tasks, builtins: builtinNames, commands });
}

/** Two definitions of one built-in (from two copies of the package) describe the same task. */
function isSameBuiltin(a: AnyTask, b: AnyTask | undefined): boolean {
  return b !== undefined && a.description === b.description && a.deps.length === b.deps.length;
}

/** A parameter name as it is typed after `--`: lower case, digits and inner dashes. */
const PARAM_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * (Here, not in ./params.ts: `--list` loads the registry, and only a run needs the binding.)
 * What is wrong with a task's declaration (a plain-JS config is not type-checked), or undefined.
 * `reserved` are the CLI's own options, which a parameter of that name could never receive.
 */
function declarationProblem(
  name: string,
  spec: unknown,
  reserved: ReadonlySet<string>,
): { expected: string; received: string } | undefined {
  if (!PARAM_NAME.test(name))
    return { expected: 'a parameter name of lower-case letters, digits and inner dashes', received: name };
  if (reserved.has(name) || (name.startsWith('no-') && reserved.has(name.slice(3))))
    return { expected: "a name that is not one of cloudy-tasks' own options", received: name };
  const s = spec as Partial<Record<string, unknown>> | null;
  if (typeof s !== 'object' || s === null || !['string', 'number', 'boolean'].includes(s['type'] as string))
    return { expected: '{ type: "string" | "number" | "boolean", description, ... }', received: JSON.stringify(spec) };
  if (s['default'] !== undefined && typeof s['default'] !== s['type'])
    return { expected: `a default of type ${String(s['type'])}`, received: JSON.stringify(s['default']) };
  return undefined;
}
