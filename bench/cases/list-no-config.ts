import { defineCase } from '../harness.js';

/** Start-up with no config at all (the built-in tasks only). */
export default defineCase({
  name: '--list, no config',
  targets: { ratio: 1.5 },
  prepare: ({ project, node, cli }) => {
    const dir = project();
    return {
      subject: { argv: [node, cli, '--list'], cwd: dir },
      baseline: { argv: [node, '-e', ''], cwd: dir },
      baselineName: "node -e ''",
    };
  },
});
