/**
 * Knowledge of docker compose: v2 (`docker compose`, what most users have) and v1
 * (`docker-compose` 1.29, what Debian ships). One detection for every task that runs compose
 * (rebuild-no-cache, compose-audit, dev-up, dev-down), so they never disagree on which one runs.
 *
 * The command surface (`docker compose` or `docker-compose`) and the behaviour are told apart:
 * behaviour follows the version the tool reports, because what matters (whether `deploy.resources`
 * is applied, whether `up --wait` exists) changed between major versions, not between surfaces.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TaskContext } from '../engine/task.js';
import { which } from '../util/which.js';

/** Where the docker CLI looks for the compose v2 plugin (docs: "Install the plugin manually"). */
const PLUGIN_DIRS = [
  path.join(os.homedir(), '.docker', 'cli-plugins'),
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

/** The compose implementation found on this machine. */
export interface ComposeTool {
  /** argv prefix: `['docker', 'compose']` or `['docker-compose']`. */
  readonly command: readonly string[];
  /** `--short` version as reported (`2.29.1`, `1.29.2`); undefined under --dry-run. */
  readonly version: string | undefined;
  /** Major version of the behaviour: 1 for docker-compose 1.x, 2 (or later) otherwise. */
  readonly major: number;
  /**
   * Whether `deploy.resources.limits` reach the engine without `--compatibility`. Compose v1
   * ignores the `deploy` key outside swarm: a file that only sets them runs without limits.
   */
  readonly appliesDeployResources: boolean;
  /** `up --wait` (waits for running/healthy): compose 2.1.1 and later. */
  readonly supportsWait: boolean;
}

/**
 * The compose tool, or undefined when neither is installed. Prefers `docker compose`. Under
 * --dry-run no docker process may start, so the choice is made from the files on disk
 * (plugin directories, then PATH) and the behaviour assumed from the surface.
 */
export async function detectCompose(ctx: TaskContext): Promise<ComposeTool | undefined> {
  if (ctx.flags.dryRun) {
    const plugin =
      PLUGIN_DIRS.some((dir) => existsSync(path.join(dir, 'docker-compose'))) ||
      !which('docker-compose', ctx.env['PATH']);
    return plugin ? toolFor(['docker', 'compose'], undefined, 2) : toolFor(['docker-compose'], undefined, 1);
  }
  const quiet = ctx.$.with({ nothrow: true, silent: true, probe: true });
  for (const command of [['docker', 'compose'], ['docker-compose']] as const) {
    const result = await quiet`${[...command, 'version', '--short']}`;
    if (result.exitCode !== 0) continue;
    const version = result.stdout.trim().replace(/^v/, '').split('\n')[0] ?? '';
    return toolFor(command, version, majorOf(version) ?? (command.length === 2 ? 2 : 1));
  }
  return undefined;
}

/** The compose command to use, as argv words (rebuild-no-cache's builds need nothing more). */
export async function composeCommand(ctx: TaskContext): Promise<readonly string[] | undefined> {
  return (await detectCompose(ctx))?.command;
}

/** A tool from its surface, reported version and major version (exported for tests). */
export function toolFor(command: readonly string[], version: string | undefined, major: number): ComposeTool {
  return {
    command,
    version,
    major,
    appliesDeployResources: major >= 2,
    supportsWait: major >= 2 && (version === undefined || atLeast(version, [2, 1, 1])),
  };
}

function majorOf(version: string): number | undefined {
  const match = /^(\d+)\./.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** `1.29.2` >= [2, 1, 1]? Missing parts count as 0; a suffix (`-desktop.1`) is ignored. */
function atLeast(version: string, wanted: readonly number[]): boolean {
  const parts = version.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < wanted.length; i++) {
    const have = Number.isNaN(parts[i] ?? Number.NaN) ? 0 : parts[i]!;
    if (have !== wanted[i]) return have > wanted[i]!;
  }
  return true;
}
