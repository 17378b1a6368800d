/**
 * `npm run bench [-- name-filter...] [--markdown]`: runs every case in bench/cases/ (or those
 * whose file name contains a filter), prints one table row per case: medians, the ratio against
 * the baseline measured in the same run, peak RSS of both, the target and whether it is met.
 * BENCH_ROUNDS=N sets the rounds (default 7). Build first: `npm run build`.
 *
 * A case is one small file in bench/cases/ that default-exports `defineCase({...})`
 * (bench/harness.ts): adding a benchmark is adding a file.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type BenchCase,
  cli,
  describeTargets,
  dockerReachable,
  type Measured,
  measure,
  missed,
  type Prepared,
  projects,
  root,
} from './harness.js';

const argv = process.argv.slice(2);
const markdown = argv.includes('--markdown');
const filters = argv.filter((a) => !a.startsWith('--'));
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7);

const casesDir = path.join(root, 'bench', 'cases');
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) throw new Error(`no bench case matches ${filters.join(', ')}`);

const mib = (kib: number | undefined) => (kib === undefined ? '-' : `${(kib / 1024).toFixed(0)} MiB`);
const header = ['case', 'median', 'baseline', 'ratio', 'peak RSS', 'baseline RSS', 'target', 'met'];
const rows: string[][] = [];
for (const file of files) {
  const benchCase = (await import(pathToFileURL(path.join(casesDir, file)).href)).default as BenchCase;
  if (benchCase.needs === 'docker' && !dockerReachable()) {
    const none = 'skipped: no Docker engine answers';
    rows.push([benchCase.name, '-', '-', '-', '-', '-', describeTargets(benchCase.targets), none]);
    continue;
  }
  const { tools, cleanup } = projects();
  let m: Measured;
  let baselineName: string;
  let prepared: Prepared | undefined;
  try {
    process.stderr.write(`${benchCase.name} ...\n`);
    prepared = await benchCase.prepare(tools);
    baselineName = prepared.baselineName;
    m = await measure(prepared, rounds);
  } finally {
    prepared?.cleanup?.();
    cleanup();
  }
  const misses = missed(benchCase.targets, m);
  rows.push([
    benchCase.name,
    `${m.subject.medianMs.toFixed(0)} ms`,
    `${m.baseline.medianMs.toFixed(0)} ms (${baselineName})`,
    `${(m.subject.medianMs / m.baseline.medianMs).toFixed(2)}x`,
    mib(m.subject.peakKiB),
    mib(m.baseline.peakKiB),
    describeTargets(benchCase.targets),
    Object.keys(benchCase.targets).length === 0 ? '-' : misses.length === 0 ? 'yes' : `NO: ${misses.join(', ')}`,
  ]);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${os.cpus().length} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, node ${process.version}, load average ${os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}; ${rounds} rounds; ${path.relative(process.cwd(), cli) || cli}`;
if (markdown) {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map(() => '---')));
  for (const r of rows) console.log(line(r));
} else {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}
console.log(`\n${machine}`);
