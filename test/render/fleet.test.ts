/**
 * The fleet deploy's words: a failure names the host it stopped at, its cause and every host's
 * state (which run the new version); a lock refusal names the holder and the fix; the result
 * line and table of a successful fleet.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Failure } from '../../lib/failure.js';
import { formatFailure } from '../../lib/render/failure.js';
import { lineRenderer } from '../../lib/render/line.js';
import { formatFailureLine, formatRunEnd } from '../../lib/render/run-end.js';
import { RunLog } from '../../lib/render/run-log.js';
import { summarize } from '../../lib/render/summary.js';

const Fleet = suite('render: fleet deploy');

const failed: Failure = {
  reason: 'fleet-failed',
  host: 'ssh://deploy@web2',
  cause: {
    reason: 'deploy-failed',
    cause: {
      reason: 'checks-failed',
      what: 'hardening verification of app-next',
      failed: ['network'],
      details: 'TABLE',
    },
    rollback: 'the new container was removed; the previous container app kept running and was never stopped (healthy)',
  },
  hosts: [
    { host: 'ssh://deploy@web1', state: 'updated' },
    {
      host: 'ssh://deploy@web2',
      state: 'failed',
      detail:
        'rollback: the new container was removed; the previous container app kept running and was never stopped (healthy)',
    },
    { host: 'web3-ctx', state: 'not-started' },
  ],
};

Fleet('a failure leads with the host and its cause, then one line per host, then the details', () => {
  assert.equal(formatFailure(failed).split('\n'), [
    'fleet deploy stopped at ssh://deploy@web2: deploy failed: hardening verification of app-next: 1 check failed: network; rollback: the new container was removed; the previous container app kept running and was never stopped (healthy); 1 host updated and left on the new version (ssh://deploy@web1), 1 host not started (web3-ctx)',
    '    ssh://deploy@web1: updated, runs the new version (verified)',
    '    ssh://deploy@web2: FAILED; rollback: the new container was removed; the previous container app kept running and was never stopped (healthy)',
    '    web3-ctx: not started',
    '    TABLE',
  ]);
});

Fleet('rollbackAll and up-to-date hosts are counted by state', () => {
  const f: Failure = {
    ...(failed as Extract<Failure, { reason: 'fleet-failed' }>),
    hosts: [
      { host: 'a', state: 'rolled-back', detail: 'the previous container app was restored and restarted (healthy)' },
      { host: 'b', state: 'up-to-date' },
      { host: 'ssh://deploy@web2', state: 'failed' },
    ],
  };
  const first = formatFailure(f).split('\n')[0]!;
  assert.ok(first.endsWith('; 1 host up to date (b), 1 host rolled back (a)'), first);
  assert.match(formatFailure(f), 'a: rolled back (deploy.rollbackAll); the previous container app was restored');
});

Fleet('a held lock names the holder, says nothing changed, and gives the command that removes a dead one', () => {
  assert.is(
    formatFailure({
      reason: 'fleet-locked',
      host: 'ssh://deploy@web1',
      marker: 'app-fleet-lock',
      holder: { machine: 'ci-7', pid: 4242, startedAt: '2026-01-01T00:00:00.000Z', project: 'app.0123456789abcdef' },
      unlock: 'docker --host ssh://deploy@web1 rm app-fleet-lock',
    }),
    "the fleet lock on ssh://deploy@web1 is held by a deploy started on ci-7 (pid 4242) at 2026-01-01T00:00:00.000Z by project app.0123456789abcdef (marker container app-fleet-lock); nothing was changed. Try again when it has finished; if that run is dead, remove its marker: docker --host ssh://deploy@web1 rm app-fleet-lock (a dead run's marker on the machine that started it is removed there automatically)",
  );
});

const pass = { id: 'user', status: 'pass' } as const;
const fleetOutput = (upToDate: [boolean, boolean]) => ({
  container: 'app',
  imageId: 'sha256:0123456789abcdef0123',
  replaced: true,
  upToDate: false,
  checks: [],
  engine: 'fleet',
  hosts: [
    { host: 'ssh://web1', replaced: true, upToDate: upToDate[0], checks: [pass, pass] },
    { host: 'ctx2', replaced: false, upToDate: upToDate[1], checks: [pass, pass] },
  ],
});

Fleet('a successful fleet: one line with the image and the counts, a table per host in the details', () => {
  const s = summarize('deploy-secure', fleetOutput([false, true]));
  assert.is(s?.line, 'app: 2 hosts run sha256:0123456789ab, verified (1 updated, 1 up to date)');
  assert.equal(s?.details?.().split('\n'), [
    'fleet deploy of app:',
    'HOST        RESULT      CHECKS',
    'ssh://web1  updated     2 checks passed',
    'ctx2        up to date  2 checks passed',
  ]);
});

Fleet('a dry run says on how many hosts it would run', () => {
  const out = {
    ...fleetOutput([false, false]),
    hosts: fleetOutput([false, false]).hosts.map((h) => ({ ...h, checks: [] })),
  };
  assert.is(summarize('deploy-secure', out)?.line, 'app would run sha256:0123456789abcdef0123 on 2 hosts (--dry-run)');
});

Fleet('the line view and the final screen: the host it stopped at first, every host below, no output tail', () => {
  const out: string[] = [];
  const err: string[] = [];
  const log = new RunLog(['deploy-secure']);
  const view = lineRenderer({ out: (l) => out.push(l), err: (l) => err.push(l) }, { verbosity: 'default', log });
  for (const e of [
    { type: 'task-started', task: 'deploy-secure' },
    { type: 'output', task: 'deploy-secure', stream: 'stdout', line: '0123456789abcdef0123456789abcdef' },
    { type: 'task-failed', task: 'deploy-secure', durationMs: 1000, failure: failed },
  ] as const) {
    log.record(e);
    view(e);
  }
  assert.is(err.length, 1, err.join('\n'));
  const lines = err[0]!.split('\n');
  assert.match(
    lines[0]!,
    /^\[deploy-secure\] FAILED after 1\.0s: fleet deploy stopped at ssh:\/\/deploy@web2: deploy failed:/,
  );
  assert.equal(lines.slice(1, 4), [
    '    ssh://deploy@web1: updated, runs the new version (verified)',
    '    ssh://deploy@web2: FAILED; rollback: the new container was removed; the previous container app kept running and was never stopped (healthy)',
    '    web3-ctx: not started',
  ]);
  assert.match(formatRunEnd(log, 1000).text, '  deploy-secure: fleet deploy stopped at ssh://deploy@web2:');
  assert.match(formatFailureLine(log) ?? '', '1 host updated and left on the new version (ssh://deploy@web1)');
});

Fleet.run();
