/**
 * Finds, loads, validates and resolves the config (the cosmiconfig adapter).
 *
 * Search: `cloudy.config.{ts,mts,js,mjs,cjs}`, `.cloudyrc` (JSON or YAML), `.cloudyrc.{json,yaml,yml}`
 * and a `cloudy` key in package.json, from the start directory up to the project root (the
 * nearest package.json). No config at all is fine: the security guide's defaults apply.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Failure } from './failure.js';
import type { Config, ResolvedConfig } from './config-types.js';
import { configSchema, validate } from './config-schema.js';
import { DEFAULT_HARDENING, refuseUnsafe, resolveBindSources, type HardeningPolicy } from './hardening.js';
import { SEVERITIES, type Severity } from './severity.js';
import { loadTsConfig } from './ts-loader.js';
import { DEFAULT_TRIVY_IMAGE } from './trivy.js';
import { type Result, ok, err } from './util/result.js';

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

/** Defaults from the security guide (see README "Configuration"). */
export const DEFAULT_BASE_IMAGES = ['golang:1.21-alpine', 'alpine:latest'] as const;

export interface LoadOptions {
  /** Directory the search starts from (`--cwd`, else the current directory). */
  readonly cwd: string;
  /** `--config <file>`: load exactly this file. */
  readonly file?: string;
  /** Absolute path of this package's entry, for `import ... from 'cloudy-tasks'` in configs. */
  readonly selfEntry: string;
}

/** Load the raw config object (unvalidated) and where it came from. */
async function loadRaw(options: LoadOptions): Promise<Result<{ config: unknown; file: string | undefined }, Failure[]>> {
  const { cosmiconfig } = await import('cosmiconfig');
  const tsLoader = (file: string) => loadTsConfig(file, options.selfEntry);
  const explorer = cosmiconfig('cloudy', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    loaders: { '.ts': tsLoader, '.mts': tsLoader, '.js': tsLoader, '.mjs': tsLoader },
    cache: false,
  });
  const file = options.file ? path.resolve(options.cwd, options.file) : undefined;
  if (file && !existsSync(file)) {
    return err([{ reason: 'config-load', file, message: 'file not found (check the --config path)' }]);
  }
  try {
    const found = file ? await explorer.load(file) : await explorer.search(options.cwd);
    if (!found) return ok({ config: {}, file: undefined });
    return ok({ config: found.isEmpty ? {} : found.config, file: found.filepath });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const where = /(?:Error|error) (?:in|loading) ([^\s:]+)/.exec(message)?.[1];
    return err([{ reason: 'config-load', file: file ?? where ?? options.cwd, message: firstLines(message) }]);
  }
}

/** Load, validate and resolve. Every validation problem is returned, not only the first. */
export async function loadConfig(options: LoadOptions): Promise<Result<ResolvedConfig, Failure[]>> {
  const raw = await loadRaw(options);
  if (!raw.ok) return raw;
  const { config, file } = raw.value;
  const shown = file ? path.relative(options.cwd, file) || file : undefined;
  const problems = validate(config, configSchema, '', shown);
  if (problems.length > 0) return err(problems);
  const projectDir = file ? path.dirname(file) : projectRoot(path.resolve(options.cwd));
  const base = resolveConfig(config as Config, projectDir, file);
  // Bind sources become absolute real paths, so `../../etc` or a symlink to docker.sock is seen
  // for what it is, and docker gets the same path whatever directory it runs from.
  const resolved = { ...base, container: resolveBindSources(base.container, projectDir) };
  // A config that weakens the container is refused before anything runs, not at deploy time.
  const unsafe = refuseUnsafe(resolved.container).map(
    (problem): Failure => ({ reason: 'unsafe-config', ...(shown ? { file: shown } : {}), problem }),
  );
  return unsafe.length > 0 ? err(unsafe) : ok(resolved);
}

/** Apply defaults. Exported for tests and for programmatic use. */
export function resolveConfig(config: Config, projectDir: string, file?: string): ResolvedConfig {
  const image = config.image ?? {};
  const scan = config.scan ?? {};
  const requested: readonly Severity[] = scan.severity ?? ['HIGH', 'CRITICAL'];
  const lowest = [...SEVERITIES].reverse().find((s) => requested.includes(s)) ?? 'HIGH';
  const failOn = scan.failOn ?? lowest;
  // Trivy's --severity picks exact levels: every level the gate blocks on must be requested,
  // or a failOn below the requested levels would silently never block.
  const severity = SEVERITIES.filter((s) => requested.includes(s) || SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(failOn));
  const name = image.name ?? 'cloudy-mc-codeface';
  const tag = image.tag ?? 'latest';
  const ignoreFile = scan.ignoreFile ?? (existsSync(path.join(projectDir, '.trivyignore')) ? '.trivyignore' : undefined);
  return {
    file,
    projectDir,
    image: {
      name,
      tag,
      ref: `${name}:${tag}`,
      dockerfile: path.resolve(projectDir, image.dockerfile ?? 'Dockerfile'),
      context: path.resolve(projectDir, image.context ?? '.'),
      buildArgs: image.buildArgs ?? {},
    },
    container: resolveContainer(config.container),
    baseImages: config.baseImages ?? [...DEFAULT_BASE_IMAGES],
    scan: {
      severity,
      failOn,
      ignoreUnfixed: scan.ignoreUnfixed ?? false,
      ignoreFile: ignoreFile ? path.resolve(projectDir, ignoreFile) : undefined,
      timeout: scan.timeout ?? '10m',
      skipDbUpdate: scan.skipDbUpdate ?? false,
      trivyImage: scan.trivyImage ?? DEFAULT_TRIVY_IMAGE,
      reportsDir: path.resolve(projectDir, scan.reportsDir ?? 'reports'),
      config: scan.config ?? true,
      requireScratch: scan.requireScratch ?? true,
    },
    compose: config.compose ? { file: path.resolve(projectDir, config.compose.file ?? 'docker-compose.yml'), service: config.compose.service ?? name } : undefined,
    env: { file: config.env?.file ?? '.env', example: config.env?.example },
    tasks: config.tasks ?? {},
  };
}

function resolveContainer(c: Config['container'] = {}): HardeningPolicy {
  const d = DEFAULT_HARDENING;
  const memory = c.memory ?? d.memory;
  const network: HardeningPolicy['network'] =
    c.network === undefined || c.network === 'none'
      ? { mode: 'none' }
      : { mode: 'network', name: c.network.name, internal: c.network.internal ?? false, icc: false, masquerade: false };
  return {
    ...d,
    ...stripUndefined(c),
    memory,
    // Swap capped at the memory limit unless set: `--memory` alone allows as much swap again.
    memorySwap: c.memorySwap ?? memory,
    cpus: c.cpus === undefined ? d.cpus : String(c.cpus),
    network,
  };
}

/** With no config file, the project is the nearest directory with a package.json (else cwd). */
function projectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function firstLines(message: string): string {
  return message.split('\n').filter(Boolean).slice(0, 3).join(' ').slice(0, 400);
}
