/**
 * Finds, loads, validates and resolves the config (the cosmiconfig adapter: the only module that
 * imports cosmiconfig).
 *
 * Search: `cloudy.config.{ts,mts,js,mjs,cjs}`, `.cloudyrc` (JSON or YAML), `.cloudyrc.{json,yaml,yml}`
 * and a `cloudy` key in package.json, from the start directory up to the project root (the
 * nearest package.json). No config at all is fine: the security guide's defaults apply.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AnyTask } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { refuseUnsafe } from '../hardening/refuse.js';
import { seccompProfileProblems } from '../hardening/seccomp.js';
import { resolveBindSources } from '../hardening/volumes.js';
import { refusalProblems, refusedBy, swarmUnsupported } from '../swarm/unsupported.js';
import { deepMerge } from '../util/deep-merge.js';
import { err, ok, type Result } from '../util/result.js';
import { contradictions } from './consistency.js';
import type { Config, DeclarativeTask } from './input.js';
import { mayHaveConfig } from './may-have-config.js';
import { projectRoot, resolveConfig } from './resolve.js';
import { configSchema, ENVIRONMENT_NAME, validate } from './schema.js';
import { ConfigFileProblem, loadTsConfig } from './ts-loader.js';
import type { ResolvedConfig } from './types.js';

export const SEARCH_PLACES = [
  'package.json',
  '.cloudyrc',
  '.cloudyrc.json',
  '.cloudyrc.yaml',
  '.cloudyrc.yml',
  'cloudy.config.ts',
  'cloudy.config.mts',
  'cloudy.config.js',
  'cloudy.config.mjs',
  'cloudy.config.cjs',
] as const;

export interface LoadOptions {
  /** Directory the search starts from (`--cwd`, else the current directory). */
  readonly cwd: string;
  /** `--config <file>`: load exactly this file. */
  readonly file?: string;
  /** Absolute path of this package's entry, for `import ... from 'cloudy-tasks'` in configs. */
  readonly selfEntry: string;
  /** `--env NAME`: merge `environments.NAME` over the config (see {@link selectEnvironment}). */
  readonly environment?: string;
}

/**
 * cosmiconfig, imported when a config is searched. The build bundles it into a chunk of ours, and
 * a bundled CommonJS module imported dynamically has only a default export: take either shape.
 */
async function loadCosmiconfig(): Promise<typeof import('cosmiconfig')> {
  const mod = (await import('cosmiconfig')) as Partial<typeof import('cosmiconfig')> & {
    default?: typeof import('cosmiconfig');
  };
  return (mod.cosmiconfig ? mod : mod.default) as typeof import('cosmiconfig');
}

/** Load the raw config object (unvalidated) and where it came from. */
async function loadRaw(
  options: LoadOptions,
): Promise<Result<{ config: unknown; file: string | undefined }, Failure[]>> {
  const shown = (file: string) => path.relative(options.cwd, file) || file;
  const file = options.file ? path.resolve(options.cwd, options.file) : undefined;
  if (file && !existsSync(file)) {
    return err([{ reason: 'config-load', file: shown(file), message: 'file not found (check the --config path)' }]);
  }
  if (!file && !mayHaveConfig(options.cwd, SEARCH_PLACES, 'cloudy')) return ok({ config: {}, file: undefined });
  const { cosmiconfig } = await loadCosmiconfig();
  const tsLoader = (f: string) => loadTsConfig(f, options.selfEntry);
  const explorer = cosmiconfig('cloudy', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    loaders: { '.ts': tsLoader, '.mts': tsLoader, '.js': tsLoader, '.mjs': tsLoader },
    cache: false,
  });
  try {
    const found = file ? await explorer.load(file) : await explorer.search(options.cwd);
    if (!found) return ok({ config: {}, file: undefined });
    if (!file) {
      // cosmiconfig takes the first match in SEARCH_PLACES order and ignores the rest: a second
      // config beside it would be silently ignored, so refuse to guess.
      const others = configFilesIn(path.dirname(found.filepath)).filter((f) => f !== found.filepath);
      if (others.length > 0) {
        return err([{ reason: 'config-conflict', files: [found.filepath, ...others].map(shown) }]);
      }
    }
    return ok({ config: found.isEmpty ? {} : found.config, file: found.filepath });
  } catch (e) {
    if (e instanceof ConfigFileProblem)
      return err([{ reason: 'config-load', file: shown(e.file), message: e.message }]);
    // cosmiconfig's own errors (JSON and YAML syntax) name the file in their message.
    const message = e instanceof Error ? e.message : String(e);
    const where = /(?:Error|error) (?:in|loading|parsing) ([^\s:]+)/.exec(message)?.[1];
    const at = file ?? where;
    return err([
      {
        reason: 'config-load',
        file: shown(at ?? options.cwd),
        message: syntaxError(at, message) ?? firstLines(message),
      },
    ]);
  }
}

/** Every config file in `dir`, in search order; package.json only when it has a `cloudy` key. */
function configFilesIn(dir: string): string[] {
  return SEARCH_PLACES.map((name) => path.join(dir, name)).filter((f) => {
    if (!existsSync(f)) return false;
    if (path.basename(f) !== 'package.json') return true;
    try {
      return Object.hasOwn(JSON.parse(readFileSync(f, 'utf8')) as object, 'cloudy');
    } catch {
      return false; // an unreadable package.json is not a config; cosmiconfig reports it if it matters
    }
  });
}

/** A loaded config: what tasks see, and the user's own task definitions for the registry. */
export interface LoadedConfig {
  readonly config: ResolvedConfig;
  readonly tasks: Readonly<Record<string, DeclarativeTask | AnyTask>>;
}

/** Load, validate and resolve. Every validation problem is returned, not only the first. */
export async function loadConfig(options: LoadOptions): Promise<Result<LoadedConfig, Failure[]>> {
  const raw = await loadRaw(options);
  if (!raw.ok) return raw;
  const { config, file } = raw.value;
  const shown = file ? path.relative(options.cwd, file) || file : undefined;
  const problems = validate(config, configSchema, '', shown);
  if (problems.length > 0) return err(problems);
  const projectDir = file ? path.dirname(file) : projectRoot(path.resolve(options.cwd));
  const selected = selectEnvironment(config as Config, options.environment, projectDir, shown);
  if (!selected.ok) return selected;
  const base = resolveConfig(selected.value, projectDir, file, options.environment);
  // Bind sources become absolute real paths, so `../../etc` or a symlink to docker.sock is seen
  // for what it is, and docker gets the same path whatever directory it runs from.
  const resolved = { ...base, container: resolveBindSources(base.container, projectDir) };
  // A config that weakens the container is refused before anything runs, not at deploy time.
  const unsafe = [
    ...refuseUnsafe(resolved.container),
    ...seccompProfileProblems(resolved.container.securityOpt, projectDir),
    ...refuseSwarm(resolved),
  ].map((problem): Failure => ({ reason: 'unsafe-config', ...(shown ? { file: shown } : {}), problem }));
  const refused = [...unsafe, ...contradictions(resolved, shown)];
  return refused.length > 0 ? err(refused) : ok({ config: resolved, tasks: selected.value.tasks ?? {} });
}

/**
 * The config for `--env NAME`: `environments.NAME` deep-merged over the rest (objects key by
 * key; lists and values replace), so what tasks see is one ordinary config. The environment is
 * known when the config names it or the project has its `.env.NAME` file; any other name is
 * refused, listing the known ones, before anything runs. Without `--env` the `environments`
 * section is ignored. (The merged config holds only keys the schema already checked.)
 */
function selectEnvironment(
  config: Config,
  name: string | undefined,
  projectDir: string,
  shown: string | undefined,
): Result<Config, Failure[]> {
  const { environments, ...rest } = config;
  if (name === undefined) return ok(rest);
  const envFile = config.env?.file ?? '.env';
  const overlay = environments && Object.hasOwn(environments, name) ? environments[name] : undefined;
  if (overlay === undefined && !existsSync(path.resolve(projectDir, `${envFile}.${name}`))) {
    return err([
      {
        reason: 'unknown-environment',
        name,
        known: knownEnvironments(config, projectDir),
        ...(shown ? { file: shown } : {}),
      },
    ]);
  }
  return ok(deepMerge(rest, overlay ?? {}) as Config);
}

/** The environments a project has: its config's `environments` and its `.env.NAME` files. */
export function knownEnvironments(config: Config, projectDir: string): string[] {
  const envFile = path.resolve(projectDir, config.env?.file ?? '.env');
  const prefix = `${path.basename(envFile)}.`;
  let files: string[] = [];
  try {
    files = readdirSync(path.dirname(envFile))
      .filter((f) => f.startsWith(prefix) && ENVIRONMENT_NAME.test(f.slice(prefix.length)))
      .map((f) => f.slice(prefix.length))
      // `.env.example` is the list of required names, not an environment.
      .filter((n) => n !== 'example');
  } catch {
    // no directory, no files: only the config's
  }
  return [...new Set([...Object.keys(config.environments ?? {}), ...files])].sort();
}

/** A Swarm deploy is never silently weaker: settings it cannot apply refuse unless accepted (issue 13). */
function refuseSwarm(config: ResolvedConfig): string[] {
  if (config.deploy.target !== 'swarm') return [];
  return refusalProblems(refusedBy(swarmUnsupported(config.container), config.swarm.allowUnsupported));
}

/**
 * A JSON or YAML syntax error as one line, "line 3, column 34: <what>", instead of the parser's
 * multi-line code frame squashed onto one line. JSON: parsed again, to get V8's position; YAML:
 * js-yaml's "(line:column)" mark. Undefined when it is no such error.
 */
function syntaxError(file: string | undefined, message: string): string | undefined {
  if (file && /JSON Error/.test(message)) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
      JSON.parse(text);
      return undefined;
    } catch (e) {
      const what = e instanceof Error ? e.message : String(e);
      const pos = /at position (\d+)/.exec(what);
      if (!pos) return `${what.replace(/ in JSON.*$/, '')}`;
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = Number(pos[1]) - before.lastIndexOf('\n');
      return `line ${line}, column ${column}: ${what.replace(/ in JSON at position \d+.*$/, '')} (JSON allows no trailing commas or comments)`;
    }
  }
  const yaml = /YAML Error in [^:]+:\s*(.+?) \((\d+):(\d+)\)/.exec(message);
  if (yaml) return `line ${yaml[2]}, column ${yaml[3]}: ${yaml[1]}`;
  return undefined;
}

function firstLines(message: string): string {
  return message.split('\n').filter(Boolean).slice(0, 3).join(' ').slice(0, 400);
}
