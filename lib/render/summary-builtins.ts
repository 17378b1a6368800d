/**
 * The result lines of the built-in tasks, from their typed outputs (./summary.ts decides when
 * they apply). Types only come from the modules that define the outputs: nothing here runs.
 */
import type { ComposeFinding } from '../compose/audit.js';
import type { BaseImageUpdate } from '../docker/base-images.js';
import type { ImageBuild } from '../docker/build.js';
import type { LocatedFinding } from '../failure.js';
import type { Check } from '../hardening/checks/index.js';
import type { ScanResult } from '../scan/result.js';
import { formatChecksTable } from './checks.js';
import { formatComposeAudit } from './compose.js';
import { countLine } from './findings.js';
import { fleetResult } from './fleet.js';
import { formatTable } from './table.js';

export interface BuiltinSummary {
  readonly line: string;
  readonly details?: (width?: number) => string;
  readonly upToDate?: boolean;
}

type Summarizer = (output: never) => BuiltinSummary | undefined;

/** `sha256:0123456789ab`: the id as `docker images` shortens it, with its algorithm. */
export function shortImageId(id: string): string {
  const [algorithm, hex] = id.includes(':') ? id.split(':', 2) : ['sha256', id];
  return `${algorithm}:${(hex ?? '').slice(0, 12)}`;
}

/** Decimal units, three significant digits, as docker prints sizes: `12.3 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))} ${units[unit]}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `33 checks passed, 1 warning (restart-policy)` (failures end the task, so they are not counted
 * here). Up to three warnings are named, so the line says which one to look up in `audit`.
 */
export function checkCounts(checks: readonly Pick<Check, 'status' | 'id'>[]): string {
  const passed = checks.filter((c) => c.status === 'pass').length;
  const warned = checks.filter((c) => c.status === 'warn');
  const which = warned.length > 0 && warned.length <= 3 ? ` (${warned.map((c) => c.id).join(', ')})` : '';
  return `${plural(passed, 'check')} passed${warned.length > 0 ? `, ${plural(warned.length, 'warning')}${which}` : ''}`;
}

function image(output: ImageBuild & { rebuilt?: boolean }): BuiltinSummary {
  if (output.rebuilt === false)
    return { line: `up to date: no base image changed since the last rebuild (${output.ref})`, upToDate: true };
  if (!output.imageId.includes(':')) return { line: `${output.ref} (not built: --dry-run)` };
  const size = typeof output.size === 'number' ? `, ${formatBytes(output.size)}` : '';
  return { line: `${shortImageId(output.imageId)}${size} (${output.ref}${output.noCache ? ', no cache' : ''})` };
}

function scan(output: ScanResult): BuiltinSummary {
  if (output.dryRun) return { line: 'not scanned (--dry-run)' };
  return { line: `${countLine(output.counts)}; none at or above ${output.threshold}` };
}

function deploy(output: {
  container: string;
  imageId: string;
  checks: readonly Check[];
  hosts?: readonly { host: string; upToDate: boolean; checks: readonly Check[] }[];
}): BuiltinSummary {
  if (output.hosts) {
    if (output.hosts.every((h) => h.checks.length === 0))
      return {
        line: `${output.container} would run ${output.imageId} on ${plural(output.hosts.length, 'host')} (--dry-run)`,
      };
    const { line, table } = fleetResult(output.hosts, shortImageId(output.imageId), checkCounts);
    return {
      line: `${output.container}: ${line}`,
      details: () => `fleet deploy of ${output.container}:\n${table}`,
      upToDate: output.hosts.every((h) => h.upToDate),
    };
  }
  if (output.checks.length === 0) return { line: `${output.container} would run ${output.imageId} (--dry-run)` };
  return {
    line: `${output.container} running ${shortImageId(output.imageId)}, healthy, ${checkCounts(output.checks)}`,
  };
}

function audit(output: { container: string; checks: readonly Check[] }): BuiltinSummary {
  if (output.checks.length === 0) return { line: `would audit ${output.container} (--dry-run)` };
  return {
    line: `${output.container}: ${checkCounts(output.checks)}`,
    details: (width) => `audit of ${output.container}:\n${formatChecksTable(output.checks, width)}`,
  };
}

function preflight(output: { warnings: number; findings?: readonly LocatedFinding[] }): BuiltinSummary {
  if (output.warnings === 0) return { line: 'no problems found' };
  const findings = output.findings ?? [];
  return {
    line: plural(output.warnings, 'warning'),
    ...(findings.length > 0
      ? {
          // Each message names its file and line already.
          details: () =>
            `preflight warnings:\n${findings.map((f) => `${f.severity}  ${f.rule}  ${f.message}`).join('\n')}`,
        }
      : {}),
  };
}

function baseImages(output: { images: readonly BaseImageUpdate[] }): BuiltinSummary {
  const changed = output.images.filter((u) => u.changed);
  if (output.images.length === 0) return { line: 'no base images to check' };
  const short = (d: string | null) => (d ? d.slice(0, 19) : '-');
  const table = formatTable(
    ['IMAGE', 'BEFORE', 'AFTER', 'CHANGED'],
    output.images.map((u) => [u.image, short(u.before), short(u.after), u.changed ? 'yes' : 'no']),
  );
  return {
    line:
      changed.length === 0
        ? `no base image changed (${plural(output.images.length, 'image')} checked)`
        : `${changed.length} of ${plural(output.images.length, 'base image')} changed: ${changed.map((u) => u.image).join(', ')}`,
    details: () => `base images:\n${table}`,
  };
}

function composeAudit(output: { file: string; services: readonly string[]; checks: readonly ComposeFinding[] }) {
  if (output.checks.length === 0) return undefined;
  return {
    line: `${plural(output.services.length, 'service')}: ${checkCounts(output.checks)}`,
    details: () => `compose-audit:\n${formatComposeAudit(output.checks)}`,
  };
}

// A Map, not an object: a task named `constructor` must not find Object's.
const BUILTIN: ReadonlyMap<string, Summarizer> = new Map<string, Summarizer>([
  ['preflight', preflight],
  ['docker', image],
  ['rebuild-no-cache', image],
  ['security-scan', scan],
  ['deploy-secure', deploy],
  ['audit', audit],
  ['update-base-images', baseImages],
  ['compose-audit', composeAudit],
]);

/** The built-in task `task`'s line for `output`, if it is a built-in with one. */
export function builtinSummary(task: string, output: object): BuiltinSummary | undefined {
  const summarizer = BUILTIN.get(task);
  return summarizer ? summarizer(output as never) : undefined;
}
