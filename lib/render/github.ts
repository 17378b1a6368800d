/**
 * GitHub Actions (`GITHUB_ACTIONS=true`): each task's commands and output in a collapsible group
 * (`::group::`), its result line after the group, and `::error`/`::warning` annotations for
 * failures, preflight findings (with `file=` and `line=`) and config errors.
 *
 * Groups cannot interleave, and concurrent tasks do: the first running task's group is open and
 * streams live; the others are buffered and shown, each in its own group, once the open one ends.
 * Inside a group, tool output is untrusted: a build log line `::add-mask::…` or `::endgroup::`
 * would be read by the runner as a command, so the group's content is framed by
 * `::stop-commands::<token>` and `::<token>::`, as GitHub documents for untrusted output.
 * Escaping follows @actions/core (command.ts): `%`, CR and LF in the message; also `:` and `,` in
 * properties. See https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
 */
import type { RunEvent } from '../engine/runner.js';
import type { Failure, LocatedFinding } from '../failure.js';
import { formatFailure } from './failure.js';
import { lineRenderer, type Verbosity } from './line.js';
import type { RunLog } from './run-log.js';
import type { Sink } from './sink.js';
import { formatDuration, shorten } from './text.js';

/** An annotation's message data: `%`, CR and LF escaped. */
export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** An annotation property value (`title`, `file`): like data, and `:` and `,` too. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Annotations longer than this are cut (GitHub shows only the start of long ones anyway). */
const MAX_MESSAGE = 4000;

export interface Annotation {
  readonly level: 'error' | 'warning' | 'notice';
  readonly message: string;
  readonly title?: string;
  /** Relative to the repository root (the workspace). */
  readonly file?: string;
  readonly line?: number;
}

/** `::error file=Dockerfile,line=3,title=preflight%3A user-root::message`. */
export function formatAnnotation(a: Annotation): string {
  const props = [
    a.file !== undefined ? `file=${escapeProperty(a.file)}` : undefined,
    a.file !== undefined && a.line !== undefined ? `line=${a.line}` : undefined,
    a.title !== undefined ? `title=${escapeProperty(a.title)}` : undefined,
  ].filter((p) => p !== undefined);
  return `::${a.level}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(shorten(a.message, MAX_MESSAGE))}`;
}

/** Maps an absolute path to what `file=` needs: the path relative to the workspace. */
export type RelativePath = (absolute: string) => string;

/** One annotation per finding that points into a file. */
export function locatedAnnotations(task: string, findings: readonly LocatedFinding[], relative: RelativePath) {
  return findings.map(
    (f): Annotation => ({
      level: f.severity === 'error' ? 'error' : 'warning',
      title: `${task}: ${f.rule}`,
      file: relative(f.path),
      ...(f.line !== undefined ? { line: f.line } : {}),
      message: f.message,
    }),
  );
}

/** A task's failure as annotations: one per located finding when it has them, else one. */
export function failureAnnotations(task: string, failure: Failure, relative: RelativePath): Annotation[] {
  if (failure.reason === 'checks-failed' && failure.located && failure.located.length > 0)
    return locatedAnnotations(task, failure.located, relative);
  return [{ level: 'error', title: `cloudy-tasks: ${task} failed`, message: formatFailure(failure) }];
}

/** Warnings a successful task's output points at (preflight findings). */
function outputAnnotations(task: string, output: unknown, relative: RelativePath): Annotation[] {
  const findings = (output as { findings?: unknown } | null | undefined)?.findings;
  if (task !== 'preflight' || !Array.isArray(findings)) return [];
  return locatedAnnotations(task, findings as LocatedFinding[], relative);
}

export interface GithubOptions {
  readonly verbosity: Verbosity;
  readonly log: RunLog;
  /** Unguessable: ends `::stop-commands::` (untrusted output cannot resume commands). */
  readonly token: string;
  readonly relative: RelativePath;
}

interface Turn {
  readonly task: string;
  readonly lines: string[];
  /** Set once the task has ended: prints its result (after its group). */
  end?: () => void;
  /** A skipped task has no group, only its line. */
  readonly grouped: boolean;
}

export function githubRenderer(sink: Sink, options: GithubOptions): (event: RunEvent) => void {
  const { verbosity, log, token, relative } = options;
  const annotate = (list: readonly Annotation[]) => {
    for (const a of list) sink.err(formatAnnotation(a));
  };
  if (verbosity === 'quiet') {
    const lines = lineRenderer(sink, { verbosity, log });
    return (event) => {
      lines(event);
      if (event.type === 'task-failed') annotate(failureAnnotations(event.task, event.failure, relative));
    };
  }
  const queue: Turn[] = [];
  const turns = new Map<string, Turn>();
  let open: string | undefined;
  const content = (task: string, line: string) => {
    if (open === task) sink.out(line);
    else turns.get(task)?.lines.push(line);
  };
  const advance = () => {
    while (open === undefined && queue.length > 0) {
      const turn = queue[0]!;
      if (turn.grouped) {
        sink.out(`::group::${turn.task}`);
        sink.out(`::stop-commands::${token}`);
        open = turn.task;
        for (const line of turn.lines.splice(0)) sink.out(line);
        if (!turn.end) return;
        close();
      }
      queue.shift();
      turn.end?.();
    }
  };
  const close = () => {
    sink.out(`::${token}::`);
    sink.out('::endgroup::');
    open = undefined;
  };
  const ended = (task: string, end: () => void) => {
    const turn = turns.get(task);
    if (!turn) return end();
    turn.end = end;
    if (open !== task) return;
    close();
    queue.shift();
    end();
    advance();
  };
  return (event) => {
    const tag = `[${event.task}]`;
    switch (event.type) {
      case 'task-started': {
        const turn: Turn = { task: event.task, lines: [], grouped: true };
        turns.set(event.task, turn);
        queue.push(turn);
        return advance();
      }
      case 'task-progress':
        return content(event.task, event.message);
      case 'command':
        if (!event.poll || verbosity === 'verbose') content(event.task, `$ ${event.command}`);
        return;
      case 'output':
        return content(event.task, event.line);
      case 'task-succeeded':
        return ended(event.task, () => {
          const summary = log.get(event.task)?.summary;
          sink.out(`${tag} done in ${formatDuration(event.durationMs)}${summary ? `: ${summary.line}` : ''}`);
          if (summary?.details) for (const line of summary.details().split('\n')) sink.out(`${tag}   ${line}`);
          annotate(outputAnnotations(event.task, event.output, relative));
        });
      case 'task-failed':
        return ended(event.task, () => {
          sink.err(`${tag} FAILED after ${formatDuration(event.durationMs)}: ${formatFailure(event.failure)}`);
          annotate(failureAnnotations(event.task, event.failure, relative));
        });
      case 'task-skipped': {
        const turn: Turn = { task: event.task, lines: [], grouped: false };
        turn.end = () => sink.out(`${tag} skipped: ${event.reason}`);
        turns.set(event.task, turn);
        queue.push(turn);
        return advance();
      }
    }
  };
}
