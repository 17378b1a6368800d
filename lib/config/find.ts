/**
 * The config search of the common cases without cosmiconfig: loading cosmiconfig and its
 * dependencies (about 20 CommonJS modules) took a third of `--list`. This walks the same places
 * in the same order as cosmiconfig 9 with `searchStrategy: 'project'` (each directory from the
 * start up to the first one holding a package.json or package.yaml; in each, the search places in
 * order; a package.json counts only with a `cloudy` key; unreadable places are passed over), and
 * answers only when the outcome is certain:
 *
 * - `script`: the config is a non-empty `cloudy.config.{ts,mts,js,mjs}` (our own loader);
 * - `json`: a `.cloudyrc.json` or a package.json `cloudy` key that `JSON.parse` reads (cosmiconfig
 *   parses JSON with parse-json, which is JSON.parse with better messages on failure: a file that
 *   does not parse is left to cosmiconfig, so its message is unchanged);
 * - `none`: there is no config at all;
 * - undefined: anything else (`.cloudyrc`, YAML, a `.cjs`, an empty file, a cosmiconfig meta
 *   config in the working directory, a file we cannot read): cosmiconfig decides, as before.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export type Found =
  | { readonly kind: 'script'; readonly file: string }
  | { readonly kind: 'json'; readonly file: string; readonly config: unknown }
  | { readonly kind: 'none' };

const SCRIPT = /\.(ts|mts|js|mjs)$/;
/** cosmiconfig's meta config places (read from the process's working directory). */
const META_PLACES = [
  'package.yaml',
  '.config/config.json',
  '.config/config.yaml',
  '.config/config.yml',
  '.config/config.js',
  '.config/config.ts',
  '.config/config.cjs',
  '.config/config.mjs',
];

const ABSENT = Symbol('absent');
const UNSURE = Symbol('unsure');

/** What is at `file`: its text, ABSENT (cosmiconfig passes over these errors), or UNSURE. */
function read(file: string): string | typeof ABSENT | typeof UNSURE {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EACCES' ? ABSENT : UNSURE;
  }
}

const exists = (file: string) => {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
};

/** A JSON object, or UNSURE (not JSON, or not an object). */
function parseObject(text: string): Record<string, unknown> | typeof UNSURE {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : UNSURE;
  } catch {
    return UNSURE;
  }
}

/** A package.json's `keys`: which are set (not null/undefined); UNSURE when it is not a JSON object. */
function packageKeys(text: string, keys: readonly string[]): Set<string> | typeof UNSURE {
  const record = parseObject(text);
  if (record === UNSURE) return UNSURE;
  return new Set(keys.filter((k) => record[k] !== undefined && record[k] !== null));
}

/** A meta config (`cosmiconfig` key, `.config/config.*`) can change where cosmiconfig looks. */
function metaConfigMayApply(workingDir: string, start: string): boolean {
  const pkg = read(path.join(workingDir, 'package.json'));
  if (pkg === UNSURE) return true;
  if (pkg !== ABSENT) {
    if (pkg.trim() === '') return true;
    // cosmiconfig loads this package.json's own `cloudy` key before searching from --cwd (the
    // same answer as the search when the search starts here: package.json is its first place).
    const keys = packageKeys(pkg, path.resolve(workingDir) === start ? ['cosmiconfig'] : ['cosmiconfig', 'cloudy']);
    return keys === UNSURE || keys.size > 0;
  }
  return META_PLACES.some((place) => exists(path.join(workingDir, place)));
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A script config file given with `--config`, when it needs nothing of cosmiconfig. */
export function findGivenConfig(file: string): Found | undefined {
  if (!SCRIPT.test(file)) return undefined;
  const text = read(file);
  return typeof text === 'string' && text.trim() !== '' ? { kind: 'script', file } : undefined;
}

/** Search from `start` as cosmiconfig would, when the outcome is certain (see the module comment). */
export function findConfig(start: string, searchPlaces: readonly string[]): Found | undefined {
  const from = path.resolve(start);
  if (metaConfigMayApply(process.cwd(), from)) return undefined;
  for (let dir = from; ; ) {
    if (isDirectory(dir)) {
      for (const place of searchPlaces) {
        const file = path.join(dir, place);
        const text = read(file);
        if (text === UNSURE) return undefined;
        if (text === ABSENT) continue;
        if (text.trim() === '') {
          // Empty: cosmiconfig passes over an empty package.json; any other empty file is its call.
          if (place === 'package.json') continue;
          return undefined;
        }
        if (place === 'package.json') {
          const pkg = parseObject(text);
          if (pkg === UNSURE) return undefined;
          const config = Object.hasOwn(pkg, 'cloudy') ? pkg['cloudy'] : undefined;
          if (config === undefined || config === null) continue;
          return jsonConfig(file, config);
        }
        if (place.endsWith('.json')) {
          const config = parseObject(text);
          return config === UNSURE ? undefined : jsonConfig(file, config);
        }
        return SCRIPT.test(place) ? { kind: 'script', file } : undefined;
      }
    }
    if (exists(path.join(dir, 'package.json')) || exists(path.join(dir, 'package.yaml'))) return { kind: 'none' };
    const parent = path.dirname(dir);
    if (parent === dir) return { kind: 'none' };
    dir = parent;
  }
}

/** A JSON config; one using cosmiconfig's `$import` (merging other files) is left to cosmiconfig. */
function jsonConfig(file: string, config: unknown): Found | undefined {
  if (config && typeof config === 'object' && Object.hasOwn(config, '$import')) return undefined;
  return { kind: 'json', file, config };
}
