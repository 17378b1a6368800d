/**
 * What makes an invocation safe to schedule (cron, systemd timers, CI schedules):
 * - a run lock, so two overlapping runs of one project never work at once; the second exits
 *   at once with code 75 (EX_TEMPFAIL: "try again later") naming the holder;
 * - a run record appended to `.cloudy/history.jsonl` (time, tasks, outcome, digests changed,
 *   findings, duration) for every run, including those refused because another held the lock.
 * `--dry-run` takes no lock and leaves no record: it changes nothing.
 */

import type { RunSummary } from '../lib/engine/runner.js';
import type { Failure } from '../lib/failure.js';
import type { Severity } from '../lib/scan/severity.js';
import { appendRunRecord, historyPath, type RunRecord } from '../lib/store/history.js';
import { acquireRunLock, currentHolder } from '../lib/store/lock.js';

interface Outcome {
  readonly code: number;
  readonly summary?: RunSummary;
}

export async function withRunRecord(
  run: { readonly projectDir: string; readonly tasks: readonly string[]; readonly argv: readonly string[] },
  body: (lockLost: AbortSignal) => Promise<Outcome>,
): Promise<Outcome & { refused?: Failure }> {
  const started = new Date();
  const lock = await acquireRunLock(run.projectDir, currentHolder(['cloudy-tasks', ...run.argv].join(' '), started));
  if (!lock.ok) {
    // Only "another run has it" means "try later" (75); a lock that cannot be created is a
    // broken environment, which a scheduler must not read as a skipped run.
    if (lock.kind === 'error') return { code: 2, refused: lock.failure };
    await record(run, started, { outcome: 'locked', exitCode: 75, digestsChanged: [] });
    return { code: 75, refused: lock.failure };
  }
  try {
    const outcome = await body(lock.lost);
    const findings = scanCounts(outcome.summary);
    await record(run, started, {
      outcome: outcome.summary?.interruptedBy ? 'interrupted' : outcome.code === 0 ? 'succeeded' : 'failed',
      exitCode: outcome.code,
      digestsChanged: changedDigests(outcome.summary),
      ...(findings ? { findings } : {}),
      upToDate: upToDateTasks(outcome.summary),
    });
    return outcome;
  } finally {
    await lock.release();
  }
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
