/**
 * "Nothing changed means nothing happens", measured (standalone: `node --import tsx bench/up-to-date.ts`,
 * after `node scripts/build.mjs`; needs the Docker engine and scripts/test-images.sh's base image).
 *
 * 1. A no-change `cloudy-tasks deploy-secure` against the same steps done the Makefile way
 *    (`docker build` with a fresh BUILD_DATE on a warm cache, `trivy image` + `trivy config`,
 *    `docker stop` / `docker rm` / `docker run` with the hardened flags), both on the worked
 *    example, in the same run. Target: at most 0.25x.
 * 2. The fingerprint check of a 10,000-file build context with nothing changed (in process:
 *    listing, stat of every file, hash cache, fingerprint), against the floor any such check
 *    has: a bare recursive readdir + lstat of the same tree. Target: under 150 ms.
 *
 * Trivy is the test stand-in (test/fixtures/bin/trivy), for both sides: a real scan takes
 * seconds, so with real Trivy the ratio of (1) would be lower still.
 * Prints medians and ratios; BENCH_ROUNDS=N sets the rounds (default 5).
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../lib/config/resolve.js';
import { buildInputs, fingerprintOf, readContextInputs } from '../lib/docker/fingerprint.js';
import { LABELS, projectId } from '../lib/docker/labels.js';
import { FileHashCache } from '../lib/store/file-hashes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'cloudy-tasks.js');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const env = {
  PATH: `${path.join(root, 'test', 'fixtures', 'bin')}${path.delimiter}${process.env['PATH']}`,
  HOME: os.tmpdir(),
  GOTELEMETRY: 'off',
  UMASK: '077',
  CGO_ENABLED: '0',
  CI: '1',
  DOCKER_BUILDKIT: '0',
  TRIVY_STANDIN_REPORT: path.join(root, 'test', 'fixtures', 'trivy', 'sl-micro-rancher5.4.json.golden'),
};

function sh(cmd: string, args: readonly string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`.slice(0, 3000));
  return performance.now() - t0;
}

// ---------------------------------------------------------------- 1. no-change deploy-secure
const name = `cloudy-bench-${process.pid}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-bench-utd-'));
cpSync(path.join(root, 'examples', 'cloudy-mc-codeface'), dir, { recursive: true });
writeFileSync(path.join(dir, 'package.json'), '{"name":"bench","private":true}');
const volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}:/app/${v}`);
writeFileSync(
  path.join(dir, '.cloudyrc.json'),
  JSON.stringify({ image: { name }, container: { name, volumes }, baseImages: [] }),
);
const hardened = [
  '--user', '1001:1001', '--read-only', '--tmpfs', '/tmp:rw,noexec,nosuid,nodev,size=16m',
  '--security-opt', 'no-new-privileges:true', '--cap-drop', 'ALL', '--memory', '512m', '--memory-swap', '512m',
  '--cpus', '1.0', '--pids-limit', '64', '--restart', 'unless-stopped', '--network', 'none',
  '--ulimit', 'nofile=1024:1024', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3',
  ...volumes.flatMap((v) => ['-v', v.replace(name, `${name}-make`)]),
]; // biome-ignore format: one flag and its value per pair

const ours: number[] = [];
const make: number[] = [];
try {
  sh(process.execPath, [cli, 'deploy-secure'], dir); // first deploy: builds, scans, starts
  sh('docker', ['run', '-d', '--name', `${name}-make`, ...hardened, `${name}:latest`], dir);
  for (let i = 0; i < rounds; i++) {
    ours.push(sh(process.execPath, [cli, 'deploy-secure'], dir));
    const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const t0 = performance.now();
    sh(
      'docker',
      [
        'build',
        '--build-arg',
        `BUILD_DATE=${date}`,
        '--build-arg',
        'VCS_REF=unknown',
        '--build-arg',
        'VERSION=0.0.0-dev',
        '-t',
        `${name}:make`,
        '.',
      ],
      dir,
    );
    sh(
      'trivy',
      [
        'image',
        '--format',
        'json',
        '--output',
        path.join(dir, 'make-image.json'),
        '--exit-code',
        '0',
        '--quiet',
        `${name}:make`,
      ],
      dir,
    );
    sh(
      'trivy',
      [
        'config',
        '--format',
        'json',
        '--output',
        path.join(dir, 'make-config.json'),
        '--exit-code',
        '0',
        '--quiet',
        '.',
      ],
      dir,
    );
    sh('docker', ['stop', `${name}-make`], dir);
    sh('docker', ['rm', `${name}-make`], dir);
    sh('docker', ['run', '-d', '--name', `${name}-make`, ...hardened, `${name}:make`], dir);
    make.push(performance.now() - t0);
  }
} finally {
  spawnSync('docker', ['rm', '-f', name, `${name}-make`, `${name}-next`, `${name}-previous`]);
  const label = `label=${LABELS.project}=${projectId(dir, name)}`;
  const ids = spawnSync('docker', ['image', 'ls', '-q', '--filter', label], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  spawnSync('docker', ['rmi', '-f', `${name}:make`, `${name}:latest`, ...new Set(ids)]);
  spawnSync('docker', [
    'volume',
    'rm',
    '-f',
    ...volumes.map((v) => v.split(':')[0]!),
    ...volumes.map((v) => v.split(':')[0]!.replace(name, `${name}-make`)),
  ]);
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 2. fingerprint of 10,000 files
const big = mkdtempSync(path.join(os.tmpdir(), 'cloudy-bench-ctx-'));
writeFileSync(path.join(big, 'Dockerfile'), 'FROM scratch\nCOPY . /app\n');
cpSync(path.join(root, 'examples', 'cloudy-mc-codeface', '.dockerignore'), path.join(big, '.dockerignore'));
for (let d = 0; d < 100; d++) {
  mkdirSync(path.join(big, 'src', `pkg${d}`), { recursive: true });
  for (let f = 0; f < 100; f++)
    writeFileSync(path.join(big, 'src', `pkg${d}`, `file${f}.go`), `package pkg${d}\n// ${f}\n`.repeat(20));
}
const past = new Date(Date.now() - 120_000);
const age = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true }) as Dirent[]) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) age(p);
    utimesSync(p, past, past);
  }
  utimesSync(d, past, past);
};
age(big);
const config = resolveConfig({}, big);
const cacheFile = path.join(big, '.cloudy', 'cache', 'context-hashes.json');
const check = async (): Promise<{ ms: number; hashed: number; files: number }> => {
  const t0 = performance.now();
  const cache = await FileHashCache.open(cacheFile);
  const context = await readContextInputs(config, cache);
  fingerprintOf(buildInputs(context, {}));
  await cache.save();
  return { ms: performance.now() - t0, hashed: cache.hashed, files: Object.keys(context.files).length };
};
const cold = await check();
// Separate runs are seconds apart; entries written within a second of a change are not trusted
// yet (racily clean), so the warm rounds start after that window, as a next run would.
await new Promise((r) => setTimeout(r, 1500));
await check();
const warm: number[] = [];
let hashed = 0;
for (let i = 0; i < rounds; i++) {
  const r = await check();
  warm.push(r.ms);
  hashed += r.hashed;
}
const floor: number[] = [];
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }) as Dirent[]) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else lstatSync(p);
    }
  };
  walk(big);
  floor.push(performance.now() - t0);
}
rmSync(big, { recursive: true, force: true });

const rows = [
  ['benchmark', 'median', 'baseline (median)', 'ratio', 'target'],
  [
    'deploy-secure, nothing changed',
    `${median(ours).toFixed(0)} ms`,
    `Makefile way: ${median(make).toFixed(0)} ms`,
    `${(median(ours) / median(make)).toFixed(2)}x`,
    '<= 0.25x',
  ],
  [
    `fingerprint check, ${cold.files} files unchanged`,
    `${median(warm).toFixed(0)} ms`,
    `readdir + lstat: ${median(floor).toFixed(0)} ms`,
    `${(median(warm) / median(floor)).toFixed(2)}x`,
    '< 150 ms',
  ],
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
console.log(
  `\n${rounds} rounds, node ${process.version}, ${os.cpus().length} CPUs; first fingerprint (nothing cached): ${cold.ms.toFixed(0)} ms; files re-read when unchanged: ${hashed}`,
);
