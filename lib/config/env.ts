/**
 * The environment policy (the dotenv-safe adapter). Runs once, before any task:
 * - `.env` is loaded against `.env.example` (the project's, or the built-in one listing
 *   GOTELEMETRY, UMASK and CGO_ENABLED); every missing name is reported at once;
 * - values are enforced, not only presence: the guide's "secure environment" is only secure if
 *   the values are right;
 * - UMASK is applied to this process, so every file cloudy-tasks writes respects it (an env
 *   variable alone does not change a process's umask).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Failure } from '../failure.js';
import { packageRoot } from '../util/package-root.js';
import { err, ok, type Result } from '../util/result.js';

/** The example shipped with cloudy-tasks, used when the project has none. */
export const builtinExample = (): string => path.join(packageRoot(), 'assets', 'env.example');

export interface EnvPolicyInput {
  readonly projectDir: string;
  /** `.env` path relative to the project. */
  readonly file: string;
  /** `.env.example` path relative to the project, or undefined for the default lookup. */
  readonly example: string | undefined;
  /**
   * `--env NAME`: `<file>.NAME` (`.env.staging`) is loaded too, and its values win over `.env`'s
   * (the dotenv convention: the more specific file wins; the process environment wins over both).
   */
  readonly environment?: string | undefined;
}

export interface LoadedEnv {
  readonly vars: Readonly<Record<string, string | undefined>>;
  /** The umask applied, e.g. 0o077. */
  readonly umask: number;
  readonly exampleFile: string;
}

/** Each enforced variable: what is expected, and what is wrong with a value (undefined: fine). */
const RULES: Readonly<Record<string, { expected: string; problem: (v: string) => string | undefined }>> = {
  GOTELEMETRY: { expected: 'off', problem: (v) => (v === 'off' ? undefined : '') },
  CGO_ENABLED: { expected: '0', problem: (v) => (v === '0' ? undefined : '') },
  UMASK: { expected: '077 (the owner keeps access; group and others get none)', problem: umaskProblem },
};

/**
 * What is wrong with a UMASK value, or undefined for a usable one. Group and other bits must all
 * be masked (the guide's policy); the owner's must not be: with `0777` or `0377` the tool's own
 * state directory, lock and reports come out unreadable or untraversable by the tool itself.
 */
export function umaskProblem(value: string): string | undefined {
  if (!/^0?[0-7]{3}$/.test(value.trim()))
    return 'it is not an octal mask (three or four octal digits, such as 077 or 0077)';
  const mask = Number.parseInt(value.trim(), 8);
  if ((mask & 0o077) !== 0o077) return 'it lets group or others read or write what cloudy-tasks writes';
  if ((mask & 0o700) !== 0) {
    return "it also takes the owner's own read, write or search permission, so cloudy-tasks could not use the files and directories it creates (.cloudy/, reports/)";
  }
  return undefined;
}

/**
 * Linux refuses to start any program whose environment holds one `NAME=value` string longer than
 * MAX_ARG_STRLEN (32 pages: 128 KiB), failing every command with E2BIG; a very large total hits
 * ARG_MAX the same way. Said at load time, naming the variable, instead of as a mysterious
 * "killed" on the first docker command. The limits are Linux's (binfmts.h, `getconf ARG_MAX`).
 */
const MAX_ARG_STRLEN = 128 * 1024;
const MAX_ENV_TOTAL = 1024 * 1024;

function oversized(env: NodeJS.ProcessEnv): Failure[] {
  const failures: Failure[] = [];
  let total = 0;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const size = Buffer.byteLength(`${name}=${value}`) + 1;
    total += size;
    if (size > MAX_ARG_STRLEN) {
      failures.push({
        reason: 'invalid-env',
        name,
        expected: `at most 128 KiB`,
        received: `${Math.ceil(size / 1024)} KiB of text`,
        why: 'Linux refuses to start any program with an environment variable that long (E2BIG), so no command could run; shorten it or pass it as a file',
      });
    }
  }
  if (failures.length === 0 && total > MAX_ENV_TOTAL) {
    failures.push({
      reason: 'invalid-env',
      name: '(the whole environment)',
      expected: 'at most 1 MiB in all',
      received: `${Math.ceil(total / 1024)} KiB`,
      why: 'with the command line on top, Linux would refuse to start programs (E2BIG); remove large variables',
    });
  }
  return failures;
}

/** `077` → 0o077; undefined when {@link umaskProblem} finds a problem. */
export function parseUmask(value: string): number | undefined {
  return umaskProblem(value) === undefined ? Number.parseInt(value.trim(), 8) : undefined;
}

export async function loadEnvPolicy(input: EnvPolicyInput): Promise<Result<LoadedEnv, Failure[]>> {
  // dotenv-safe checks presence against process.env itself, so the policy works on it directly.
  const env = process.env;
  const envFile = path.resolve(input.projectDir, input.file);
  const projectExample = path.resolve(input.projectDir, input.example ?? '.env.example');
  const exampleFile = input.example !== undefined || existsSync(projectExample) ? projectExample : builtinExample();
  if (!existsSync(exampleFile)) {
    return err([
      {
        reason: 'invalid-config',
        path: 'env.example',
        expected: 'an existing file',
        received: JSON.stringify(exampleFile),
        hint: 'create it or remove the env.example setting',
      },
    ]);
  }
  // Set before .env is read: dotenv never overrides them, so a fix in .env would change nothing.
  const fromEnvironment = new Set(Object.keys(RULES).filter((name) => env[name] !== undefined));
  const { config } = await import('dotenv-safe');
  const failures: Failure[] = [];
  try {
    // quiet: dotenv 17+ prints a banner otherwise; paths absolute: dotenv-safe resolves from cwd.
    // dotenv with several files: the first one's value wins, and none overrides process.env.
    const files = input.environment ? [`${envFile}.${input.environment}`, envFile] : envFile;
    // (@types/dotenv-safe still types `path` as one string; dotenv 16.4+ itself takes a list.)
    config({ path: files as string, example: exampleFile, allowEmptyValues: false, quiet: true });
  } catch (e) {
    // dotenv-safe's MissingEnvVarsError (not in its type definitions): `missing` lists the names.
    const missing = (e as { name?: string; missing?: unknown }).missing;
    if ((e as { name?: string }).name === 'MissingEnvVarsError' && Array.isArray(missing)) {
      failures.push({ reason: 'missing-env', names: missing.map(String), example: exampleFile, envFile });
    } else {
      return err([
        { reason: 'config-load', file: envFile, message: e instanceof Error ? e.message.split('\n')[0]! : String(e) },
      ]);
    }
  }
  const missing = new Set(failures.flatMap((f) => (f.reason === 'missing-env' ? f.names : [])));
  failures.push(...oversized(env));
  for (const [name, rule] of Object.entries(RULES)) {
    const value = env[name];
    if (value === undefined || value === '') {
      if (!missing.has(name)) failures.push({ reason: 'missing-env', names: [name], example: exampleFile, envFile });
      continue;
    }
    const problem = rule.problem(value);
    if (problem !== undefined) {
      failures.push({
        reason: 'invalid-env',
        name,
        expected: rule.expected,
        received: value,
        ...(problem ? { why: problem } : {}),
        from: fromEnvironment.has(name)
          ? { environment: true }
          : { file: await sourceFile(name, envFile, input.environment) },
      });
    }
  }
  if (failures.length > 0) return err(mergeMissing(failures));
  const umask = parseUmask(env['UMASK']!)!;
  process.umask(umask);
  return ok({ vars: { ...env }, umask, exampleFile });
}

/**
 * The env file a value came from: `.env.NAME` when it sets the variable (it wins), else `.env`.
 * Read with dotenv's own parser (already loaded by dotenv-safe), so quoting and `export` count as
 * they did when the file was loaded.
 */
async function sourceFile(name: string, envFile: string, environment: string | undefined): Promise<string> {
  const specific = environment ? `${envFile}.${environment}` : undefined;
  if (specific && existsSync(specific)) {
    const { parse } = await import('dotenv');
    if (Object.hasOwn(parse(readFileSync(specific)), name)) return path.basename(specific);
  }
  return path.basename(envFile);
}

/** One missing-env failure naming every missing variable, first. */
function mergeMissing(failures: Failure[]): Failure[] {
  const missing = failures.filter((f): f is Extract<Failure, { reason: 'missing-env' }> => f.reason === 'missing-env');
  if (missing.length <= 1) return failures;
  const names = [...new Set(missing.flatMap((f) => f.names))];
  return [{ ...missing[0]!, names }, ...failures.filter((f) => f.reason !== 'missing-env')];
}

/**
 * The values of `.env` (and `.env.NAME` under `--env NAME`) in `dir` (or its project root), without applying them: for masking secrets
 * in an error printed before the env policy has run. Missing or unreadable: none.
 */
export async function envFileValues(dir: string, environment?: string): Promise<Record<string, string>> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const file = path.join(d, '.env');
    const specific = environment ? `${file}.${environment}` : undefined;
    if (existsSync(file) || (specific && existsSync(specific))) {
      const { parse } = await import('dotenv');
      const read = (f: string | undefined) => {
        try {
          return f && existsSync(f) ? parse(readFileSync(f)) : {};
        } catch {
          return {};
        }
      };
      return { ...read(file), ...read(specific) };
    }
    if (existsSync(path.join(d, 'package.json')) || path.dirname(d) === d) return {};
  }
}
