/**
 * What deploy-secure can know to be wrong before anything is built or stopped (run as the task's
 * precondition, Task.check): a container under the service's names that another project (or
 * someone by hand) started, and a CPU limit above what the engine has (docker refuses
 * `--cpus 99` at `docker run`, after the build, the scan and, stop-first, the old container's stop).
 * Read-only: two docker queries.
 */

import { fleetTarget } from '../docker/target.js';
import { parseCpus } from '../docker/units.js';
import type { TaskContext } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { type Engine, engineFor } from './engine.js';
import { heldBy } from './fleet-lock.js';
import { nextName, previousName } from './leftovers.js';
import { ownershipProblem } from './ownership.js';

export async function deployPreconditions(ctx: TaskContext): Promise<Failure[]> {
  const { hosts } = ctx.config.deploy;
  if (hosts.length === 0) return enginePreconditions(engineFor(ctx));
  // A fleet: every host answers and is free (its lock), then each host's own checks. While
  // another run holds a host's lock its containers are in flux, so only the lock is reported.
  const engines = hosts.map((h) => engineFor(ctx, fleetTarget(h)));
  const reachable = await Promise.all(engines.map((e) => reachability(e)));
  const unreachable = reachable.filter((p): p is Failure => p !== undefined);
  if (unreachable.length > 0) return unreachable;
  const held = (await Promise.all(engines.map((e) => heldBy(e, ctx.config.container.name)))).filter(
    (p): p is Failure => p !== undefined,
  );
  if (held.length > 0) return held;
  return (await Promise.all(engines.map((e) => enginePreconditions(e)))).flat();
}

/** Does this host's engine answer? A fleet refuses before the build when one does not. */
async function reachability(engine: Engine): Promise<Failure | undefined> {
  const r = await engine.docker(['version', '--format', '{{.Server.Version}}'], { silent: true, nothrow: true });
  if (r.exitCode === 0 && r.stdout.trim() !== '') return undefined;
  const detail = r.stderr.trim().split('\n').at(-1) || `docker version exited with code ${r.exitCode}`;
  return { reason: 'daemon-unreachable', detail: `fleet host ${engine.target.label}: ${detail}` };
}

async function enginePreconditions(engine: Engine): Promise<Failure[]> {
  const { ctx } = engine;
  const { name } = ctx.config.container;
  const problems: Failure[] = [];
  const wanted = parseCpus(ctx.config.container.cpus);
  // Both queries at once (each is a docker client start); no CPU limit, no need to ask.
  const [found, info] = await Promise.all([
    engine.inspectMany([name, previousName(name), nextName(name)]),
    wanted === undefined
      ? undefined
      : engine.docker(['info', '--format', '{{.NCPU}}'], { silent: true, nothrow: true }),
  ]);
  const owner = ownershipProblem(found, ctx.projectDir, ctx.config.image.name, ctx.flags.adopt === true);
  if (owner) problems.push(owner);
  if (info === undefined) return problems;
  const engineCpus = Number(info.stdout.trim());
  if (
    info.exitCode === 0 &&
    Number.isInteger(engineCpus) &&
    engineCpus > 0 &&
    wanted !== undefined &&
    wanted > engineCpus * 1e9
  ) {
    problems.push({
      reason: 'invalid-config',
      ...(ctx.config.file ? { file: ctx.config.file } : {}),
      path: 'container.cpus',
      expected: `at most ${engineCpus} (the CPUs of the Docker engine${engine.target.label === 'local' ? '' : ` ${engine.target.label}`})`,
      received: JSON.stringify(ctx.config.container.cpus),
      hint: `docker run refuses more CPUs than the engine has; use e.g. "${Math.min(engineCpus, 1)}.0"`,
    });
  }
  return problems;
}
