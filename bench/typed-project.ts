import type { Tools } from './harness.js';

/**
 * A config with BENCH_TASKS in-process typed tasks under one root (the shared part of the
 * typed-10k-* cases; not a case itself).
 */
export const TYPED_CONFIG = `import { defineConfig, defineTask } from 'cloudy-tasks';
const n = Number(process.env['BENCH_TASKS'] ?? 1000);
const leaves = Array.from({ length: n }, (_, i) =>
  defineTask({ name: \`t\${i}\`, description: \`leaf \${i}\`, run: () => ({ i }) }),
);
const root = defineTask({ name: 'root', description: 'all leaves', deps: leaves, run: () => 'done' });
export default defineConfig({ tasks: { root } });
`;

export function typedProject(tools: Tools, extra: readonly string[]) {
  const dir = tools.project({ 'cloudy.config.ts': TYPED_CONFIG });
  const argv = [tools.node, tools.cli, 'root', ...extra];
  return {
    subject: { argv, cwd: dir, env: { BENCH_TASKS: '10000' } },
    baseline: { argv, cwd: dir, env: { BENCH_TASKS: '1000' } },
    baselineName: 'the same, 1,000 tasks',
  };
}
