/**
 * `cloudy-tasks history [--limit N] [--json]`: read `.cloudy/history.jsonl` (and its rotated
 * predecessor) and show the runs. Reading takes no lock: records are whole lines.
 */
import type { Sink } from '../lib/render/sink.js';
import { historyPath, readRunHistory } from '../lib/store/history.js';
import type { CliArgs } from './args.js';

export async function historyCommand(
  projectDir: string,
  args: Pick<CliArgs, 'json' | 'limit' | 'targets'>,
  sink: Sink,
): Promise<number> {
  if (args.targets.length > 1) {
    sink.err(`cloudy-tasks: history takes no task names (got ${args.targets.slice(1).join(' ')}); see --help`);
    return 2;
  }
  const history = await readRunHistory(historyPath(projectDir), args.limit === 0 ? undefined : args.limit);
  if (!history.ok) {
    sink.err(`cloudy-tasks: ${history.problem}`);
    return 2;
  }
  if (args.json) sink.out(JSON.stringify(history.records));
  else {
    const { formatHistory } = await import('../lib/render/history.js');
    sink.out(formatHistory(history.records));
  }
  if (history.skippedLines > 0)
    sink.err(`cloudy-tasks: ${history.skippedLines} unreadable line(s) in the history were skipped`);
  return 0;
}
