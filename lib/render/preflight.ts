/**
 * Preflight findings as lines: `Dockerfile:12  error  user-root  USER 0 ...`.
 */
import type { PreflightFinding } from '../docker/preflight.js';

/** One line per finding: `Dockerfile:12  error  user-root  USER 0 ...`. Empty string for none. */
export function formatPreflight(findings: readonly PreflightFinding[]): string {
  return findings
    .map((f) => {
      const where = f.line === undefined ? f.file : `${f.file}:${f.line}`;
      // The message repeats the location so it can stand alone; the table already shows it.
      const text = f.message.startsWith(`${where}: `) ? f.message.slice(where.length + 2) : f.message;
      return `${where}  ${f.severity}  ${f.rule}  ${text}`;
    })
    .join('\n');
}
