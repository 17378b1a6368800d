/**
 * Typed task parameters: what a task declares (`params` on `defineTask`), the values its `run`
 * receives (`ctx.params`, typed from the declaration), and the binding of `--name value` words
 * of the command line to them. Pure: no I/O. Problems are {@link ParamProblem} values; the
 * sentences are lib/render/params.ts's.
 */
import { closest } from '../util/suggest.js';

/** One parameter. `description` is shown by `cloudy-tasks help <task>`. */
export type ParamSpec =
  | {
      readonly type: 'string';
      readonly description: string;
      readonly required?: boolean;
      readonly default?: string;
      /** The only values accepted, when the parameter is an enumeration. */
      readonly choices?: readonly string[];
    }
  | { readonly type: 'number'; readonly description: string; readonly required?: boolean; readonly default?: number }
  | { readonly type: 'boolean'; readonly description: string; readonly default?: boolean };

/** A task's parameters by name (`--name` on the command line). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** A parameter's value at run time. */
export type ParamValue = string | number | boolean;

type ValueOf<S> = S extends { readonly type: 'string'; readonly choices: readonly (infer C)[] }
  ? C
  : S extends { readonly type: 'string' }
    ? string
    : S extends { readonly type: 'number' }
      ? number
      : boolean;

/**
 * What `run` gets as `ctx.params`: a boolean is always set (false unless given); a required one
 * or one with a default is always set; any other may be undefined.
 */
export type ParamValues<P extends ParamSpecs> = {
  readonly [K in keyof P]: P[K] extends { readonly type: 'boolean' }
    ? boolean
    : P[K] extends { readonly required: true } | { readonly default: ParamValue }
      ? ValueOf<P[K]>
      : ValueOf<P[K]> | undefined;
};

/** What can be wrong with parameters on the command line (rendered by lib/render/params.ts). */
export type ParamProblem =
  | {
      readonly kind: 'unknown';
      readonly task: string;
      readonly option: string;
      readonly known: readonly string[];
      /** The closest of its parameters and the CLI's own options, for a misspelt one. */
      readonly suggestion?: string;
    }
  | { readonly kind: 'needs-value'; readonly task: string; readonly option: string; readonly spec: ParamSpec }
  | {
      readonly kind: 'bad-value';
      readonly task: string;
      readonly option: string;
      readonly spec: ParamSpec;
      readonly value: string;
    }
  | { readonly kind: 'missing'; readonly task: string; readonly option: string; readonly spec: ParamSpec }
  | { readonly kind: 'repeated'; readonly task: string; readonly option: string };

/** The value a word gives a parameter, or undefined when the word is not such a value. */
export function parseParamValue(spec: ParamSpec, text: string): ParamValue | undefined {
  switch (spec.type) {
    case 'string':
      return spec.choices && !spec.choices.includes(text) ? undefined : text;
    case 'number': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
  }
}

/** One `--name[=value]` word the CLI did not know, with the target it followed. */
export interface ParamWord {
  readonly task: string;
  /** The name without dashes. */
  readonly name: string;
  /** The text after `=`, if the word had one. */
  readonly inline: string | undefined;
  /** The next word, when it does not look like an option (a string or number parameter takes it). */
  readonly next: string | undefined;
}

/**
 * The values of one task's parameters from its words, defaults filled in. `consumed` says which
 * words' `next` was taken as the value (so the CLI does not read it as a task name).
 */
export function bindParams(
  task: string,
  specs: ParamSpecs,
  words: readonly ParamWord[],
  /** The CLI's own options, for "did you mean" (`--forcee` after a task means `--force`). */
  globals: readonly string[] = [],
): {
  values: Readonly<Record<string, ParamValue | undefined>>;
  consumed: ReadonlySet<ParamWord>;
  problems: ParamProblem[];
} {
  const values: Record<string, ParamValue | undefined> = {};
  const consumed = new Set<ParamWord>();
  const problems: ParamProblem[] = [];
  const given = new Set<string>();
  for (const word of words) {
    const option = `--${word.name}`;
    const negated = word.name.startsWith('no-') ? specs[word.name.slice(3)] : undefined;
    const spec = Object.hasOwn(specs, word.name) ? specs[word.name] : undefined;
    if (spec === undefined && negated?.type === 'boolean' && word.inline === undefined) {
      values[word.name.slice(3)] = false;
      given.add(word.name.slice(3));
      continue;
    }
    if (spec === undefined) {
      const suggestion = closest(word.name, [...Object.keys(specs), ...globals]);
      problems.push({
        kind: 'unknown',
        task,
        option,
        known: Object.keys(specs),
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    if (given.has(word.name)) {
      problems.push({ kind: 'repeated', task, option });
      continue;
    }
    given.add(word.name);
    let text = word.inline;
    if (text === undefined && spec.type !== 'boolean') {
      if (word.next === undefined) {
        problems.push({ kind: 'needs-value', task, option, spec });
        continue;
      }
      text = word.next;
      consumed.add(word);
    }
    if (text === undefined) {
      values[word.name] = true;
      continue;
    }
    const value = parseParamValue(spec, text);
    if (value === undefined) problems.push({ kind: 'bad-value', task, option, spec, value: text });
    else values[word.name] = value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (given.has(name)) continue;
    if (spec.default !== undefined) values[name] = spec.default;
    else if (spec.type === 'boolean') values[name] = false;
    else if (spec.required) problems.push({ kind: 'missing', task, option: `--${name}`, spec });
  }
  return { values, consumed, problems };
}
