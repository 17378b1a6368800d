/**
 * Where renderers write: progress and results to stdout, diagnostics to stderr.
 */
export interface Sink {
  /** Progress and results (stdout). */
  readonly out: (line: string) => void;
  /** Diagnostics (stderr). */
  readonly err: (line: string) => void;
}
