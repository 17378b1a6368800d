/**
 * What deploy-secure can know to be wrong before anything is built or stopped (run as the task's
 * precondition, Task.check): a container under the service's names that another project (or
 * someone by hand) started, and a CPU limit above what the engine has (docker refuses
 * `--cpus 99` at `docker run`, after the build, the scan and, stop-first, the old container's stop).
 * Read-only: two docker queries.
 */

import { parseCpus } from '../docker/units.js';
import type { TaskContext } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { engineFor } from './engine.js';
import { nextName, previousName } from './leftovers.js';
import { ownershipProblem } from './ownership.js';

export async function deployPreconditions(ctx: TaskContext): Promise<Failure[]> {
  const engine = engineFor(ctx);
  const { name } = ctx.config.container;
  const problems: Failure[] = [];
  const found = await engine.inspectMany([name, previousName(name), nextName(name)]);
  const owner = ownershipProblem(found, ctx.projectDir, ctx.config.image.name, ctx.flags.adopt === true);
  if (owner) problems.push(owner);
  const info = await engine.docker(['info', '--format', '{{.NCPU}}'], { silent: true, nothrow: true });
  const engineCpus = Number(info.stdout.trim());
  const wanted = parseCpus(ctx.config.container.cpus);
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
      expected: `at most ${engineCpus} (the CPUs of the Docker engine)`,
      received: JSON.stringify(ctx.config.container.cpus),
      hint: `docker run refuses more CPUs than the engine has; use e.g. "${Math.min(engineCpus, 1)}.0"`,
    });
  }
  return problems;
}
