/**
 * Untrusted text (labels, health output, Trivy titles, docker errors) on its way to a terminal:
 * control characters (ANSI escapes, newlines, bells) would restyle the screen or break a table.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Control characters as visible `\xNN` escapes (where the exact text matters: checks). */
export const escapeControl = (text: string): string =>
  text.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Control characters as spaces (where only readability matters: finding titles). */
export const blankControl = (text: string): string => text.replace(CONTROL, ' ');

/** At most `max` characters, an ellipsis marking the cut. */
export const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A duration as the views show it: `340ms`, `4.2s`, `75.3s`. */
export const formatDuration = (ms: number): string => (ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`);

/**
 * `text` in lines of at most `width` characters, broken at spaces, each line after the first
 * indented by `indent` spaces (a hanging indent under the first line's text). A word longer
 * than a line stays whole: a path or a digest must never be cut.
 */
export function wrapHanging(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= width || line.trim() === '') line = candidate;
    else {
      lines.push(line);
      line = `${' '.repeat(indent)}${word}`;
    }
  }
  lines.push(line);
  return lines;
}
