/**
 * The run-finished event (lib/notify/webhook.ts's RunFinished) from a run's summary: the body of
 * the webhook and the last `--json` event, built in one place so both say the same.
 */
import { hostname } from 'node:os';
import type { RunSummary } from '../lib/engine/runner.js';
import type { RunFinished } from '../lib/notify/webhook.js';
import { failureHeadline } from '../lib/render/failure.js';
import type { Severity } from '../lib/scan/severity.js';
import type { RunRecord } from '../lib/store/history.js';

/** The run-finished event: what the webhook receives. */
export function runFinished(
  run: { readonly tasks: readonly string[] },
  started: Date,
  outcome: RunFinished['outcome'],
  exitCode: number,
  summary: RunSummary | undefined,
  project: string,
): RunFinished {
  const finished = new Date();
  const states = [...(summary?.states.values() ?? [])];
  return {
    type: 'run-finished',
    project,
    host: hostname(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    tasks: run.tasks,
    outcome,
    exitCode,
    counts: {
      succeeded: states.filter((s) => s === 'succeeded').length,
      failed: states.filter((s) => s === 'failed').length,
      skipped: states.filter((s) => s === 'skipped').length,
    },
    failures: (summary?.failures ?? []).map(({ task, failure }) => ({ task, error: failureHeadline(failure) })),
    changes: changesOf(summary),
  };
}

/** What this run changed, in words: base image digests, a rebuilt image, a replaced container. */
export function changesOf(summary: RunSummary | undefined): string[] {
  const changes = changedDigests(summary).map((d) => `base image ${d.image} digest changed`);
  const built = summary?.outputs.get('docker') as { upToDate?: boolean; imageId?: string } | undefined;
  if (built?.imageId?.startsWith('sha256:') && built.upToDate === false)
    changes.push(`image built (${built.imageId.slice(0, 19)})`);
  const rebuilt = summary?.outputs.get('rebuild-no-cache') as { rebuilt?: boolean; imageId?: string } | undefined;
  if (rebuilt?.rebuilt) changes.push(`image rebuilt without cache (${rebuilt.imageId?.slice(0, 19) ?? '?'})`);
  const deployed = summary?.outputs.get('deploy-secure') as
    | { upToDate?: boolean; container?: string; imageId?: string }
    | undefined;
  if (deployed?.container !== undefined && deployed.upToDate !== true) {
    changes.push(`container ${deployed.container} now runs ${deployed.imageId?.slice(0, 19) ?? '?'}`);
  }
  return changes;
}

/** Base images whose digest changed, from the `update-base-images` output. */
export function changedDigests(summary: RunSummary | undefined): RunRecord['digestsChanged'] {
  const output = summary?.outputs.get('update-base-images') as
    | { images?: { image: string; before: string | null; after: string | null; changed: boolean }[] }
    | undefined;
  return (output?.images ?? []).filter((i) => i.changed).map(({ image, before, after }) => ({ image, before, after }));
}

/** Finding counts from the `security-scan` output, when a scan ran. */
export function scanCounts(summary: RunSummary | undefined): Record<Severity, number> | undefined {
  const output = summary?.outputs.get('security-scan') as { counts?: Record<Severity, number> } | undefined;
  return output?.counts;
}
