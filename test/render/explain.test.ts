/**
 * `--explain` as text: one line per task into a pipe or a file (for grep); on a terminal a long
 * reason continues under its own column, nothing past the width, no word lost.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Explanation, formatExplain } from '../../lib/render/explain.js';

const E = suite('explain');

const rows: Explanation[] = [
  {
    task: 'preflight',
    status: 'ran',
    why: 'it checks the build context and the Dockerfile on every run (no Docker, no cache)',
  },
  {
    task: 'docker',
    status: 'up-to-date',
    why: '4 build files (the Dockerfile and what it copies), build args and 1 base image unchanged since sha256:97aed8d9c861 was built at 2026-12-03T08:05:03.111Z',
  },
  { task: 'audit', status: 'ran', why: 'it has no up-to-date check (it runs every time)' },
];

E('into a pipe: a heading and one line per task', () => {
  assert.equal(formatExplain(rows).split('\n'), [
    'why each task ran (--explain):',
    `  preflight  ran: ${rows[0]!.why}`,
    `  docker     up to date: ${rows[1]!.why}`,
    `  audit      ran: ${rows[2]!.why}`,
  ]);
});

E('on an 80-column terminal: wrapped under the reason column', () => {
  const lines = formatExplain(rows, 80).split('\n');
  for (const l of lines) assert.ok(l.length < 80, `${l.length}: ${l}`);
  assert.equal(lines.slice(0, 3), [
    'why each task ran (--explain):',
    '  preflight  ran: it checks the build context and the Dockerfile on every run',
    '             (no Docker, no cache)',
  ]);
  assert.ok(lines.includes('  audit      ran: it has no up-to-date check (it runs every time)'));
  const words = (t: string) => t.split(/\s+/).filter(Boolean);
  assert.equal(words(lines.join(' ')), words(formatExplain(rows)));
});

E.run();
