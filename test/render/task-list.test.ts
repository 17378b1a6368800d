import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTaskList } from '../../lib/render/task-list.js';
import { wrapHanging } from '../../lib/render/text.js';

const L = suite('task list');

const rows = [
  {
    id: 'deploy-secure',
    description: 'Run the scanned image with hardening flags, verify it, roll back on failure',
    deps: ['docker', 'security-scan'],
  },
  { id: 'lint', description: '', deps: [] },
];

L('into a pipe: one line per task, a dash for no description', () => {
  assert.equal(formatTaskList(rows), [
    'deploy-secure  Run the scanned image with hardening flags, verify it, roll back on failure  (deps: docker, security-scan)',
    'lint           –',
  ]);
});

L('on an 80-column terminal: wrapped under the description, nothing past column 79', () => {
  const lines = formatTaskList(rows, 80);
  assert.equal(lines, [
    'deploy-secure  Run the scanned image with hardening flags, verify it, roll back',
    '               on failure  (deps: docker, security-scan)',
    'lint           –',
  ]);
  assert.ok(lines.every((l) => l.length < 80));
});

L('a word longer than the line stays whole', () => {
  assert.equal(wrapHanging(`x ${'a'.repeat(30)} y`, 10, 2), ['x', `  ${'a'.repeat(30)}`, '  y']);
});

L.run();
