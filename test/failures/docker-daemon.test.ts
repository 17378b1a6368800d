/**
 * No Docker daemon: the real docker CLI against a socket nobody listens on. The task fails with
 * exit 1 and one line that says the daemon cannot be reached and how to fix it, whatever banner
 * docker prints first (the legacy builder's deprecation notice comes before the real error).
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';
import { expectFailure } from './helpers.js';

const Daemon = suite('failures: docker daemon');
const project = useProjects(Daemon);

for (const task of ['docker', 'audit']) {
  Daemon(`${task} with DOCKER_HOST on a dead socket`, async () => {
    const p = project({});
    const socket = path.join(p.dir, 'nobody-listens.sock');
    const r = await runCli(p, [task], { fakeDocker: false, env: { DOCKER_HOST: `unix://${socket}` } });
    expectFailure(
      r,
      1,
      `[${task}] FAILED after Ns: cannot reach the Docker daemon (Cannot connect to the Docker daemon at unix://${socket}. Is the docker daemon running?); start it (e.g. sudo systemctl start docker) or set DOCKER_HOST`,
    );
    assert.not.match(r.stderr, /DEPRECATED|legacy builder/, 'no docker banner as the cause');
  });
}

Daemon.run();
