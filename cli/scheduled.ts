/**
 * What makes an invocation safe to schedule (cron, systemd timers, CI schedules):
 * - a run lock, so two overlapping runs of one project never work at once; the second exits
 *   at once with code 75 (EX_TEMPFAIL: "try again later") naming the holder;
 * - a run record appended to `.cloudy/history.jsonl` (time, tasks, outcome, digests changed,
 *   findings, duration) for every run, including those refused because another held the lock.
 * `--dry-run` takes no lock and leaves no record: it changes nothing.
 */

import type { ResolvedConfig } from '../lib/config/types.js';
import type { RunSummary } from '../lib/engine/runner.js';
import type { Failure } from '../lib/failure.js';
import { postJson, type RunFinished, shouldNotify } from '../lib/notify/webhook.js';
import { appendRunRecord, appendRunRecordSync, historyPath, type RunRecord } from '../lib/store/history.js';
import { acquireRunLock, currentHolder, type RunLock } from '../lib/store/lock.js';
import { changedDigests, changesOf, runFinished, scanCounts } from './run-finished.js';

interface Outcome {
  readonly code: number;
  readonly summary?: RunSummary;
}

/** Where and when to send the run-finished event (`notify.*`), and how to mask and report. */
export interface Notification {
  readonly config: ResolvedConfig['notify'];
  readonly redact: (text: string) => string;
  /** A notification that could not be sent is reported here, never as the run's failure. */
  readonly warn: (line: string) => void;
}

export interface ScheduledRun {
  readonly projectDir: string;
  /** The project's name, for the run-finished event. */
  readonly project: string;
  readonly tasks: readonly string[];
  readonly argv: readonly string[];
  /** When the invocation started (the `--json` run-started event's time). */
  readonly startedAt?: Date;
}

/** Runs `body` under the run lock; `finished` is the run-finished event (also for a refused run). */
export async function withRunRecord(
  run: ScheduledRun,
  body: (
    lockLost: AbortSignal,
    recordChildren: RunLock['recordChildren'],
    recordForcedExit: (exitCode: number) => void,
  ) => Promise<Outcome>,
  notification?: Notification,
): Promise<Outcome & { refused?: Failure; finished?: RunFinished }> {
  const started = run.startedAt ?? new Date();
  const lock = await acquireRunLock(run.projectDir, currentHolder(['cloudy-tasks', ...run.argv].join(' '), started));
  if (!lock.ok) {
    // Only "another run has it" means "try later" (75); a lock that cannot be created is a
    // broken environment, which a scheduler must not read as a skipped run.
    if (lock.kind === 'error') return { code: 2, refused: lock.failure };
    await record(run, started, { outcome: 'locked', exitCode: 75, digestsChanged: [] });
    const refused = runFinished(run, started, 'locked', 75, undefined, run.project);
    if (notification) await notify(notification, refused);
    return { code: 75, refused: lock.failure, finished: refused };
  }
  let finished: RunFinished | undefined;
  try {
    // A second signal exits at once, from inside the body: its record is written synchronously.
    const forcedExit = (exitCode: number) =>
      appendRunRecordSync(historyPath(run.projectDir), {
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - started.getTime(),
        tasks: run.tasks,
        outcome: 'interrupted',
        exitCode,
        digestsChanged: [],
      });
    const outcome = await body(lock.lost, lock.recordChildren, forcedExit);
    const findings = scanCounts(outcome.summary);
    const result = outcome.summary?.interruptedBy ? 'interrupted' : outcome.code === 0 ? 'succeeded' : 'failed';
    await record(run, started, {
      outcome: result,
      exitCode: outcome.code,
      digestsChanged: changedDigests(outcome.summary),
      ...(findings ? { findings } : {}),
      upToDate: upToDateTasks(outcome.summary),
      changes: changesOf(outcome.summary),
    });
    finished = runFinished(run, started, result, outcome.code, outcome.summary, run.project);
    return { ...outcome, finished };
  } finally {
    await lock.release();
    // After the lock is released: a slow webhook must not hold the next scheduled run back.
    if (notification && finished) await notify(notification, finished);
  }
}

/** Send the event when `notify.on` asks for it; masked, bounded in time, never fatal. */
async function notify(n: Notification, event: RunFinished): Promise<void> {
  if (n.config.webhook === undefined || !shouldNotify(n.config.on, event)) return;
  const masked = JSON.parse(n.redact(JSON.stringify(event))) as unknown;
  const delivery = await postJson(n.config.webhook, masked, n.config.timeoutMs);
  if (!delivery.ok)
    n.warn(`cloudy-tasks: warning: the run-finished notification was not sent: ${n.redact(delivery.problem)}`);
}

/** Append one line to the run history; a history that cannot be written never fails the run. */
async function record(
  run: { readonly projectDir: string; readonly tasks: readonly string[] },
  started: Date,
  rest: Pick<RunRecord, 'outcome' | 'exitCode' | 'digestsChanged' | 'findings' | 'upToDate' | 'changes'>,
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

/** Tasks whose output says they found nothing to do (`upToDate: true`), in run order. */
function upToDateTasks(summary: RunSummary | undefined): string[] {
  return [...(summary?.outputs ?? new Map<string, unknown>())]
    .filter(([, output]) => (output as { upToDate?: unknown } | null)?.upToDate === true)
    .map(([task]) => task);
}
