import { defineCase } from '../harness.js';

/** The smallest real run: three declarative shell tasks in a chain (lock, history, 3 processes). */
export default defineCase({
  name: 'chain of 3 shell tasks',
  targets: { ratio: 2 },
  prepare: ({ project, node, cli }) => {
    const tasks = { a: { run: 'true' }, b: { run: 'true', deps: ['a'] }, c: { run: 'true', deps: ['b'] } };
    const dir = project({ '.cloudyrc.json': JSON.stringify({ tasks }) });
    return {
      subject: { argv: [node, cli, 'c'], cwd: dir },
      baseline: { argv: [node, '-e', ''], cwd: dir },
      baselineName: "node -e ''",
    };
  },
});
