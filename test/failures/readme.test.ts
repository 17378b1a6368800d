/**
 * The README promises that its error examples are checked word for word by test/failures/: each
 * `cloudy-tasks: …` line of that block must be an expected first line of a test here (which
 * compares it with what the tool really prints), so an edit on either side cannot drift.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers/paths.js';

const Readme = suite('failures: the README error examples');

Readme('every example line is an expected line of a failures test', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const intro = readme.indexOf('Errors are one line naming the problem and the fix');
  assert.ok(intro > 0, 'the README still introduces its error examples');
  const start = readme.indexOf('```\n', intro) + 4;
  const block = readme.slice(start, readme.indexOf('\n```', start));
  const examples = block.split('\n').filter((l) => l.startsWith('cloudy-tasks: '));
  assert.ok(examples.length >= 5, `found ${examples.length} examples`);
  const dir = path.join(repoRoot, 'test', 'failures');
  const tests = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && f !== 'readme.test.ts')
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  for (const line of examples) assert.ok(tests.includes(line), `not checked by test/failures: ${line}`);
});

Readme.run();
