/**
 * Collects what `--explain` prints: each task's own decision (`ctx.explain`, recorded through the
 * task context the CLI builds), and for tasks that made none, what the run events say (skipped
 * and why, failed, stood in for by a provider, or ran with no up-to-date check of its own).
 */
import type { RunEvent, RunSummary } from '../lib/engine/runner.js';
import type { Decision } from '../lib/engine/task.js';
import { type Explanation, explainJson, formatExplain } from '../lib/render/explain.js';
import { failureHeadline } from '../lib/render/failure.js';

export class Explainer {
  readonly #order: readonly string[];
  readonly #decisions = new Map<string, Decision>();
  readonly #skipped = new Map<string, string>();
  readonly #provided = new Map<string, string>();

  constructor(order: readonly string[]) {
    this.#order = order;
  }

  /** The `explain` function of one task's context. */
  forTask(task: string): (decision: Decision) => void {
    return (decision) => this.#decisions.set(task, decision);
  }

  /** Feed every (redacted) run event. */
  onEvent(event: RunEvent): void {
    if (event.type === 'task-skipped') this.#skipped.set(event.task, event.reason);
    else if (event.type === 'task-progress' && event.message.startsWith('using the output of '))
      this.#provided.set(event.task, event.message);
  }

  rows(summary: RunSummary): Explanation[] {
    return this.#order.map((task): Explanation => {
      const decision = this.#decisions.get(task);
      const state = summary.states.get(task);
      const failure = summary.failures.find((f) => f.task === task)?.failure;
      if (failure) {
        const why = failureHeadline(failure);
        return { task, status: 'failed', why: decision && !decision.upToDate ? `${decision.why}; then: ${why}` : why };
      }
      if (state === 'skipped') return { task, status: 'skipped', why: this.#skipped.get(task) ?? 'not started' };
      if (state !== 'succeeded') return { task, status: 'not-run', why: `it ended ${state ?? 'unknown'}` };
      if (decision) return { task, status: decision.upToDate ? 'up-to-date' : 'ran', why: decision.why };
      const provided = this.#provided.get(task);
      if (provided) return { task, status: 'provided', why: provided };
      return { task, status: 'ran', why: 'it has no up-to-date check (it runs every time)' };
    });
  }

  /** Write the explanation: a text block, or one JSON line per task. */
  print(
    summary: RunSummary,
    json: boolean,
    redact: (text: string) => string,
    out: (line: string) => void,
    columns?: number,
  ): void {
    const rows = this.rows(summary).map((r) => ({ ...r, why: redact(r.why) }));
    if (json) for (const row of rows) out(explainJson(row));
    else out(formatExplain(rows, columns));
  }
}
