/**
 * The scan cache, `.cloudy/scan-cache.json`: passing results of recent scans, keyed by their
 * inputs (./inputs.ts). A result is reused when the inputs are equal, it is younger than
 * `scan.maxAge`, Trivy's DB is not due for an update (a scan would download a newer one), and the
 * reports on disk are the ones that scan wrote. Failing scans are not cached: the next run scans
 * again, so fixing the cause (an ignore entry, a rebuilt image) is all a user has to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isObject, readRecord, storePath, writeRecord } from '../store/records.js';
import { describeScanChanges, type ScanInputs, scanKey } from './inputs.js';
import type { ScanResult } from './result.js';
import type { TrivyVersion } from './trivy-version.js';

const VERSION = 1;
const MAX_ENTRIES = 10;

export interface ScanCacheEntry {
  readonly key: string;
  readonly inputs: ScanInputs;
  readonly result: ScanResult;
  /** ISO time the scan finished. */
  readonly scannedAt: string;
}

interface CacheData {
  /** Newest first. */
  readonly entries: readonly ScanCacheEntry[];
}

function isCacheData(data: unknown): data is CacheData {
  return (
    isObject(data) &&
    Array.isArray(data['entries']) &&
    data['entries'].every(
      (e) => isObject(e) && typeof e['key'] === 'string' && isObject(e['inputs']) && isObject(e['result']),
    )
  );
}

export function scanCacheFile(projectDir: string): string {
  return storePath(projectDir, 'scan-cache.json');
}

/** A reusable result, or why there is none (one phrase, for `--explain`). */
export type CacheLookup =
  | { readonly hit: true; readonly entry: ScanCacheEntry; readonly why: string }
  | { readonly hit: false; readonly why: string };

/** Parse `scan.maxAge` (`30m`, `24h`, `7d`) into milliseconds. */
export function maxAgeMs(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) throw new Error(`Internal error: scan.maxAge ${JSON.stringify(text)} passed validation`);
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export async function lookupScan(
  projectDir: string,
  inputs: ScanInputs,
  trivy: TrivyVersion | undefined,
  options: {
    readonly maxAge: string;
    readonly skipDbUpdate: boolean;
    readonly summaryFile: string;
    readonly now?: number;
  },
): Promise<CacheLookup> {
  const data = await readRecord(scanCacheFile(projectDir), VERSION, isCacheData);
  const entries = data?.entries ?? [];
  const key = scanKey(inputs);
  const now = options.now ?? Date.now();
  const entry = entries.find((e) => e.key === key);
  if (!entry) {
    const previous = entries.find((e) => e.inputs.imageId === inputs.imageId) ?? entries[0];
    if (!previous) return { hit: false, why: `no earlier scan of ${inputs.imageId.slice(0, 19)} recorded` };
    const changes = describeScanChanges(previous.inputs, inputs);
    return { hit: false, why: changes.join('; ') || 'the scan inputs changed' };
  }
  const age = now - Date.parse(entry.scannedAt);
  if (!(age <= maxAgeMs(options.maxAge)))
    return { hit: false, why: `the last scan is ${ago(age)} old (scan.maxAge ${options.maxAge})` };
  const next = trivy?.vulnerabilityDb?.nextUpdate;
  if (!options.skipDbUpdate && next && Date.parse(next) <= now)
    return { hit: false, why: `Trivy DB is due for an update (next update ${next.slice(0, 16).replace('T', ' ')})` };
  if (
    !reportsAreFrom(options.summaryFile, key) ||
    !Object.values(entry.result.reports).every((f) => f && existsSync(f))
  )
    return { hit: false, why: 'the reports on disk are from another scan' };
  const db = inputs.vulnerabilityDb ? `, DB ${inputs.vulnerabilityDb.slice(0, 10)}` : '';
  return {
    hit: true,
    entry,
    why: `${inputs.imageId.slice(0, 19)} scanned ${ago(age)} ago with Trivy ${inputs.trivyVersion ?? '?'}${db}, same ignore file, gate and config inputs`,
  };
}

/** Remember a passing scan (newest first, at most {@link MAX_ENTRIES}). */
export async function recordScan(projectDir: string, entry: ScanCacheEntry): Promise<void> {
  const data = await readRecord(scanCacheFile(projectDir), VERSION, isCacheData);
  const entries = [entry, ...(data?.entries ?? []).filter((e) => e.key !== entry.key)].slice(0, MAX_ENTRIES);
  await writeRecord(scanCacheFile(projectDir), VERSION, { entries });
}

/** True when the summary on disk names this cache key (the reports next to it are that scan's). */
function reportsAreFrom(summaryFile: string, key: string): boolean {
  try {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { cacheKey?: unknown };
    return summary.cacheKey === key;
  } catch {
    return false;
  }
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
