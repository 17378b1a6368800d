import path from 'node:path';
import { defineCase, fixtures } from '../harness.js';

const CONFIG = `import { defineConfig, defineTask } from 'cloudy-tasks';
const steps = defineTask({
  name: 'steps',
  description: '100 sequential commands',
  run: async (ctx) => {
    for (let i = 0; i < 100; i++) await ctx.$\`true\`;
  },
});
export default defineConfig({ tasks: { steps } });
`;

/** The cost of ctx.$ itself: 100 sequential commands in one task vs raw child_process.spawn. */
export default defineCase({
  name: '100 sequential ctx.$ steps',
  targets: { ratio: 1.3 },
  prepare: ({ project, node, cli }) => {
    const dir = project({ 'cloudy.config.ts': CONFIG });
    return {
      subject: { argv: [node, cli, 'steps'], cwd: dir },
      baseline: { argv: [node, path.join(fixtures, 'spawn-pool.mjs'), '100', '1', 'true'], cwd: dir },
      baselineName: 'raw child_process.spawn, one at a time',
    };
  },
});
