/**
 * A task's result in a line: what the terminal view shows under its ✔, the line renderer after
 * "done", the step summary and the JUnit report. Built from the task's output alone (the runner
 * knows nothing about it), in this order:
 *
 * 1. an output with a `summary` string (any task, user tasks and Make-style ones included): that
 *    line, as it is;
 * 2. an output with `upToDate: true` (and a `reason`): "up to date: <reason>";
 * 3. a built-in task's output: its own line (./summary-builtins.ts), e.g. the image id and size;
 * 4. otherwise nothing: the view shows the task's name and time only.
 *
 * `details` is a block (a table) shown once the view has finished, not under the ✔.
 */
import { builtinSummary } from './summary-builtins.js';
import { blankControl, shorten } from './text.js';

export interface TaskSummary {
  /** One line, no control characters. */
  readonly line: string;
  /**
   * A multi-line block (the audit's checks table), printed after the view; `width` is the
   * terminal's, when there is one (tables fit it), none for logs and files.
   */
  readonly details?: (width?: number) => string;
  /** The task found nothing to do. */
  readonly upToDate?: boolean;
}

/**
 * The fields any task's output may carry for the views (documented in the README's "Writing
 * your own tasks"). Outputs are otherwise the task's own business.
 */
export interface ResultFields {
  /** The one-line result. */
  readonly summary?: string;
  /** True when the task did nothing because its result was already there. */
  readonly upToDate?: boolean | string;
  /** Why it was up to date ("no input changed since the last build"). */
  readonly reason?: string;
  /** Accepted as a synonym of `reason`. */
  readonly why?: string;
}

/** Longest result line kept (a terminal truncates it further to its width). */
const MAX_LINE = 200;

const clean = (text: string): string => shorten(blankControl(text).trim(), MAX_LINE);

export function summarize(task: string, output: unknown): TaskSummary | undefined {
  if (typeof output === 'string' && output.trim() !== '') return { line: clean(firstLine(output)) };
  if (typeof output !== 'object' || output === null) return undefined;
  const fields = output as ResultFields;
  if (typeof fields.summary === 'string' && fields.summary.trim() !== '')
    return { line: clean(firstLine(fields.summary)) };
  const upToDate = upToDateReason(fields);
  if (upToDate !== undefined) return { line: clean(`up to date: ${upToDate}`), upToDate: true };
  let builtin: TaskSummary | undefined;
  try {
    builtin = builtinSummary(task, output);
  } catch {
    // An output of an unexpected shape (a JavaScript config's task standing in for a built-in)
    // gets no line rather than breaking the view.
    return undefined;
  }
  if (fields.upToDate !== true) return builtin && { ...builtin, line: clean(builtin.line) };
  // Up to date without a reason: a built-in's own line says what is there (the image, the
  // counts of the reused scan, the running container), which tells more than "nothing changed".
  if (builtin?.upToDate) return { ...builtin, line: clean(builtin.line) };
  return { ...builtin, line: clean(`up to date: ${builtin?.line ?? 'nothing changed'}`), upToDate: true };
}

/** A reason the output gives itself: `upToDate: "<why>"`, or `upToDate: true` with `reason`. */
function upToDateReason(fields: ResultFields): string | undefined {
  if (typeof fields.upToDate === 'string' && fields.upToDate.trim() !== '') return fields.upToDate;
  if (fields.upToDate !== true) return undefined;
  const why = typeof fields.reason === 'string' ? fields.reason : typeof fields.why === 'string' ? fields.why : '';
  return why.trim() || undefined;
}

const firstLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean) ?? '';
