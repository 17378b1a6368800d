/**
 * Knowledge of docker compose: v2 (`docker compose`, what most users have) and v1
 * (`docker-compose` 1.29, what Debian ships). Both accept the same `build` flags we use.
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

/**
 * The compose command to use, as argv words. Under --dry-run no docker process may start, so
 * the choice is made from the files on disk (plugin directories, then PATH) instead.
 */
export async function composeCommand(ctx: TaskContext): Promise<readonly string[] | undefined> {
  if (ctx.flags.dryRun) {
    if (PLUGIN_DIRS.some((dir) => existsSync(path.join(dir, 'docker-compose')))) return ['docker', 'compose'];
    return which('docker-compose', ctx.env['PATH']) ? ['docker-compose'] : ['docker', 'compose'];
  }
  const quiet = ctx.$.with({ nothrow: true, silent: true, probe: true });
  if ((await quiet`docker compose version`).exitCode === 0) return ['docker', 'compose'];
  if ((await quiet`docker-compose version`).exitCode === 0) return ['docker-compose'];
  return undefined;
}
