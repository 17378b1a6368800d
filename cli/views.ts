/**
 * Which view renders this run, and how each one ends: `--json` events, `--dry-run`'s script, the
 * GitHub Actions log (groups and annotations), the listr2 terminal view, or prefixed lines (at
 * the `--quiet`, default or `--verbose` level). Every view ends with the final line (counts and
 * the total time), except the two whose stdout is for machines: `--json` says a failure in one
 * line on stderr, `--dry-run` only on failure.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Selection, TaskGraph } from '../lib/engine/graph.js';
import type { RunEvent } from '../lib/engine/runner.js';
import { dryRunRenderer } from '../lib/render/dry-run.js';
import { failureAnnotations, formatAnnotation, githubRenderer, type RelativePath } from '../lib/render/github.js';
import { jsonRenderer } from '../lib/render/json.js';
import { lineRenderer } from '../lib/render/line.js';
import { LISTR_MAX_TASKS } from '../lib/render/listr.js';
import { formatFailureBlocks, formatFailureLine, formatRunEnd } from '../lib/render/run-end.js';
import type { RunLog } from '../lib/render/run-log.js';
import type { BufferedSink } from '../lib/render/sink.js';
import type { CliArgs } from './args.js';
import type { Io } from './io.js';

export interface View {
  /** Every event, already masked and recorded in the run's log. */
  readonly render: (event: RunEvent) => void;
  /** Once the runner has finished: let the view draw its end, then print the final line. */
  readonly finish: (durationMs: number) => Promise<void>;
}

export interface ViewContext {
  readonly args: CliArgs;
  readonly io: Io;
  readonly graph: TaskGraph;
  readonly selection: Selection;
  readonly sink: BufferedSink;
  readonly log: RunLog;
  readonly redact: (text: string) => string;
}

/** True on GitHub Actions (the runner sets GITHUB_ACTIONS=true in every step). */
export const onGithubActions = (env: NodeJS.ProcessEnv): boolean => env['GITHUB_ACTIONS'] === 'true';

/** `file=` of an annotation: relative to the checkout (GITHUB_WORKSPACE), `/`-separated. */
export function workspacePath(env: NodeJS.ProcessEnv, cwd: string): RelativePath {
  const base = path.resolve(env['GITHUB_WORKSPACE'] || cwd);
  return (absolute) => {
    const rel = path.relative(base, absolute);
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? absolute : rel.split(path.sep).join('/');
  };
}

export async function createView(c: ViewContext): Promise<View> {
  const { args, io, sink, log } = c;
  const github = onGithubActions(io.env);
  const relative = workspacePath(io.env, path.resolve(args.cwd));
  const end = (durationMs: number, list = true) => {
    const { ok, text } = formatRunEnd(log, durationMs, { list });
    (ok ? sink.out : sink.err)(c.redact(text));
  };
  if (args.json) {
    const json = jsonRenderer(sink.out, { verbose: args.verbosity === 'verbose', commands: args.dryRun, log });
    return {
      render: (event) => {
        json(event);
        // Annotations go to stderr: stdout stays JSON only (the runner reads both streams).
        if (github && event.type === 'task-failed')
          for (const a of failureAnnotations(event.task, event.failure, relative)) sink.err(formatAnnotation(a));
      },
      finish: async () => {
        const line = formatFailureLine(log);
        if (line) sink.err(c.redact(line));
      },
    };
  }
  if (args.dryRun) {
    return {
      render: dryRunRenderer(sink),
      finish: async (ms) => {
        if (log.count('failed') > 0) end(ms);
      },
    };
  }
  if (github) {
    return {
      render: githubRenderer(sink, { verbosity: args.verbosity, log, token: randomUUID(), relative }),
      finish: async (ms) => end(ms),
    };
  }
  // listr2's view only on a real, sized terminal, outside CI, for small graphs: its redraws grow
  // with the square of the task count, and a 0x0 pty shows nothing at all. --verbose and --quiet
  // are line views (every line kept; almost none).
  const useListr =
    args.verbosity === 'default' &&
    !args.stdout &&
    io.stdout.isTTY === true &&
    (io.stdout.columns ?? 0) > 0 &&
    !io.env['CI'] &&
    c.selection.order.length <= LISTR_MAX_TASKS;
  if (!useListr)
    return { render: lineRenderer(sink, { verbosity: args.verbosity, log }), finish: async (ms) => end(ms) };
  const { createListrView } = await import('../lib/render/listr.js');
  const view = await createListrView(
    c.selection.order.map((id) => ({ name: id, description: c.graph.nodes.get(id)!.description })),
    log,
    io.stdout.columns ?? 80,
  );
  return {
    render: view.onEvent,
    finish: async (ms) => {
      await view.finished;
      // Tables (the audit's checks) and failure details: below the view, which shows one line each.
      for (const t of log.finished)
        if (t.summary?.details) sink.out(`\n${t.summary.details((io.stdout.columns ?? 81) - 1)}`);
      const failures = formatFailureBlocks(log);
      if (failures) sink.err(`\n${c.redact(failures)}`);
      if (log.finished.some((t) => t.summary?.details) || failures) sink.out('');
      end(ms, false);
    },
  };
}
