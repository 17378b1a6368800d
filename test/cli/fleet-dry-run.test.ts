/**
 * `deploy-secure --dry-run` with deploy.hosts: the plan per host, as commands, each addressed to
 * its own engine (`--host URL`, `--context NAME`), and nothing run against any of them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exampleDir } from '../helpers/docker.js';
import { runCli, useProjects } from '../helpers/rig.js';

const DryRun = suite('fleet: --dry-run');
const project = useProjects(DryRun);

DryRun('shows pull, lock, run and unlock for each host, in order, and runs nothing on them', async () => {
  const p = project({
    copyFrom: exampleDir,
    files: {
      '.cloudyrc.json': JSON.stringify({
        image: { name: 'fleetdry', registry: '127.0.0.1:5000' },
        container: { name: 'fleetdry' },
        deploy: { hosts: ['ssh://deploy@web1', 'prod-ctx'] },
        baseImages: [],
      }),
    },
  });
  const r = await runCli(p, ['deploy-secure', '--dry-run']);
  assert.is(r.code, 0, r.stderr);
  const fleet = r.stdout
    .split('\n')
    .filter((l) => /^docker (--host|--context) /.test(l))
    .map((l) => l.split(' ').slice(0, 5).join(' '));
  assert.equal(fleet, [
    'docker --host ssh://deploy@web1 pull 127.0.0.1:5000/fleetdry:latest',
    'docker --host ssh://deploy@web1 container create',
    'docker --host ssh://deploy@web1 run -d',
    'docker --host ssh://deploy@web1 rm -f',
    'docker --context prod-ctx pull 127.0.0.1:5000/fleetdry:latest',
    'docker --context prod-ctx container create',
    'docker --context prod-ctx run -d',
    'docker --context prod-ctx rm -f',
  ]);
  assert.match(
    r.stdout + r.stderr,
    '# deploy-secure: prod-ctx: plan: pull, lock, deploy, verify, unlock (a real run uses 127.0.0.1:5000/fleetdry@<the pushed digest>',
  );
  assert.match(r.stdout, 'docker --host ssh://deploy@web1 run -d --name fleetdry --user 1001:1001 --read-only');
  const touched = p
    .calls()
    .filter((c) => c.cmd === 'docker' && (c.argv.includes('--host') || c.argv.includes('--context')));
  assert.equal(touched, [], 'no command reached a fleet host');
});

DryRun.run();
