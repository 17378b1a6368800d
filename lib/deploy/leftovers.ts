/**
 * Make sure exactly one container is "the service" before deciding anything, after an earlier
 * deploy died between steps (OOM, SIGKILL). Names a deploy uses: `<name>` (the service),
 * `<name>-previous` (the old container during a replace), `<name>-next` (the new one while a
 * start-first replace verifies it).
 *
 * - `<name>-next` is never the service: it was not verified and committed, so it is removed.
 * - only `<name>-previous` exists: the earlier deploy renamed the service away; it is the service again.
 * - both `<name>` and `<name>-previous` exist: `<name>` may be a new container that was never
 *   verified. It is kept only if it runs, is healthy and passes every check; otherwise it is
 *   removed and the previous one (the last verified service) takes the name back.
 */

import { TaskFailure } from '../failure.js';
import { failingChecks } from '../hardening/checks/index.js';
import { hardeningChecks } from '../hardening/verify.js';
import { type Engine, idOf, stateOf } from './engine.js';
import { ownershipProblem } from './ownership.js';

export const previousName = (name: string) => `${name}-previous`;
export const nextName = (name: string) => `${name}-next`;

/**
 * Returns the id of the container to replace (the service now), if any, and its inspect
 * document when nothing had to be repaired (so the converge check need not inspect it again).
 */
export async function settleLeftovers(
  engine: Engine,
  name: string,
): Promise<{ oldId: string | undefined; current?: Record<string, unknown> }> {
  const { ctx } = engine;
  const previous = previousName(name);
  const found = await engine.inspectMany([name, nextName(name), previous]);
  // Checked before anything is touched (also, earlier, as the task's precondition on the local engine).
  const notOurs = ownershipProblem(found, ctx.projectDir, ctx.config.image.name, ctx.flags.adopt === true);
  if (notOurs) throw new TaskFailure(notOurs);
  const next = found.get(nextName(name));
  if (next) {
    ctx.progress(`removing ${nextName(name)}, a new container an interrupted deploy never committed`);
    await engine.docker(['rm', '-f', idOf(next)!]);
  }
  const current = found.get(name);
  const leftover = found.get(previous);
  if (!leftover) return { oldId: idOf(current), ...(current && !next ? { current } : {}) };
  if (!current) {
    ctx.progress(`found ${previous} left by an interrupted deploy: it is the service again`);
    await engine.docker(['rename', previous, name]);
    return { oldId: idOf(leftover) };
  }
  const state = stateOf(current);
  const checks =
    state.Running && state.Health?.Status === 'healthy'
      ? await hardeningChecks(ctx, name, ctx.config.container, undefined, { target: engine.target })
      : undefined;
  if (checks && failingChecks(checks).length === 0) {
    ctx.progress(`removing ${previous}, left by an earlier deploy whose container ${name} is healthy and verified`);
    await engine.docker(['rm', '-f', previous]);
    return { oldId: idOf(current) };
  }
  ctx.progress(`${name} was left unverified by an interrupted deploy: removing it and restoring ${previous}`);
  await engine.docker(['rm', '-f', idOf(current)!]);
  await engine.docker(['rename', previous, name]);
  return { oldId: idOf(leftover) };
}
