import { defineCase, root } from '../harness.js';

/** What zx/core's import alone costs (it is loaded at the first command that really runs). */
export default defineCase({
  name: 'import zx/core (cost of the library)',
  targets: {},
  prepare: ({ node }) => ({
    subject: { argv: [node, '--input-type=module', '-e', "await import('zx/core')"], cwd: root },
    baseline: { argv: [node, '-e', ''], cwd: root },
    baselineName: "node -e ''",
  }),
});
