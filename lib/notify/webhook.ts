/**
 * Notifications for scheduled runs: cron mails a job's output, not its exit code, and a CI
 * schedule shows a red run only to whoever looks. `notify.webhook` receives one POST per run
 * whose outcome matches `notify.on`, with the run-finished event as JSON (secrets masked by the
 * caller). A notification that cannot be sent is reported and never changes the run's exit code.
 */

/** When to notify: a failed (or interrupted) run, a run that changed something, or every run. */
export type NotifyOn = 'failure' | 'change' | 'always';

/** What a finished run says about itself: the body of the webhook and the `--json` run-finished event. */
export interface RunFinished {
  readonly type: 'run-finished';
  /** The project's name (package.json name or directory name). */
  readonly project: string;
  readonly host: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** The tasks asked for on the command line. */
  readonly tasks: readonly string[];
  readonly outcome: 'succeeded' | 'failed' | 'interrupted' | 'locked';
  readonly exitCode: number;
  readonly counts: { readonly succeeded: number; readonly failed: number; readonly skipped: number };
  /** Each failed task with the first line of its failure. */
  readonly failures: readonly { readonly task: string; readonly error: string }[];
  /** What changed: base image digests, an image built, a container replaced. Empty: nothing. */
  readonly changes: readonly string[];
}

/** Whether a run with this outcome should be notified under `on`. */
export function shouldNotify(on: readonly NotifyOn[], run: Pick<RunFinished, 'outcome' | 'changes'>): boolean {
  if (on.includes('always')) return true;
  if (on.includes('failure') && (run.outcome === 'failed' || run.outcome === 'interrupted')) return true;
  return on.includes('change') && run.changes.length > 0;
}

/** The outcome of one delivery, for the caller to report. */
export type Delivery =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly problem: string };

/**
 * POST `body` as JSON to `url`, waiting at most `timeoutMs`. Node's own fetch: no process is
 * spawned and nothing is logged here (the URL may carry a token; the caller masks what it shows).
 */
export async function postJson(url: string, body: unknown, timeoutMs: number): Promise<Delivery> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'cloudy-tasks' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    // Drain the body so the connection is released before the process exits.
    await response.arrayBuffer().catch(() => undefined);
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, problem: `the webhook answered HTTP ${response.status}` };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError')
      return { ok: false, problem: `the webhook did not answer within ${Math.round(timeoutMs / 1000)}s` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      problem: `the webhook could not be reached (${cause?.code ?? cause?.message ?? String(error)})`,
    };
  }
}
