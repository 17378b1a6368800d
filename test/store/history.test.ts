import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { confineWritesTo } from '../../lib/store/confine.js';
import {
  appendRunRecord,
  appendRunRecordSync,
  historyPath,
  type RunRecord,
  readRunHistory,
  rotatedHistoryPath,
} from '../../lib/store/history.js';

interface Context {
  dir: string;
}

const History = suite<Context>('history', { dir: '' });

History.before.each(async (context) => {
  context.dir = await mkdtemp(path.join(tmpdir(), 'cloudy-history-'));
});

History.after.each(async (context) => {
  await rm(context.dir, { recursive: true, force: true });
});

function record(n: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    startedAt: new Date(Date.UTC(2024, 4, 1, 3, n)).toISOString(),
    finishedAt: new Date(Date.UTC(2024, 4, 1, 3, n, 30)).toISOString(),
    durationMs: 30_000,
    tasks: ['update-base-images', 'rebuild-no-cache', 'security-scan'],
    outcome: 'succeeded',
    exitCode: 0,
    digestsChanged: [],
    ...overrides,
  };
}

History(
  'the forced-exit append writes one whole line, and never through a symlinked .cloudy or into a FIFO',
  async ({ dir }) => {
    const project = path.join(dir, 'project');
    mkdirSync(path.join(project, '.cloudy'), { recursive: true });
    confineWritesTo(project);
    try {
      appendRunRecordSync(historyPath(project), record(1));
      assert.equal(await readRunHistory(historyPath(project)), { ok: true, records: [record(1)], skippedLines: 0 });
      // .cloudy swapped for a symlink to a folder outside the project: nothing is written there.
      const outside = path.join(dir, 'outside');
      mkdirSync(outside);
      const linked = path.join(dir, 'linked');
      mkdirSync(linked);
      symlinkSync(outside, path.join(linked, '.cloudy'));
      confineWritesTo(linked);
      appendRunRecordSync(historyPath(linked), record(2));
      assert.equal(readdirSync(outside), []);
      // A FIFO in the file's place: the exit is not blocked (the open fails at once).
      const fifo = path.join(dir, 'fifo-project');
      mkdirSync(path.join(fifo, '.cloudy'), { recursive: true });
      execFileSync('mkfifo', [historyPath(fifo)]);
      confineWritesTo(fifo);
      appendRunRecordSync(historyPath(fifo), record(3));
    } finally {
      confineWritesTo(undefined);
    }
  },
);

History('historyPath is .cloudy/history.jsonl under the project', () => {
  assert.is(historyPath('/srv/app'), path.join('/srv/app', '.cloudy', 'history.jsonl'));
});

History('a missing history file is an empty history', async ({ dir }) => {
  assert.equal(await readRunHistory(historyPath(dir)), { ok: true, records: [], skippedLines: 0 });
});

History('appended records read back in order, one line each', async ({ dir }) => {
  const file = historyPath(dir);
  const records = [
    record(0),
    record(1, { outcome: 'locked', exitCode: 75, tasks: ['security-scan'] }),
    record(2, {
      outcome: 'failed',
      exitCode: 1,
      digestsChanged: [
        { image: 'node:20-alpine', before: 'sha256:aaa', after: 'sha256:bbb' },
        { image: 'gone:1', before: 'sha256:c', after: null },
      ],
      findings: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 7, UNKNOWN: 0 },
    }),
  ];
  for (const r of records) await appendRunRecord(file, r);
  assert.equal(await readRunHistory(file), { ok: true, records, skippedLines: 0 });
  assert.is(
    (await readFile(file, 'utf8')).split('\n').length,
    records.length + 1,
    'one line per record plus the final newline',
  );
});

History('limit keeps the most recent records, oldest first', async ({ dir }) => {
  const file = historyPath(dir);
  for (let n = 0; n < 5; n++) await appendRunRecord(file, record(n));
  const result = await readRunHistory(file, 2);
  assert.equal(result, { ok: true, records: [record(3), record(4)], skippedLines: 0 });
  assert.equal(await readRunHistory(file, 0), { ok: true, records: [], skippedLines: 0 });
  assert.equal(await readRunHistory(file, 10), {
    ok: true,
    records: [0, 1, 2, 3, 4].map((n) => record(n)),
    skippedLines: 0,
  });
});

History('a truncated last line is skipped, and the next append starts a fresh line', async ({ dir }) => {
  const file = historyPath(dir);
  await appendRunRecord(file, record(0));
  await appendRunRecord(file, record(1));
  const full = JSON.stringify(record(2));
  await appendFile(file, full.slice(0, full.length / 2)); // a writer cut off mid-line
  assert.equal(await readRunHistory(file), { ok: true, records: [record(0), record(1)], skippedLines: 1 });

  await appendRunRecord(file, record(3));
  assert.equal(await readRunHistory(file), { ok: true, records: [record(0), record(1), record(3)], skippedLines: 1 });
});

History('lines that are JSON but not records are skipped, not fatal', async ({ dir }) => {
  const file = historyPath(dir);
  await appendRunRecord(file, record(0));
  await appendFile(file, '{"startedAt":"x"}\n[]\n\n{"outcome":"exploded"}\n');
  await appendRunRecord(file, record(1));
  assert.equal(await readRunHistory(file), { ok: true, records: [record(0), record(1)], skippedLines: 3 });
});

History('concurrent appends do not interleave', async ({ dir }) => {
  const file = historyPath(dir);
  await appendRunRecord(file, record(0));
  const many = Array.from({ length: 50 }, (_, n) =>
    record(n + 1, { tasks: Array.from({ length: 200 }, (_, k) => `task-${n}-${k}`) }),
  );
  await Promise.all(many.map((r) => appendRunRecord(file, r)));
  const result = await readRunHistory(file);
  if (!result.ok) return assert.unreachable(result.problem);
  assert.is(result.skippedLines, 0);
  assert.is(result.records.length, 51);
  const byStart = (a: RunRecord, b: RunRecord): number => a.startedAt.localeCompare(b.startedAt);
  assert.equal([...result.records].sort(byStart), [record(0), ...many].sort(byStart));
});

History('the history file respects the umask', async ({ dir }) => {
  const file = historyPath(dir);
  const previous = process.umask(0o077);
  try {
    await appendRunRecord(file, record(0));
  } finally {
    process.umask(previous);
  }
  assert.is((await stat(file)).mode & 0o777, 0o600);
});

History('an unreadable history is a problem, not a throw', async ({ dir }) => {
  const result = await readRunHistory(dir); // a directory: EISDIR
  if (result.ok) return assert.unreachable('reading a directory must fail');
  assert.match(result.problem, `Cannot read the run history ${dir}`);
});

History('a full history is rotated to history.1.jsonl; reads span both, records stay whole', async ({ dir }) => {
  const file = historyPath(dir);
  const line = JSON.stringify(record(0)).length + 1;
  const maxBytes = line * 3 + 10; // three records fit, the fourth rotates
  for (let n = 0; n < 7; n++) await appendRunRecord(file, record(n), { maxBytes });
  assert.is(rotatedHistoryPath(file), path.join(dir, '.cloudy', 'history.1.jsonl'));
  const current = (await readFile(file, 'utf8')).trim().split('\n');
  const rotated = (await readFile(rotatedHistoryPath(file), 'utf8')).trim().split('\n');
  assert.is(current.length, 1, 'the seventh record began a new file');
  assert.is(rotated.length, 3);
  assert.ok((await stat(file)).size <= maxBytes && (await stat(rotatedHistoryPath(file))).size <= maxBytes);
  // The oldest generation (records 0-2) is gone; the newest four read back in order.
  const result = await readRunHistory(file);
  if (!result.ok) return assert.unreachable(result.problem);
  assert.equal(result.records, [record(3), record(4), record(5), record(6)]);
  const last2 = await readRunHistory(file, 2);
  assert.equal(last2.ok && last2.records, [record(5), record(6)]);
});

History('records carry which tasks were up to date; older records without it still read', async ({ dir }) => {
  const file = historyPath(dir);
  await appendRunRecord(file, record(0));
  await appendRunRecord(file, record(1, { upToDate: ['docker', 'security-scan'] }));
  const result = await readRunHistory(file);
  assert.equal(result.ok && result.records.map((r) => r.upToDate), [undefined, ['docker', 'security-scan']]);
});

History.run();
