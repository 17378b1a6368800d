/**
 * The fleet deploy's words (deploy.hosts): its failure, its lock refusal and its per-host result
 * line and table. Per host, so a reader knows which hosts run the new version after a failure.
 */
import type { Failure, FleetHostOutcome } from '../failure.js';
import type { Check } from '../hardening/checks/index.js';
import { formatTable } from './table.js';

type FleetFailed = Extract<Failure, { reason: 'fleet-failed' }>;
type FleetLocked = Extract<Failure, { reason: 'fleet-locked' }>;

const STATE_WORDS: Readonly<Record<FleetHostOutcome['state'], string>> = {
  updated: 'updated, runs the new version (verified)',
  'up-to-date': 'already ran the new version (verified)',
  failed: 'FAILED',
  'rolled-back': 'rolled back (deploy.rollbackAll)',
  'not-started': 'not started',
};

/** `web1: updated …`, one line per host. */
export function fleetHostLines(hosts: readonly FleetHostOutcome[]): string[] {
  return hosts.map((h) => `${h.host}: ${STATE_WORDS[h.state]}${h.detail ? `; ${h.detail}` : ''}`);
}

/** `1 host updated (web1), 1 not started (web3)`: the count of each state that occurred, in a fixed order. */
export function fleetCounts(hosts: readonly FleetHostOutcome[]): string {
  const order: FleetHostOutcome['state'][] = ['updated', 'up-to-date', 'rolled-back', 'failed', 'not-started'];
  const label: Record<FleetHostOutcome['state'], string> = {
    updated: 'updated and left on the new version',
    'up-to-date': 'up to date',
    'rolled-back': 'rolled back',
    failed: 'failed and rolled back',
    'not-started': 'not started',
  };
  return order
    .map((state) => {
      const these = hosts.filter((h) => h.state === state);
      if (these.length === 0) return '';
      return `${these.length} ${these.length === 1 ? 'host' : 'hosts'} ${label[state]} (${these.map((h) => h.host).join(', ')})`;
    })
    .filter(Boolean)
    .join(', ');
}

/** `fleet deploy stopped at web2: <cause>; 1 host updated …`, then one line per host, then the cause's details. */
export function formatFleetFailed(f: FleetFailed, formatCause: (cause: Failure) => string): string {
  const [headline, ...details] = formatCause(f.cause).split('\n');
  const others = f.hosts.filter((h) => h.host !== f.host);
  return [
    `fleet deploy stopped at ${f.host}: ${headline}${others.length > 0 ? `; ${fleetCounts(others)}` : ''}`,
    ...fleetHostLines(f.hosts).map((l) => `    ${l}`),
    ...details,
  ].join('\n');
}

export function formatFleetLocked(f: FleetLocked): string {
  const h = f.holder;
  const who = h
    ? `a deploy started on ${h.machine} (pid ${h.pid}) at ${h.startedAt} by project ${h.project}`
    : 'a deploy whose marker has no readable holder';
  return `the fleet lock on ${f.host} is held by ${who} (marker container ${f.marker}); nothing was changed. Try again when it has finished; if that run is dead, remove its marker: ${f.unlock} (a dead run's marker on the machine that started it is removed there automatically)`;
}

/** The success result of a fleet: its line, and a table of the hosts for the details. */
export function fleetResult(
  hosts: readonly { host: string; upToDate: boolean; checks: readonly Pick<Check, 'status' | 'id'>[] }[],
  image: string,
  countChecks: (checks: readonly Pick<Check, 'status' | 'id'>[]) => string,
): { line: string; table: string } {
  const updated = hosts.filter((h) => !h.upToDate).length;
  const line = `${hosts.length} ${hosts.length === 1 ? 'host runs' : 'hosts run'} ${image}, verified (${updated} updated, ${hosts.length - updated} up to date)`;
  const table = formatTable(
    ['HOST', 'RESULT', 'CHECKS'],
    hosts.map((h) => [h.host, h.upToDate ? 'up to date' : 'updated', countChecks(h.checks)]),
  );
  return { line, table };
}
