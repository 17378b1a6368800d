/**
 * Benchmarks of the things users feel: start-up (`--list`), config loading, parallelism, and a
 * large graph. Every figure is reported as a ratio against a baseline measured in the same run,
 * on the same machine, so results compare across machines and loads.
 *
 *   npm run build && npm run bench            # default rounds
 *   BENCH_ROUNDS=3 npm run bench              # quicker
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'cloudy-tasks.js');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7);
const env = {
  PATH: process.env['PATH'],
  HOME: os.tmpdir(),
  GOTELEMETRY: 'off',
  UMASK: '077',
  CGO_ENABLED: '0',
  CI: '1',
};

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-bench-'));
  writeFileSync(path.join(dir, 'package.json'), '{"name":"bench","private":true}');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nUSER 1001:1001\nHEALTHCHECK CMD ["/app"]\n');
  for (const [f, c] of Object.entries(files)) writeFileSync(path.join(dir, f), c);
  return dir;
}

/** Median wall time (ms) and max RSS (KiB, from /usr/bin/time when present) of a command. */
function measure(argv: string[], cwd: string): { ms: number; rssKiB: number | undefined } {
  const times: number[] = [];
  let rss: number | undefined;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], { cwd, env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.error) {
      const t1 = performance.now();
      const plain = spawnSync(argv[0]!, argv.slice(1), { cwd, env, encoding: 'utf8' });
      if (plain.status !== 0) throw new Error(`${argv.join(' ')} failed: ${plain.stderr}`);
      times.push(performance.now() - t1);
      continue;
    }
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
    times.push(ms);
    const kib = Number(r.stderr.trim().split('\n').at(-1));
    if (Number.isFinite(kib)) rss = Math.max(rss ?? 0, kib);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, rssKiB: rss };
}

const rows: string[][] = [];
function report(
  name: string,
  value: { ms: number; rssKiB: number | undefined },
  baseline: { ms: number; rssKiB: number | undefined },
  baselineName: string,
) {
  const ratio = (value.ms / baseline.ms).toFixed(2);
  const mem = value.rssKiB && baseline.rssKiB ? (value.rssKiB / baseline.rssKiB).toFixed(2) : '-';
  rows.push([name, `${value.ms.toFixed(0)} ms`, `${ratio}x`, mem === '-' ? '-' : `${mem}x`, baselineName]);
}

const node = measure([process.execPath, '-e', ''], os.tmpdir());

// 1. Start-up: --list with no config, and with a TypeScript config (warm cache after round 1).
const plain = project({});
report('--list, no config', measure([process.execPath, cli, '--list'], plain), node, 'node -e ""');
const tsConfig = project({
  'cloudy.config.ts':
    "import { defineConfig } from 'cloudy-tasks';\nexport default defineConfig({ image: { name: 'bench' }, tasks: { hello: { run: 'true' } } });\n",
});
report('--list, cloudy.config.ts (cached)', measure([process.execPath, cli, '--list'], tsConfig), node, 'node -e ""');

// 2. Parallelism: two independent 1 s tasks with -j2, against the same with -j1.
const sleepers = project({
  '.cloudyrc.json': JSON.stringify({ tasks: { a: { run: 'sleep 1' }, b: { run: 'sleep 1' } } }),
});
const serial = measure([process.execPath, cli, 'a', 'b', '-j', '1'], sleepers);
report('two 1 s tasks, -j 2', measure([process.execPath, cli, 'a', 'b', '-j', '2'], sleepers), serial, 'same, -j 1');

// 3. Scale: 1,000 independent no-op tasks, against 10 (line renderer; per-task overhead).
const many = (n: number) =>
  project({
    '.cloudyrc.json': JSON.stringify({
      tasks: Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, { run: 'true' }])),
    }),
  });
const ten = many(10);
const thousand = many(1000);
const small = measure([process.execPath, cli, ...Array.from({ length: 10 }, (_, i) => `t${i}`), '-j', '8'], ten);
report(
  '1,000 no-op tasks, -j 8',
  measure([process.execPath, cli, ...Array.from({ length: 1000 }, (_, i) => `t${i}`), '-j', '8'], thousand),
  small,
  '10 no-op tasks',
);

for (const dir of [plain, tsConfig, sleepers, ten, thousand]) rmSync(dir, { recursive: true, force: true });

const widths = [0, 1, 2, 3, 4].map((i) =>
  Math.max(...[['benchmark', 'median', 'time ratio', 'RSS ratio', 'baseline'], ...rows].map((r) => r[i]!.length)),
);
for (const r of [['benchmark', 'median', 'time ratio', 'RSS ratio', 'baseline'], ...rows])
  console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
console.log(`\n${rounds} rounds each, node ${process.version}, ${os.cpus().length} CPUs`);
