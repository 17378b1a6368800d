/**
 * The executable: wires the built-in tasks into the engine and turns `main`'s result into the
 * process exit code. Kept tiny so every behaviour lives in testable modules. The built-ins are
 * loaded only when needed (`--help` and `--version` never load them).
 */
import { main } from './main.js';

/**
 * A closed pipe (`cloudy-tasks --list | head -1`) is not an error of ours: what the reader did not
 * want is dropped, and the run goes on to its normal end (its cleanup, history record and lock
 * release included) instead of dying on an EPIPE stack trace. Nothing is written to a stream
 * after it broke.
 */
const broken = new Set<NodeJS.WritableStream>();
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    broken.add(stream);
  });
}

const code = await main(process.argv.slice(2), async () => (await import('../tasks/index.js')).builtinTasks, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Let stdout drain (a pipe may be slow) before exiting with the code; a broken one never drains.
process.exitCode = code;
if (process.stdout.writableLength === 0 || broken.has(process.stdout)) process.exit(code);
else process.stdout.once('drain', () => process.exit(code));
