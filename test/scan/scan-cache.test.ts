/**
 * The scan cache: which result is reused and why not, with the clock and the files under the
 * test's control.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../lib/config/resolve.js';
import { lookupScan, maxAgeMs, recordScan } from '../../lib/scan/cache.js';
import { describeScanChanges, ownDirs, type ScanInputs, scanInputs, scanKey } from '../../lib/scan/inputs.js';
import type { ScanResult } from '../../lib/scan/result.js';
import { FileHashCache } from '../../lib/store/file-hashes.js';

const Cache = suite('scan cache');
let dir = '';
Cache.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cloudy-scan-cache-'));
});
Cache.after.each(() => rmSync(dir, { recursive: true, force: true }));

const inputs = (over: Partial<ScanInputs> = {}): ScanInputs => ({
  format: 1,
  imageId: `sha256:${'a'.repeat(64)}`,
  scanner: 'trivy',
  trivyVersion: '0.58.1',
  vulnerabilityDb: '2026-11-01T00:00:00.000Z',
  javaDb: null,
  checkBundle: null,
  ignoreFile: null,
  gate: { failOn: 'HIGH', severity: ['CRITICAL', 'HIGH'], ignoreUnfixed: false },
  configScan: true,
  configFiles: { Dockerfile: 'h1' },
  env: {},
  ...over,
});

const T0 = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3600e3;

async function remember(i: ScanInputs): Promise<string> {
  const summary = path.join(dir, 'scan-summary.json');
  const key = scanKey(i);
  writeFileSync(summary, JSON.stringify({ cacheKey: key }));
  const result: ScanResult = {
    imageId: i.imageId,
    passed: true,
    threshold: 'HIGH',
    counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
    blocking: 0,
    reports: { summary },
    dryRun: false,
    upToDate: false,
  };
  await recordScan(dir, { key, inputs: i, result, scannedAt: new Date(T0).toISOString() });
  return summary;
}

const lookup = (i: ScanInputs, summaryFile: string, now: number, nextUpdate?: string, maxAge = '24h') =>
  lookupScan(
    dir,
    i,
    { version: '0.58.1', vulnerabilityDb: nextUpdate ? { nextUpdate } : {} },
    {
      maxAge,
      skipDbUpdate: false,
      summaryFile,
      now,
    },
  );

Cache('same inputs within scan.maxAge: reused; older: scanned again', async () => {
  const summary = await remember(inputs());
  const hit = await lookup(inputs(), summary, T0 + 2 * HOUR);
  assert.ok(hit.hit, hit.why);
  assert.match(hit.why, 'scanned 2h ago with Trivy 0.58.1, DB 2026-11-01');
  const old = await lookup(inputs(), summary, T0 + 25 * HOUR);
  assert.equal([old.hit, old.why], [false, 'the last scan is 25h old (scan.maxAge 24h)']);
  assert.is((await lookup(inputs(), summary, T0 + 2 * HOUR, undefined, '1h')).hit, false);
});

Cache('a DB due for an update is not trusted (the scan would download a newer one)', async () => {
  const summary = await remember(inputs());
  const due = await lookup(inputs(), summary, T0 + HOUR, new Date(T0 + 30 * 60e3).toISOString());
  assert.equal([due.hit, due.why], [false, 'Trivy DB is due for an update (next update 2026-12-01 12:30)']);
  assert.ok((await lookup(inputs(), summary, T0 + HOUR, new Date(T0 + 6 * HOUR).toISOString())).hit);
});

Cache('reports on disk from another scan: not reused', async () => {
  const summary = await remember(inputs());
  writeFileSync(summary, JSON.stringify({ cacheKey: 'another' }));
  const r = await lookup(inputs(), summary, T0 + HOUR);
  assert.equal([r.hit, r.why], [false, 'the reports on disk are from another scan']);
});

Cache('what changed is named: a newer DB, a Trivy upgrade, the gate, the ignore file, a config file', async () => {
  const summary = await remember(inputs());
  const r = await lookup(inputs({ vulnerabilityDb: '2026-12-01T06:00:00.000Z' }), summary, T0 + HOUR);
  assert.equal([r.hit, r.why], [false, 'Trivy DB updated 2026-12-01 06:00 (was 2026-11-01 00:00)']);
  assert.equal(
    describeScanChanges(
      inputs(),
      inputs({
        trivyVersion: '0.59.0',
        gate: { failOn: 'MEDIUM', severity: ['CRITICAL', 'HIGH', 'MEDIUM'], ignoreUnfixed: false },
        ignoreFile: 'h',
        configFiles: { Dockerfile: 'h2' },
        env: { TRIVY_SEVERITY: 'x' },
      }),
    ),
    [
      'Trivy 0.58.1 → 0.59.0',
      'ignore file added',
      'scan.failOn HIGH → MEDIUM',
      'scan.severity CRITICAL,HIGH → CRITICAL,HIGH,MEDIUM',
      'Dockerfile changed (read by trivy config)',
      'TRIVY_SEVERITY changed',
    ],
  );
  const other = await lookup(inputs({ imageId: `sha256:${'b'.repeat(64)}` }), summary, T0 + HOUR);
  assert.equal([other.hit, other.why], [false, `new image sha256:${'b'.repeat(12)}`]);
});

Cache('what the tool writes (reports, incident folders, state) is never a config-scan input', async () => {
  const config = resolveConfig({ scan: { reportsDir: 'out/reports' }, incident: { dir: 'incidents' } }, dir);
  assert.equal(ownDirs(config), ['node_modules', '.cloudy', 'out/reports', 'incidents']);
  assert.equal(ownDirs(resolveConfig({ scan: { reportsDir: path.join(tmpdir(), 'elsewhere') } }, dir)), [
    'node_modules',
    '.cloudy',
    'incidents',
  ]);
  for (const d of ['out/reports', 'incidents/2026-12-02T10-00-00Z', 'deploy'])
    mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(dir, 'deploy', 'app.yaml'), 'kind: Pod\n');
  writeFileSync(path.join(dir, 'out/reports', 'trivy-image.json'), '{}');
  writeFileSync(path.join(dir, 'incidents/2026-12-02T10-00-00Z', 'inspect.json'), '[]');
  const hashes = await FileHashCache.open(path.join(dir, '.cloudy', 'hashes.json'));
  const i = await scanInputs(config, {}, `sha256:${'a'.repeat(64)}`, 'trivy', undefined, hashes);
  assert.equal(Object.keys(i.configFiles), ['Dockerfile', 'deploy/app.yaml']);
});

Cache('scan.maxAge units', () => {
  assert.equal(
    [maxAgeMs('90s'), maxAgeMs('30m'), maxAgeMs('24h'), maxAgeMs('7d')],
    [90e3, 30 * 60e3, 24 * HOUR, 7 * 24 * HOUR],
  );
});

Cache.run();
