import { defineCase, root } from '../harness.js';

/** What cosmiconfig's import alone costs (it is loaded for every --list, --graph and run). */
export default defineCase({
  name: 'import cosmiconfig (cost of the library)',
  targets: {},
  prepare: ({ node }) => ({
    subject: { argv: [node, '--input-type=module', '-e', "await import('cosmiconfig')"], cwd: root },
    baseline: { argv: [node, '-e', ''], cwd: root },
    baselineName: "node -e ''",
  }),
});
