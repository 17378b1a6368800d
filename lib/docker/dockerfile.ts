/**
 * The one adapter for `dockerfile-ast` (style guide rule 17): Dockerfile text
 * in, a small readonly model out. The parser only gives raw text, so this module
 * also owns the Docker semantics the checks need: which ARGs a FROM can see, how
 * `--build-arg` overrides them, which FROMs name an earlier stage, and whether a
 * HEALTHCHECK is in exec form.
 */
import {
  Add,
  Arg,
  DockerfileParser,
  Env,
  From,
  Healthcheck,
  type Instruction,
  JSONInstruction,
  ModifiableInstruction,
  User,
} from 'dockerfile-ast';

/** Something in the Dockerfile that findings can point at. */
export interface Located {
  /** 1-based line of the instruction's keyword (its first line if continued). */
  readonly line: number;
}

/** One instruction, for checks that this model has no dedicated field for. */
export interface InstructionLine extends Located {
  /** Upper-case keyword, e.g. `RUN`. */
  readonly keyword: string;
  /** Whitespace-split arguments without `--flags`, as written (variables not expanded). */
  readonly args: readonly string[];
  /** `--name=value` flags in order (`value` is '' for a bare flag), e.g. COPY's `from`, RUN's `mount`. */
  readonly flags: readonly { readonly name: string; readonly value: string }[];
  /** The strings of a JSON-array argument (`COPY ["a", "/d/"]`); undefined when not in that form. */
  readonly json?: readonly string[];
}

/** A FROM line after ARG resolution. */
export interface FromRef extends Located {
  /** Image with ARG defaults and `--build-arg` overrides substituted (`golang:1.21-alpine`). */
  readonly image: string;
  /** The image exactly as written (`golang:${GO_VERSION}-alpine`). */
  readonly raw: string;
  /** `scratch` (empty image), `stage` (an earlier stage, see `stageRef`) or `image` (pulled). */
  readonly kind: 'scratch' | 'stage' | 'image';
  /** Index of the earlier stage this FROM builds on; set only when `kind` is `stage`. */
  readonly stageRef?: number;
  /** Variables that had no value and became '' (as in Docker); empty when all resolved. */
  readonly unresolved: readonly string[];
}

/** A `NAME` declared by ENV or ARG. Values are left out on purpose: they may be secrets. */
export interface NameLine extends Located {
  readonly name: string;
}

/** A USER instruction. */
export interface UserLine extends Located {
  /** The user spec with stage variables expanded (`1001:1001`). */
  readonly value: string;
  /** As written (`${APP_UID}:${APP_GID}`). */
  readonly raw: string;
}

/**
 * A HEALTHCHECK: `exec` is `CMD ["bin", "arg"]` (needs no shell), `shell` is
 * `CMD bin arg` (runs `/bin/sh -c`), `none` disables an inherited check, and
 * `invalid` has no usable command.
 */
export interface HealthcheckLine extends Located {
  readonly form: 'exec' | 'shell' | 'none' | 'invalid';
  /**
   * The check as `docker inspect` stores it in `Config.Healthcheck.Test`: `['CMD', bin, ...args]`
   * (exec form), `['CMD-SHELL', line]` (shell form) or `['NONE']`; undefined when invalid. Lets
   * a compose file restate the image's check exactly (compose-file).
   */
  readonly test?: readonly string[];
  /** `--interval`, `--timeout`, `--start-period`, `--retries` as written, keyed without `--`. */
  readonly options: Readonly<Record<string, string>>;
}

/** An ADD instruction; `sources` are every argument but the destination. */
export interface AddLine extends Located {
  readonly sources: readonly string[];
}

/** One build stage: a FROM and the instructions up to the next FROM. */
export interface Stage {
  /** 0-based position among the FROM lines. */
  readonly index: number;
  /** The `AS name`, lower-cased like Docker does; undefined when unnamed. */
  readonly name?: string;
  readonly from: FromRef;
  /** Every instruction after the FROM, in order (the FROM itself excluded). */
  readonly instructions: readonly InstructionLine[];
  readonly users: readonly UserLine[];
  readonly healthchecks: readonly HealthcheckLine[];
  readonly adds: readonly AddLine[];
  readonly envs: readonly NameLine[];
  readonly args: readonly NameLine[];
}

/** The parsed Dockerfile. */
export interface DockerfileModel {
  /** ARGs before the first FROM: the only variables a FROM line can use. */
  readonly globalArgs: readonly NameLine[];
  readonly stages: readonly Stage[];
  /** The stage `docker build` produces by default; undefined when there is no FROM. */
  readonly finalStage: Stage | undefined;
}

type Vars = Map<string, string>;
type ArgContext = {
  readonly overrides: ReadonlyMap<string, string>;
  readonly globals: Vars;
  readonly escapeChar: string;
};

/** The last parse: one run reads the same Dockerfile in preflight, the fingerprint and the base images. */
let lastParse: { readonly key: string; readonly model: DockerfileModel } | undefined;

/**
 * Parses Dockerfile text. `buildArgs` are `--build-arg` values; like Docker, they
 * only take effect for names an ARG declares. The model is read-only, so the same text with
 * the same build args is parsed once (dockerfile-ast takes ~10 ms for the example's file).
 */
export function parseDockerfile(text: string, buildArgs: Readonly<Record<string, string>> = {}): DockerfileModel {
  const key = `${JSON.stringify(Object.entries(buildArgs))}\n${text}`;
  if (lastParse?.key === key) return lastParse.model;
  const model = parse(text, buildArgs);
  lastParse = { key, model };
  return model;
}

function parse(text: string, buildArgs: Readonly<Record<string, string>>): DockerfileModel {
  const doc = DockerfileParser.parse(text);
  const escapeChar = doc.getEscapeCharacter();
  const globalVars: Vars = new Map();
  const ctx: ArgContext = { overrides: new Map(Object.entries(buildArgs)), globals: globalVars, escapeChar };
  const globalArgs: NameLine[] = [];
  const stages: MutableStage[] = [];
  const stageEnv: Vars[] = [];
  let current: MutableStage | undefined;
  let vars: Vars = new Map();
  let env: Vars = new Map();

  for (const ins of doc.getInstructions()) {
    const line = ins.getRange().start.line + 1;
    if (ins instanceof From) {
      const from = resolveFrom(ins, line, globalVars, stages, escapeChar);
      const name = ins.getBuildStage()?.toLowerCase();
      current = {
        index: stages.length,
        ...(name === undefined ? {} : { name }),
        from,
        instructions: [],
        users: [],
        healthchecks: [],
        adds: [],
        envs: [],
        args: [],
      };
      stages.push(current);
      // ENV is inherited from a parent stage; ARG values are not (Docker scoping).
      env = new Map(from.stageRef === undefined ? [] : stageEnv[from.stageRef]);
      vars = new Map(env);
      stageEnv.push(env);
      continue;
    }
    if (current === undefined) {
      // Before the first FROM only ARG is allowed; these feed the FROM lines.
      if (ins instanceof Arg) declareArgs(ins, line, globalVars, globalArgs, ctx);
      continue;
    }
    current.instructions.push({
      keyword: ins.getKeyword().toUpperCase(),
      args: argValues(ins),
      line,
      ...flagsAndJson(ins),
    });
    if (ins instanceof Arg) {
      declareArgs(ins, line, vars, current.args, ctx);
    } else if (ins instanceof Env) {
      for (const p of ins.getProperties()) {
        current.envs.push({ name: p.getName(), line });
        const value = expand(p.getValue() ?? '', vars, new Set(), escapeChar);
        vars.set(p.getName(), value);
        env.set(p.getName(), value);
      }
    } else if (ins instanceof User) {
      const raw = (ins.getArgumentsContent() ?? '').trim();
      current.users.push({ value: expand(raw, vars, new Set(), escapeChar), raw, line });
    } else if (ins instanceof Healthcheck) {
      current.healthchecks.push(healthcheckLine(ins, line));
    } else if (ins instanceof Add) {
      current.adds.push({ sources: addSources(ins), line });
    }
  }
  return { globalArgs, stages, finalStage: stages.at(-1) };
}

/**
 * The images a build pulls: resolved, without `scratch`, stage references or
 * blanks, deduplicated, in file order. This is what "update base images" pulls.
 */
export function baseImages(model: DockerfileModel): string[] {
  const images = model.stages.filter((s) => s.from.kind === 'image' && s.from.image !== '').map((s) => s.from.image);
  return [...new Set(images)];
}

/**
 * The chain of stages `stage` is built on, root first, ending with `stage`.
 * Needed because USER, ENV and HEALTHCHECK are inherited through `FROM <stage>`.
 */
export function stageLineage(model: DockerfileModel, stage: Stage): Stage[] {
  const chain: Stage[] = [stage];
  let ref = stage.from.stageRef;
  while (ref !== undefined) {
    const parent = model.stages[ref];
    // stageRef always points backwards, so this loop ends.
    if (parent === undefined) throw new Error(`Internal error: stage ${stage.index} refers to missing stage ${ref}`);
    chain.unshift(parent);
    ref = parent.from.stageRef;
  }
  return chain;
}

/** Splits an image reference into its parts; `tag` is undefined when absent. */
export function splitImageRef(image: string): {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
} {
  const at = image.indexOf('@');
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const rest = at === -1 ? image : image.slice(0, at);
  // A colon before the last slash is a registry port (`host:5000/app`), not a tag.
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  const name = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  return { name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** A Stage under construction: same fields, arrays still growable. */
type MutableStage = { -readonly [K in keyof Stage]: Stage[K] extends readonly (infer U)[] ? U[] : Stage[K] };

function resolveFrom(
  ins: From,
  line: number,
  globals: Vars,
  earlier: readonly MutableStage[],
  escapeChar: string,
): FromRef {
  const raw = ins.getImage() ?? '';
  const unresolved = new Set<string>();
  const image = expand(raw, globals, unresolved, escapeChar);
  const base = { image, raw, line, unresolved: [...unresolved] };
  if (image.toLowerCase() === 'scratch') return { ...base, kind: 'scratch' };
  // Only stages defined *above* count; a later name is just an image name.
  const parent = earlier.find((s) => s.name !== undefined && s.name === image.toLowerCase());
  return parent === undefined ? { ...base, kind: 'image' } : { ...base, kind: 'stage', stageRef: parent.index };
}

/**
 * Applies `ARG NAME[=default] ...` to `scope`: a `--build-arg` wins, then the
 * default, then (inside a stage, for a bare `ARG NAME`) the global value.
 */
function declareArgs(ins: Arg, line: number, scope: Vars, out: NameLine[], ctx: ArgContext): void {
  for (const p of ins.getProperties()) {
    const name = p.getName();
    out.push({ name, line });
    const dflt = p.getValue();
    const value =
      ctx.overrides.get(name) ??
      (dflt === null ? ctx.globals.get(name) : expand(dflt, scope, new Set(), ctx.escapeChar));
    if (value !== undefined) scope.set(name, value);
  }
}

function argValues(ins: Instruction): string[] {
  return ins.getArguments().map((a) => a.getValue());
}

function healthcheckLine(ins: Healthcheck, line: number): HealthcheckLine {
  const form = healthcheckForm(ins);
  const options = Object.fromEntries(ins.getFlags().map((f) => [f.getName(), f.getValue() ?? '']));
  const command = (ins.getArgumentsContent() ?? '').trim().replace(/^CMD\s+/i, '');
  const test =
    form === 'exec'
      ? ['CMD', ...(JSON.parse(command) as string[])]
      : form === 'shell'
        ? ['CMD-SHELL', command]
        : form === 'none'
          ? ['NONE']
          : undefined;
  return { form, ...(test ? { test } : {}), options, line };
}

function flagsAndJson(ins: Instruction): Pick<InstructionLine, 'flags' | 'json'> {
  const flags =
    ins instanceof ModifiableInstruction
      ? ins.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() ?? '' }))
      : [];
  const json =
    ins instanceof JSONInstruction && ins.getOpeningBracket() !== null
      ? ins.getJSONStrings().map((j) => j.getJSONValue())
      : undefined;
  return { flags, ...(json ? { json } : {}) };
}

/** Docker treats the command as exec form exactly when it parses as a JSON string array. */
function healthcheckForm(ins: Healthcheck): HealthcheckLine['form'] {
  const [sub, ...rest] = argValues(ins);
  const keyword = sub?.toUpperCase();
  if (keyword === 'NONE') return 'none';
  if (keyword !== 'CMD' || rest.length === 0) return 'invalid';
  const command = rest.join(' ');
  if (!command.startsWith('[')) return 'shell';
  try {
    const parsed: unknown = JSON.parse(command);
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) return 'shell';
    return parsed.length === 0 ? 'invalid' : 'exec';
  } catch {
    return 'shell';
  }
}

function addSources(ins: Add): string[] {
  const json = ins.getJSONStrings().map((j) => j.getJSONValue());
  const all = ins.getOpeningBracket() !== null && json.length > 0 ? json : argValues(ins);
  return all.slice(0, -1);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Expands `$X`, `${X}`, `${X:-w}`, `${X-w}`, `${X:+w}` and `${X+w}` like
 * Docker's shell lexer; unset variables become '' and are added to `unresolved`.
 */
export function expand(
  text: string,
  vars: ReadonlyMap<string, string>,
  unresolved: Set<string>,
  escapeChar = '\\',
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === escapeChar && text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (ch === '$' && text[i + 1] === '{') {
      const close = matchingBrace(text, i + 1);
      if (close === -1) return out + text.slice(i);
      out += expandBraced(text.slice(i + 2, close), vars, unresolved, escapeChar);
      i = close + 1;
    } else if (ch === '$' && NAME.test(text.slice(i + 1))) {
      const name = NAME.exec(text.slice(i + 1))?.[0] ?? '';
      out += lookup(name, vars, unresolved);
      i += 1 + name.length;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

function expandBraced(
  body: string,
  vars: ReadonlyMap<string, string>,
  unresolved: Set<string>,
  escapeChar: string,
): string {
  const name = NAME.exec(body)?.[0] ?? '';
  const op = /^(:-|:\+|-|\+)/.exec(body.slice(name.length))?.[0];
  if (op === undefined) return lookup(name, vars, unresolved);
  const word = () => expand(body.slice(name.length + op.length), vars, unresolved, escapeChar);
  const value = vars.get(name);
  // `:` variants treat an empty value like an unset one.
  const absent = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  if (op.endsWith('-')) return absent ? word() : (value ?? '');
  return absent ? '' : word();
}

function lookup(name: string, vars: ReadonlyMap<string, string>, unresolved: Set<string>): string {
  const value = vars.get(name);
  if (value === undefined) unresolved.add(name);
  return value ?? '';
}

function matchingBrace(text: string, open: number): number {
  for (let i = open, depth = 0; i < text.length; i++) {
    depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    if (depth === 0) return i;
  }
  return -1;
}
