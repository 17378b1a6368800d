/**
 * `--dry-run`: stdout gets exactly the commands, one per line, in execution order, so the output
 * can be saved and run as a script. Everything else goes to stderr.
 */
import type { RunEvent } from '../engine/runner.js';
import { formatFailure } from './failure.js';
import type { Sink } from './sink.js';

export function dryRunRenderer(sink: Sink): (event: RunEvent) => void {
  return (event) => {
    // Read-only probes (git metadata) really ran, to give the printed commands real values.
    if (event.type === 'command')
      (event.dryRun ? sink.out : sink.err)(event.dryRun ? event.command : `# ran (read-only): ${event.command}`);
    else if (event.type === 'task-started') sink.err(`# ${event.task}`);
    else if (event.type === 'task-failed') sink.err(`[${event.task}] FAILED: ${formatFailure(event.failure)}`);
    else if (event.type === 'task-skipped') sink.err(`[${event.task}] skipped: ${event.reason}`);
    else if (event.type === 'task-progress') sink.err(`# ${event.task}: ${event.message}`);
  };
}
