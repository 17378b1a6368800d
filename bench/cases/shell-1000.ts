import path from 'node:path';
import { defineCase, fixtures } from '../harness.js';

const N = 1000;

/** Per-task overhead of shell tasks: 1,000 `true` under one root at -j 2 vs plain Node spawning them. */
export default defineCase({
  name: '1,000 shell tasks, -j 2',
  targets: { ratio: 1.5, peakMiB: 80 },
  prepare: ({ project, node, cli }) => {
    const tasks: Record<string, { run: string; deps?: string[] }> = {};
    for (let i = 0; i < N; i++) tasks[`t${i}`] = { run: 'true' };
    tasks['root'] = { run: 'true', deps: Object.keys(tasks) };
    const dir = project({ '.cloudyrc.json': JSON.stringify({ tasks }) });
    return {
      subject: { argv: [node, cli, 'root', '-j', '2'], cwd: dir },
      // The same 1,001 processes, two at a time.
      baseline: { argv: [node, path.join(fixtures, 'spawn-pool.mjs'), String(N + 1), '2', 'true'], cwd: dir },
      baselineName: 'plain Node spawning them, 2 at a time',
    };
  },
});
