/**
 * `cloudy-tasks --list`: one task a line, name, description and dependencies. On a terminal the
 * line is wrapped to its width under the description column; into a pipe or a file it stays one
 * line per task, for grep and scripts.
 */
import { wrapHanging } from './text.js';

export interface ListedTask {
  readonly id: string;
  readonly description: string;
  readonly deps: readonly string[];
}

export function formatTaskList(rows: readonly ListedTask[], columns?: number): string[] {
  const width = Math.max(0, ...rows.map((n) => n.id.length));
  return rows.flatMap((n) => {
    const line = `${n.id.padEnd(width)}  ${n.description.trim() || '–'}${n.deps.length ? `  (deps: ${n.deps.join(', ')})` : ''}`;
    // Too narrow for a hanging indent to help: plain lines, as the terminal wraps them.
    if (columns === undefined || columns - (width + 2) < 30) return [line];
    return wrapHanging(line, columns - 1, width + 2);
  });
}
