/**
 * Where renderers write: progress and results to stdout, diagnostics to stderr.
 */
export interface Sink {
  /** Progress and results (stdout). */
  readonly out: (line: string) => void;
  /** Diagnostics (stderr). */
  readonly err: (line: string) => void;
}

/** A Sink that batches lines into few large writes; `flush()` writes what is pending now. */
export interface BufferedSink extends Sink {
  flush(): void;
}

/** Flush once this much text is pending, whatever the event loop does. */
const FLUSH_AT = 64 * 1024;

/**
 * Buffered renderer writes: one `write` per event-loop turn (or per 64 KiB) instead of one per
 * line. 10,000 tasks print 20,000 lines; a write per line cost more than running the tasks.
 * Order across the two streams is kept: a line for the other stream first flushes what is
 * pending, so a terminal showing both still reads in event order. Lines reach the streams no
 * later than the next turn of the event loop, so progress still appears as it happens.
 */
export function bufferedSink(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): BufferedSink {
  let pending: string[] = [];
  let size = 0;
  let target: NodeJS.WritableStream = stdout;
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    size = 0;
    target.write(text);
  };
  const add = (stream: NodeJS.WritableStream, line: string) => {
    if (stream !== target) {
      flush();
      target = stream;
    }
    pending.push(`${line}\n`);
    size += line.length + 1;
    if (size >= FLUSH_AT) flush();
    else scheduled ??= setImmediate(flush);
  };
  return { out: (line) => add(stdout, line), err: (line) => add(stderr, line), flush };
}
