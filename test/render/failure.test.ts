import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFailure } from '../../lib/render/failure.js';

const Report = suite('failure rendering');
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

Report('a bug names the version and asks for a report, wherever it is rendered', () => {
  const text = formatFailure({ reason: 'internal-error', message: 'boom', stack: 'Error: boom\n    at x' });
  assert.match(text, `This is a bug in cloudy-tasks ${version}. Please report it`);
  assert.match(text, '    at x');
});

Report('a failed deploy leads with the cause and says what the rollback did; details stay indented', () => {
  const text = formatFailure({
    reason: 'deploy-failed',
    cause: { reason: 'exit-non-zero', command: 'docker run -d x', exitCode: 125, stderrTail: 'no such image' },
    rollback: 'the previous container app was restored and restarted (healthy)',
  });
  assert.equal(text.split('\n'), [
    'deploy failed: command failed with exit code 125: docker run -d x; rollback: the previous container app was restored and restarted (healthy)',
    '    no such image',
  ]);
});

Report.run();
