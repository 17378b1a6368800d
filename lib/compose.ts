/**
 * Knowledge of docker compose: v2 (`docker compose`, what most users have) and v1
 * (`docker-compose` 1.29, what Debian ships). Both accept the same `build` flags we use.
 */
import type { TaskContext } from './task.js';

/** The compose command to use, as argv words. Under --dry-run v2 is assumed (no docker may start). */
export async function composeCommand(ctx: TaskContext): Promise<readonly string[] | undefined> {
  if (ctx.flags.dryRun) return ['docker', 'compose'];
  const quiet = ctx.$.with({ nothrow: true, silent: true, probe: true });
  if ((await quiet`docker compose version`).exitCode === 0) return ['docker', 'compose'];
  if ((await quiet`docker-compose version`).exitCode === 0) return ['docker-compose'];
  return undefined;
}
