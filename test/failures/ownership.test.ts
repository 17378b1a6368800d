/**
 * A container under the service's name that this project did not create is never replaced: two
 * projects with the same container.name (a copy-pasted config, two checkouts left at a default)
 * would otherwise stop each other's service. The second deploy is refused with exit 2 before
 * anything is built; the first project's container keeps running, untouched. `--adopt` takes a
 * container over on purpose. A CPU limit above the engine's is the other thing only the engine can
 * tell, and it is refused at the same point.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LABELS, projectId, realDir } from '../../lib/docker/labels.js';
import { cleanup, type Deployment, deploy, deployment } from '../helpers/deployment.js';
import { docker, ensureDocker, ensureTestImages, inspect, TEST_BASE_IMAGE } from '../helpers/docker.js';
import { expectFailure } from './helpers.js';

const Ownership = suite('failures: a container that is not ours (real engine)');
const made: Deployment[] = [];
Ownership.before(() => {
  ensureDocker();
  ensureTestImages();
});
Ownership.after(() => made.forEach(cleanup));

Ownership('a second project with the same container.name is refused; the first keeps running', async () => {
  const first = deployment();
  made.push(first);
  assert.is((await deploy(first)).code, 0);
  const before = inspect(first.name);

  const second = deployment({}, { name: first.name });
  made.push(second);
  const r = await deploy(second);
  expectFailure(
    r,
    2,
    `cloudy-tasks: container ${first.name} belongs to another project (${projectId(first.project.dir, first.name)}, ${realDir(first.project.dir)}), so this project (${projectId(second.project.dir, second.name)}, ${realDir(second.project.dir)}) will not replace it; nothing was built or stopped. Give this project its own container.name, or run again with --adopt to take ${first.name} over`,
  );
  assert.is(inspect(`${second.image}:latest`, 'image'), undefined, 'nothing was built');
  const after = inspect(first.name);
  assert.is(after.Id, before.Id, 'the same container');
  assert.is(after.State.StartedAt, before.State.StartedAt, 'never restarted');
  assert.is(after.State.Health.Status, 'healthy');
});

Ownership('a container started by hand is refused, and --adopt takes it over', async () => {
  const d = deployment();
  made.push(d);
  docker(['run', '-d', '--name', d.name, TEST_BASE_IMAGE, 'sleep', '600'], { check: true });
  const byHand = inspect(d.name);

  const refused = await deploy(d);
  expectFailure(
    refused,
    2,
    `cloudy-tasks: container ${d.name} was not started by cloudy-tasks (it has no io.cloudy-tasks.project label), so this project (${projectId(d.project.dir, d.name)}, ${realDir(d.project.dir)}) will not replace it; nothing was built or stopped. Give this project its own container.name, or run again with --adopt to take ${d.name} over`,
  );
  assert.is(inspect(d.name).Id, byHand.Id, 'left alone');
  assert.is(inspect(d.name).State.Running, true);

  const adopted = await deploy(d, undefined, ['--adopt']);
  assert.is(adopted.code, 0, adopted.stderr);
  const now = inspect(d.name);
  assert.is.not(now.Id, byHand.Id, 'replaced by our container');
  assert.is(now.Config.Labels[LABELS.project], projectId(d.project.dir, d.name));
  assert.is(now.State.Health.Status, 'healthy');
});

Ownership('more CPUs than the engine has is refused before anything is built or stopped', async () => {
  const engineCpus = Number(docker(['info', '--format', '{{.NCPU}}'], { check: true }).stdout.trim());
  const d = deployment({}, { cpus: String(engineCpus + 97) });
  made.push(d);
  const r = await deploy(d);
  expectFailure(
    r,
    2,
    `cloudy-tasks: .cloudyrc.json: container.cpus: expected at most ${engineCpus} (the CPUs of the Docker engine), got "${engineCpus + 97}" (docker run refuses more CPUs than the engine has; use e.g. "1.0")`,
  );
  assert.is(inspect(`${d.image}:latest`, 'image'), undefined, 'nothing was built');
});

Ownership.run();
