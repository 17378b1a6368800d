/**
 * The incident folder's summary.md: what was collected and what not, the container and image as
 * found, the scan of that exact image, the hardening checks as they stood, and the next steps of
 * the security guide's runbook (update dependencies, rebuild, review config, record findings).
 */
import type { Check } from '../hardening/checks/index.js';
import type { Finding } from '../scan/parse.js';
import type { Severity } from '../scan/severity.js';
import { formatChecksTable } from './checks.js';
import { countLine, findingsTable } from './findings.js';
import { escapeControl } from './text.js';

export interface IncidentSummary {
  /** ISO-8601 UTC time the incident was recorded. */
  readonly at: string;
  readonly container: string;
  readonly containerId: string;
  /** `State.Status` as found, and after collection. */
  readonly stateBefore: string;
  readonly stateAfter: string;
  /** How the container was left: stopped by us, already stopped, or left running (`--no-stop`). */
  readonly stop: 'stopped' | 'already-stopped' | 'not-stopped' | 'stop-failed';
  readonly imageId: string;
  readonly imageRef: string;
  /** Repo digests of the image (empty for an image built here and never pushed or pulled). */
  readonly digests: readonly string[];
  readonly files: readonly string[];
  /** What could not be collected, with why. */
  readonly missing: readonly { readonly what: string; readonly why: string }[];
  readonly scan:
    | { readonly counts: Readonly<Record<Severity, number>>; readonly findings: readonly Finding[] }
    | undefined;
  readonly checks: readonly Check[];
}

export function formatIncidentSummary(s: IncidentSummary): string {
  const failed = s.checks.filter((c) => c.status === 'fail');
  const stopLine = {
    stopped: `stopped by this run (it was ${s.stateBefore}); not removed: \`docker start ${s.container}\` restarts it as it was`,
    'already-stopped': `already ${s.stateBefore} when the incident was recorded; not removed`,
    'not-stopped': `left ${s.stateBefore} (--no-stop); stop it with \`docker stop ${s.container}\` if it is compromised`,
    'stop-failed': `COULD NOT BE STOPPED (see below); stop it by hand: \`docker stop ${s.container}\``,
  }[s.stop];
  const lines = [
    `# Incident ${s.at}`,
    '',
    `- Container: \`${s.container}\` (\`${s.containerId.slice(0, 12)}\`), ${stopLine}; now ${s.stateAfter}`,
    `- Image: \`${s.imageId}\` (as \`${escapeControl(s.imageRef)}\`)`,
    `- Digest: ${s.digests.length > 0 ? s.digests.map((d) => `\`${d}\``).join(', ') : 'none (built locally, never pushed or pulled)'}`,
    `- Files: ${s.files.map((f) => `\`${f}\``).join(', ')}`,
    '',
    '## Not collected',
    '',
    ...(s.missing.length === 0
      ? ['Everything was collected.']
      : s.missing.map((m) => `- **${m.what}**: ${escapeControl(m.why)}`)),
    '',
    '## Scan of that exact image',
    '',
    ...(s.scan === undefined
      ? ['Not scanned (see above).']
      : [
          `Findings: ${countLine(s.scan.counts)}.`,
          ...(s.scan.findings.length > 0 ? ['', '```', findingsTable(s.scan.findings, 20), '```'] : []),
        ]),
    '',
    '## Hardening as found (docker inspect)',
    '',
    failed.length === 0
      ? `Every check passed or warned (${s.checks.length} checks); details in inspect.json.`
      : `${failed.length} check(s) failed:`,
    ...(failed.length > 0 ? ['', '```', formatChecksTable(failed), '```'] : []),
    '',
    "## Next steps (the security guide's runbook)",
    '',
    '1. Analyse the logs (`logs-stdout.txt`, `logs-stderr.txt`, with timestamps) and `inspect.json`.',
    `2. Update dependencies and base images: \`cloudy-tasks update-base-images rebuild-no-cache security-scan\`.`,
    '3. Rebuild with the fixed versions and redeploy verified: `cloudy-tasks deploy-secure` (the stopped container is removed once the new one is verified: its evidence is in this folder; volumes are kept).',
    '4. Review the configuration: `cloudy-tasks audit` on the new container, `cloudy-tasks compose-audit` for the compose file; the checks above show how this one stood.',
    '5. Record findings and remediation below, and keep this folder (it is private: 0700/0600).',
    '',
    '## Findings and remediation',
    '',
    '_What happened, the cause, what was changed, when service was restored._',
    '',
  ];
  return lines.join('\n');
}
