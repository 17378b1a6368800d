/**
 * `cloudy-tasks help <task>` and `--summary <task>`: what a task is (description, where it is
 * defined), what it needs first (its dependencies, and everything that runs before it), what it
 * runs, the config keys it reads and its options. Built from values the CLI gathers; no I/O.
 */
import type { ParamSpecs } from '../engine/params.js';
import { BUILTIN_HELP } from './builtin-help.js';
import { paramLine } from './failure.js';
import { wrapHanging } from './text.js';

export interface TaskHelp {
  readonly name: string;
  readonly description: string;
  /** `built-in`, or the config file it comes from. */
  readonly source: string;
  readonly deps: readonly string[];
  /** Every task that runs before it when it is the target, in order. */
  readonly before: readonly string[];
  readonly params: ParamSpecs | undefined;
  /** A declarative task's command lines; undefined for a typed or built-in one. */
  readonly commands: readonly string[] | undefined;
}

/** The same facts as {@link formatTaskHelp}, for `--json`. */
export function taskHelpJson(h: TaskHelp): Record<string, unknown> {
  const builtin = h.source === 'built-in' ? BUILTIN_HELP[h.name] : undefined;
  return {
    name: h.name,
    description: h.description,
    source: h.source,
    deps: h.deps,
    before: h.before,
    runs: runs(h),
    config: builtin?.config ?? [],
    options: [...(builtin?.options ?? []), ...Object.keys(h.params ?? {}).map((n) => `--${n}`)],
    params: h.params ?? {},
  };
}

function runs(h: TaskHelp): readonly string[] {
  if (h.commands) return h.commands.map((c) => `bash: ${c}`);
  const builtin = h.source === 'built-in' ? BUILTIN_HELP[h.name] : undefined;
  return builtin?.runs ?? [`its run function (defined in ${h.source})`];
}

export interface TaskHelpLayout {
  /** The terminal's width: rows are wrapped under their own column. Undefined: one line a row. */
  readonly columns?: number;
  /** What `--help` says of a built-in's option (`--force` → its description). */
  readonly optionHelp?: ReadonlyMap<string, string>;
}

export function formatTaskHelp(h: TaskHelp, layout: TaskHelpLayout = {}): string {
  const builtin = h.source === 'built-in' ? BUILTIN_HELP[h.name] : undefined;
  const lines: string[] = [];
  // On a terminal a long row continues under its own column, never cut mid-word by the terminal.
  const push = (text: string, indent: number) => {
    const lead = /^ */.exec(text)![0];
    if (!layout.columns || layout.columns - indent < 30) lines.push(text);
    else
      for (const l of wrapHanging(text.slice(lead.length), layout.columns - 1 - lead.length, indent - lead.length))
        lines.push(lead + l);
  };
  push(`${h.name}: ${h.description.trim() || '–'}`, 2);
  lines.push('');
  const row = (label: string, text: string) => push(`  ${label.padEnd(14)}${text}`, 16);
  row('defined in', h.source);
  row('depends on', h.deps.length > 0 ? h.deps.join(', ') : 'nothing');
  if (h.before.length > h.deps.length) row('runs first', h.before.join(', '));
  const steps = runs(h);
  steps.forEach((step, i) => {
    row(i === 0 ? 'runs' : '', step);
  });
  if (builtin) row('config keys', builtin.config.join(', '));
  const params = Object.entries(h.params ?? {}).map(([name, spec]) => paramLine(name, spec));
  const options = builtin?.options ?? [];
  if (params.length > 0 || options.length > 0) {
    lines.push('', 'Options:');
    const width = Math.max(...params.map((p) => p.usage.length), ...options.map((o) => o.length));
    for (const p of params) push(`  ${p.usage.padEnd(width)}  ${p.text}`, width + 4);
    for (const o of options) push(`  ${o.padEnd(width)}  ${optionText(o, layout.optionHelp)}`, width + 4);
  }
  lines.push('', `The exact commands: cloudy-tasks ${h.name} --dry-run`);
  return lines.join('\n');
}

/** `--help`'s words for the option, without the "deploy-secure: " that names its task there. */
function optionText(option: string, help: ReadonlyMap<string, string> | undefined): string {
  const text = help?.get(option.split(' ')[0]!);
  return text === undefined ? '(see cloudy-tasks --help)' : text.replace(/^[a-z-]+: /, '');
}
