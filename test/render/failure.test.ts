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
    'deploy failed: no such image (docker run exited with code 125); rollback: the previous container app was restored and restarted (healthy)',
    '    $ docker run -d x',
  ]);
});

Report('a failed command leads with its last stderr line, not with its command line', () => {
  const command = `docker build --file Dockerfile --tag app:latest ${'--build-arg X=y '.repeat(30)}.`;
  const text = formatFailure({
    reason: 'exit-non-zero',
    command,
    exitCode: 1,
    stderrTail:
      "Step 3/9 : RUN make\nmake: *** [all] Error 2\nThe command '/bin/sh -c make' returned a non-zero code: 2",
  });
  assert.equal(text.split('\n'), [
    "The command '/bin/sh -c make' returned a non-zero code: 2 (docker build exited with code 1)",
    `    $ ${command}`,
    '    Step 3/9 : RUN make',
    '    make: *** [all] Error 2',
  ]);
  assert.is(
    formatFailure({ reason: 'exit-non-zero', command: 'false', exitCode: 1, stderrTail: '' }),
    'command failed with exit code 1: false',
  );
});

Report.run();
