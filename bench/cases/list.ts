import { defineCase } from '../harness.js';

/** Start-up with a TypeScript config, its esbuild bundle cached (the warm-up run made it). */
export default defineCase({
  name: '--list, cloudy.config.ts (cached)',
  targets: { ratio: 1.5 },
  prepare: ({ project, node, cli }) => {
    const dir = project({
      'cloudy.config.ts':
        "import { defineConfig } from 'cloudy-tasks';\nexport default defineConfig({ image: { name: 'bench' }, tasks: { hello: { run: 'true' } } });\n",
    });
    return {
      subject: { argv: [node, cli, '--list'], cwd: dir },
      baseline: { argv: [node, '-e', ''], cwd: dir },
      baselineName: "node -e ''",
    };
  },
});
