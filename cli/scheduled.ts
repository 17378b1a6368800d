/**
 * What makes an invocation safe to schedule (cron, systemd timers, CI schedules):
 * - a run lock, so two overlapping runs of one project never work at once; the second exits
 *   at once with code 75 (EX_TEMPFAIL: "try again later") naming the holder;
 * - a run record appended to `.cloudy/history.jsonl` (time, tasks, outcome, digests changed,
 *   findings, duration) for every run, including those refused because another held the lock.
 * `--dry-run` takes no lock and leaves no record: it changes nothing.
 */

import { hostname } from 'node:os';
import type { ResolvedConfig } from '../lib/config/types.js';
import type { RunSummary } from '../lib/engine/runner.js';
import type { Failure } from '../lib/failure.js';
import { postJson, type RunFinished, shouldNotify } from '../lib/notify/webhook.js';
import { failureHeadline } from '../lib/render/failure.js';
import type { Severity } from '../lib/scan/severity.js';
import { appendRunRecord, historyPath, type RunRecord } from '../lib/store/history.js';
import { acquireRunLock, currentHolder } from '../lib/store/lock.js';

interface Outcome {
  readonly code: number;
  readonly summary?: RunSummary;
}

/** Where and when to send the run-finished event (`notify.*`), and how to mask and report. */
export interface Notification {
  readonly config: ResolvedConfig['notify'];
  readonly projectName: string;
  readonly redact: (text: string) => string;
  /** A notification that could not be sent is reported here, never as the run's failure. */
  readonly warn: (line: string) => void;
}

export async function withRunRecord(
  run: { readonly projectDir: string; readonly tasks: readonly string[]; readonly argv: readonly string[] },
  body: (lockLost: AbortSignal) => Promise<Outcome>,
  notification?: Notification,
): Promise<Outcome & { refused?: Failure }> {
  const started = new Date();
  const lock = await acquireRunLock(run.projectDir, currentHolder(['cloudy-tasks', ...run.argv].join(' '), started));
  if (!lock.ok) {
    // Only "another run has it" means "try later" (75); a lock that cannot be created is a
    // broken environment, which a scheduler must not read as a skipped run.
    if (lock.kind === 'error') return { code: 2, refused: lock.failure };
    await record(run, started, { outcome: 'locked', exitCode: 75, digestsChanged: [] });
    if (notification)
      await notify(notification, runFinished(run, started, 'locked', 75, undefined, notification.projectName));
    return { code: 75, refused: lock.failure };
  }
  let finished: RunFinished | undefined;
  try {
    const outcome = await body(lock.lost);
    const findings = scanCounts(outcome.summary);
    const result = outcome.summary?.interruptedBy ? 'interrupted' : outcome.code === 0 ? 'succeeded' : 'failed';
    await record(run, started, {
      outcome: result,
      exitCode: outcome.code,
      digestsChanged: changedDigests(outcome.summary),
      ...(findings ? { findings } : {}),
      upToDate: upToDateTasks(outcome.summary),
    });
    if (notification)
      finished = runFinished(run, started, result, outcome.code, outcome.summary, notification.projectName);
    return outcome;
  } finally {
    await lock.release();
    // After the lock is released: a slow webhook must not hold the next scheduled run back.
    if (notification && finished) await notify(notification, finished);
  }
}

/** The run-finished event: what the webhook receives. */
function runFinished(
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

/** Send the event when `notify.on` asks for it; masked, bounded in time, never fatal. */
async function notify(n: Notification, event: RunFinished): Promise<void> {
  if (n.config.webhook === undefined || !shouldNotify(n.config.on, event)) return;
  const masked = JSON.parse(n.redact(JSON.stringify(event))) as unknown;
  const delivery = await postJson(n.config.webhook, masked, n.config.timeoutMs);
  if (!delivery.ok)
    n.warn(`cloudy-tasks: warning: the run-finished notification was not sent: ${n.redact(delivery.problem)}`);
}

/** What this run changed, in words: base image digests, a rebuilt image, a replaced container. */
function changesOf(summary: RunSummary | undefined): string[] {
  const changes = changedDigests(summary).map((d) => `base image ${d.image} digest changed`);
  const rebuilt = summary?.outputs.get('rebuild-no-cache') as { rebuilt?: boolean; imageId?: string } | undefined;
  if (rebuilt?.rebuilt) changes.push(`image rebuilt without cache (${rebuilt.imageId ?? '?'})`);
  const deployed = summary?.outputs.get('deploy-secure') as
    | { upToDate?: boolean; container?: string; imageId?: string }
    | undefined;
  if (deployed?.container !== undefined && deployed.upToDate !== true) {
    changes.push(`container ${deployed.container} now runs ${deployed.imageId ?? '?'}`);
  }
  return changes;
}

/** Append one line to the run history; a history that cannot be written never fails the run. */
async function record(
  run: { readonly projectDir: string; readonly tasks: readonly string[] },
  started: Date,
  rest: Pick<RunRecord, 'outcome' | 'exitCode' | 'digestsChanged' | 'findings' | 'upToDate'>,
): Promise<void> {
  const finished = new Date();
  const entry: RunRecord = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    tasks: run.tasks,
    ...rest,
  };
  await appendRunRecord(historyPath(run.projectDir), entry).catch(() => undefined);
}

/** Base images whose digest changed, from the `update-base-images` output. */
function changedDigests(summary: RunSummary | undefined): RunRecord['digestsChanged'] {
  const output = summary?.outputs.get('update-base-images') as
    | { images?: { image: string; before: string | null; after: string | null; changed: boolean }[] }
    | undefined;
  return (output?.images ?? []).filter((i) => i.changed).map(({ image, before, after }) => ({ image, before, after }));
}

/** Tasks whose output says they found nothing to do (`upToDate: true`), in run order. */
function upToDateTasks(summary: RunSummary | undefined): string[] {
  return [...(summary?.outputs ?? new Map<string, unknown>())]
    .filter(([, output]) => (output as { upToDate?: unknown } | null)?.upToDate === true)
    .map(([task]) => task);
}

/** Finding counts from the `security-scan` output, when a scan ran. */
function scanCounts(summary: RunSummary | undefined): Record<Severity, number> | undefined {
  const output = summary?.outputs.get('security-scan') as { counts?: Record<Severity, number> } | undefined;
  return output?.counts;
}
