/**
 * The executable: wires the built-in tasks into the engine and turns `main`'s result into the
 * process exit code. Kept tiny so every behaviour lives in testable modules. The built-ins are
 * loaded only when needed (`--help` and `--version` never load them).
 */
import { main } from './main.js';

const code = await main(process.argv.slice(2), async () => (await import('../tasks/index.js')).builtinTasks, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Let stdout drain (a pipe may be slow) before exiting with the code.
process.exitCode = code;
if (process.stdout.writableLength === 0) process.exit(code);
else process.stdout.once('drain', () => process.exit(code));
