import { readFileSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Failure } from '../../lib/failure.js';
import { formatFailure } from '../../lib/render/failure.js';
import { acquireRunLock, currentHolder, runLockPath } from '../../lib/store/lock.js';
import type { HolderInfo } from '../../lib/store/lock-holder.js';
import type { HolderReport } from '../fixtures/lock-holder.js';
import { type FixtureChild, spawnFixture } from '../fixtures/spawn-fixture.js';

/** What the user reads for a refusal. */
const problemOf = (refusal: { readonly failure: Failure }): string => formatFailure(refusal.failure);

interface Context {
  dir: string;
  children: FixtureChild[];
}

const Lock = suite<Context>('lock', { dir: '', children: [] });

Lock.before.each(async (context) => {
  context.dir = await mkdtemp(path.join(tmpdir(), 'cloudy-lock-'));
  context.children = [];
});

Lock.after.each(async (context) => {
  await Promise.all(context.children.map((child) => child.kill()));
  await rm(context.dir, { recursive: true, force: true });
});

const holderA: HolderInfo = {
  pid: process.pid,
  command: 'cloudy-tasks update-base-images rebuild-no-cache',
  startedAt: '2024-05-01T03:00:00.000Z',
  host: hostname(),
};

function holderChild(context: Context, holdMs?: number): { child: FixtureChild; report: Promise<HolderReport> } {
  const child = spawnFixture('./lock-holder.ts', holdMs === undefined ? [context.dir] : [context.dir, String(holdMs)]);
  context.children.push(child);
  return { child, report: child.nextLine().then((line) => JSON.parse(line) as HolderReport) };
}

/** A lock whose holder was SIGKILLed: the directory and the sidecar stay behind. */
async function leaveDeadLock(context: Context): Promise<number> {
  const { child, report } = holderChild(context);
  assert.ok((await report).ok, 'the child took the lock');
  await child.kill();
  await access(runLockPath(context.dir)); // still there: SIGKILL runs no exit handlers
  return child.pid;
}

async function timed<T>(action: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await action();
  return [result, performance.now() - started];
}

Lock('runLockPath is .cloudy/run.lock under the project', () => {
  assert.is(runLockPath('/srv/app'), path.join('/srv/app', '.cloudy', 'run.lock'));
});

Lock('a second acquisition fails at once and names the holder', async ({ dir }) => {
  const first = await acquireRunLock(dir, holderA);
  if (!first.ok) return assert.unreachable(problemOf(first));
  const [second, elapsed] = await timed(() => acquireRunLock(dir, currentHolder('cloudy-tasks security-scan')));
  if (second.ok) return assert.unreachable('two holders at once');
  assert.ok(elapsed < 1000, `refused in ${elapsed} ms`);
  assert.is(second.kind, 'held');
  assert.equal(second.holder, holderA);
  assert.is(
    problemOf(second),
    `another cloudy-tasks run holds the run lock ${runLockPath(dir)}: pid ${process.pid} on this host (${hostname()}), ` +
      `running since 2024-05-01T03:00:00.000Z: cloudy-tasks update-base-images rebuild-no-cache; this run did not start (exit 75). ` +
      `The lock is freed when that run ends; if it dies without releasing it, the next run takes it over (at the latest 10 s later)`,
  );
  await first.release();
});

Lock('concurrent acquisitions in one process: exactly one wins', async ({ dir }) => {
  const results = await Promise.all([1, 2, 3, 4].map((n) => acquireRunLock(dir, currentHolder(`run ${n}`))));
  const winners = results.filter((r) => r.ok);
  assert.is(winners.length, 1, results.map((r) => (r.ok ? 'ok' : problemOf(r))).join('\n'));
  for (const winner of winners) await winner.release();
});

Lock('release is idempotent, cleans up, and the lock can be taken again', async ({ dir }) => {
  const first = await acquireRunLock(dir, holderA);
  if (!first.ok) return assert.unreachable(problemOf(first));
  await Promise.all([first.release(), first.release()]);
  await first.release();
  assert.equal(await readdir(path.join(dir, '.cloudy')), [], 'lock directory and sidecar are gone');
  const again = await acquireRunLock(dir, holderA);
  if (!again.ok) return assert.unreachable(problemOf(again));
  assert.is(again.recoveredFrom, null);
  await again.release();
});

Lock('a lock held by another process refuses this one at once, naming its pid', async (context) => {
  const { child, report } = holderChild(context);
  assert.ok((await report).ok);
  const [result, elapsed] = await timed(() => acquireRunLock(context.dir, holderA));
  if (result.ok) return assert.unreachable('two holders at once');
  assert.ok(elapsed < 1000, `refused in ${elapsed} ms`);
  assert.is(result.holder?.pid, child.pid);
  assert.match(problemOf(result), `pid ${child.pid} on this host`);
  assert.match(problemOf(result), 'lock-holder');
});

Lock('a lock left by a SIGKILLed process is recovered at once by the next run', async (context) => {
  const deadPid = await leaveDeadLock(context);
  const [result, elapsed] = await timed(() => acquireRunLock(context.dir, holderA));
  if (!result.ok) return assert.unreachable(problemOf(result));
  assert.ok(elapsed < 1000, `recovered in ${elapsed} ms, without waiting for mtime staleness`);
  assert.is(result.recoveredFrom?.pid, deadPid);
  await result.release();
  assert.equal(await readdir(path.join(context.dir, '.cloudy')), []);
});

Lock(
  'a lock left without its holder record is recovered in under 1 s when its owner is provably gone',
  async (context) => {
    const deadPid = await leaveDeadLock(context);
    // As if the run died between proper-lockfile's mkdir and writing its sidecar.
    await rm(path.join(context.dir, '.cloudy', 'run.lock.holder.json'));
    const [result, elapsed] = await timed(() => acquireRunLock(context.dir, holderA));
    if (!result.ok) return assert.unreachable(problemOf(result));
    assert.ok(elapsed < 1000, `recovered in ${elapsed} ms`);
    assert.is(result.recoveredFrom?.pid, deadPid, 'its owner marker named the dead run');
    await result.release();
    assert.equal(await readdir(path.join(context.dir, '.cloudy')), []);
  },
);

Lock('a lock without a holder record whose owner may be alive is still refused', async (context) => {
  const { report } = holderChild(context);
  assert.ok((await report).ok);
  await rm(path.join(context.dir, '.cloudy', 'run.lock.holder.json'));
  const result = await acquireRunLock(context.dir, holderA);
  assert.not.ok(result.ok, 'the live owner keeps its lock');
});

Lock("recovering a SIGKILLed run's lock ends the children it recorded, by process group, first", async (context) => {
  process.env['LOCK_HOLDER_CHILD'] = '1';
  const { child, report } = holderChild(context);
  delete process.env['LOCK_HOLDER_CHILD'];
  const got = await report;
  assert.ok(got.ok && got.childPid, JSON.stringify(got));
  await child.kill();
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(alive(got.childPid!), 'the SIGKILL of the run did not reach its detached child');
  const result = await acquireRunLock(context.dir, holderA);
  if (!result.ok) return assert.unreachable(problemOf(result));
  // Killed before acquireRunLock returned (a zombie until reaped by init at most).
  const stat = (() => {
    try {
      return readFileSync(`/proc/${got.childPid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  assert.ok(stat === '' || / Z /.test(stat), `the child ${got.childPid} is gone: ${stat}`);
  await result.release();
});

Lock('child processes racing for a free lock: exactly one wins', async (context) => {
  const reports = await Promise.all([1, 2, 3, 4].map(() => holderChild(context, 3000).report));
  assert.is(reports.filter((r) => r.ok).length, 1, JSON.stringify(reports, null, 2));
  for (const loser of reports.filter((r) => !r.ok))
    assert.ok(loser.elapsedMs < 1000, `loser took ${loser.elapsedMs} ms`);
});

Lock('child processes racing to recover a dead lock: exactly one wins', async (context) => {
  const deadPid = await leaveDeadLock(context);
  const reports = await Promise.all([1, 2, 3, 4].map(() => holderChild(context, 3000).report));
  const winners = reports.filter((r) => r.ok);
  assert.is(winners.length, 1, JSON.stringify(reports, null, 2));
  // The recoverer frees the dead lock and then takes it like anyone: a racer that tries in that
  // instant may win instead, and then says it found the lock free. Exclusion is what matters.
  assert.ok([deadPid, null].includes(winners[0]?.recoveredFromPid ?? null), JSON.stringify(winners[0]));
});

Lock('concurrent recoveries of a dead lock in one process: exactly one wins', async (context) => {
  const deadPid = await leaveDeadLock(context);
  const results = await Promise.all(
    [1, 2, 3, 4, 5, 6].map((n) => acquireRunLock(context.dir, currentHolder(`run ${n}`))),
  );
  const winners = results.filter((r) => r.ok);
  assert.is(winners.length, 1, results.map((r) => (r.ok ? 'ok' : problemOf(r))).join('\n'));
  assert.is(winners[0]?.recoveredFrom?.pid, deadPid);
  for (const winner of winners) await winner.release();
});

Lock('a sidecar left behind without its lock directory does not block', async (context) => {
  await leaveDeadLock(context);
  await rmdir(runLockPath(context.dir)); // as proper-lockfile's own staleness removal would
  const result = await acquireRunLock(context.dir, holderA);
  if (!result.ok) return assert.unreachable(problemOf(result));
  assert.is(result.recoveredFrom, null);
  await result.release();
});

Lock('a dead-looking holder on another host is not judged by pid', async (context) => {
  const deadPid = await leaveDeadLock(context);
  const sidecar = path.join(context.dir, '.cloudy', 'run.lock.holder.json');
  const record = JSON.parse(await readFile(sidecar, 'utf8')) as { holder: { host: string } };
  record.holder.host = 'build-2.example.com';
  await writeFile(sidecar, JSON.stringify(record));
  const result = await acquireRunLock(context.dir, holderA);
  if (result.ok) return assert.unreachable('a pid on another host says nothing about liveness');
  assert.is(result.holder?.host, 'build-2.example.com');
  assert.match(problemOf(result), `pid ${deadPid} on host build-2.example.com`);
});

Lock('a lock lost while held is reported, not thrown', async ({ dir }) => {
  const problems: string[] = [];
  const held = await acquireRunLock(dir, holderA, {
    staleMs: 2000,
    onCompromised: (f) => problems.push(formatFailure(f)),
  });
  if (!held.ok) return assert.unreachable(problemOf(held));
  await rmdir(runLockPath(dir)); // someone deleted it by hand
  const deadline = Date.now() + 4000;
  while (!held.lost.aborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(held.lost.aborted, 'lost is aborted within two refresh intervals');
  assert.is(problems.length, 1);
  assert.match(problems[0] ?? '', `the run lock was lost while this run held it (${runLockPath(dir)}: `);
  assert.is(formatFailure(held.lost.reason as Failure), problems[0]);
  await held.release(); // must not throw ERELEASED
  await held.release();
});

Lock('a lock whose holder has not recorded itself yet is held, not an error', async ({ dir }) => {
  await mkdir(runLockPath(dir), { recursive: true }); // a directory without a sidecar, freshly made
  const result = await acquireRunLock(dir, holderA);
  if (result.ok) return assert.unreachable('the lock directory is there');
  assert.is(result.kind, 'held');
  assert.is(result.holder, null);
});

Lock('.cloudy as a plain file is an error, not a held lock', async ({ dir }) => {
  const cloudy = path.join(dir, '.cloudy');
  await writeFile(cloudy, 'not a directory');
  const result = await acquireRunLock(dir, holderA);
  if (result.ok) return assert.unreachable('cannot lock below a file');
  assert.is(result.kind, 'error');
  assert.is(result.holder, null);
  assert.is(problemOf(result), `cannot write below ${cloudy}: it is not a directory; move it away`);
});

Lock.run();
