/**
 * Command-line mistakes: one line in our words (not parseArgs'), exit 2, nothing run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';
import { expectFailure } from './helpers.js';

const Usage = suite('failures: command line');
const project = useProjects(Usage);

const cases: readonly [readonly string[], string][] = [
  [['--bogus'], 'cloudy-tasks: unknown option --bogus (see cloudy-tasks --help)'],
  [['--grap'], 'cloudy-tasks: unknown option --grap (did you mean --graph?) (see cloudy-tasks --help)'],
  [['docker', '-j', '-1'], 'cloudy-tasks: --concurrency takes a whole number >= 1, not "-1" (see cloudy-tasks --help)'],
  [['docker', '-j'], 'cloudy-tasks: --concurrency needs a whole number >= 1 (see cloudy-tasks --help)'],
  [['--config'], 'cloudy-tasks: --config needs a config file (see cloudy-tasks --help)'],
  [['--graph=svg'], 'cloudy-tasks: --graph takes "mermaid" or "dot", not "svg" (see cloudy-tasks --help)'],
  [
    ['--graph', 'svg'],
    'cloudy-tasks: unknown task "svg" (--graph takes "mermaid" or "dot", then task names); run cloudy-tasks --list to see the tasks',
  ],
  [
    ['--graph', 'dokcer'],
    'cloudy-tasks: unknown task "dokcer" (did you mean "docker"?); run cloudy-tasks --list to see the tasks',
  ],
  [
    ['deploy-secure', '--profile', 'ollama'],
    'cloudy-tasks: --profile is an option of dev-up and dev-down, which this run does not include; drop it, or add dev-up to the tasks (see cloudy-tasks --help)',
  ],
  [
    ['audit', '--if-changed'],
    'cloudy-tasks: --if-changed is an option of rebuild-no-cache, which this run does not include; drop it, or add rebuild-no-cache to the tasks (see cloudy-tasks --help)',
  ],
  [
    [],
    'cloudy-tasks: no task given; name one or more tasks, e.g. cloudy-tasks deploy-secure (cloudy-tasks --list shows them), or set default in the config (see cloudy-tasks --help)',
  ],
];

for (const [args, line] of cases) {
  Usage(`cloudy-tasks ${args.join(' ')}`, async () => {
    const p = project();
    expectFailure(await runCli(p, args), 2, line);
    assert.equal(p.calls(), []);
  });
}

Usage('a JS config task without a description is listed with a dash, not "undefined"', async () => {
  const p = project({
    files: {
      'cloudy.config.mjs':
        "import { defineTask } from 'cloudy-tasks';\nexport default { tasks: { quiet: defineTask({ name: 'quiet', run: () => 1 }) } };\n",
    },
  });
  const r = await runCli(p, ['--list']);
  assert.is(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('quiet'));
  assert.match(line ?? '', /^quiet\s+–$/);
});

Usage.run();
