/**
 * Options that belong to one task: given to a run that does not include that task, they would
 * be ignored in silence (`deploy-secure --profile ollama` starts no profile). A usage error
 * (exit 2) instead, naming the option and the task it is for, before anything runs.
 */
import type { Selection } from '../lib/engine/graph.js';
import type { Failure } from '../lib/failure.js';
import type { CliArgs } from './args.js';

const SCOPES: readonly { option: string; given: (a: CliArgs) => boolean; tasks: readonly string[] }[] = [
  { option: '--if-changed', given: (a) => a.ifChanged, tasks: ['rebuild-no-cache'] },
  { option: '--profile', given: (a) => a.profiles.length > 0, tasks: ['dev-up', 'dev-down'] },
  { option: '--stdout', given: (a) => a.stdout, tasks: ['compose-file'] },
  { option: '--no-stop', given: (a) => a.noStop, tasks: ['incident'] },
  { option: '--adopt', given: (a) => a.adopt, tasks: ['deploy-secure'] },
];

export function inapplicableOptions(args: CliArgs, selection: Selection): Failure[] {
  const selected = new Set<string>(selection.order);
  return SCOPES.filter((s) => s.given(args) && !s.tasks.some((t) => selected.has(t))).map((s) => ({
    reason: 'usage',
    message: `${s.option} is an option of ${s.tasks.join(' and ')}, which this run does not include; drop it, or add ${s.tasks[0]} to the tasks`,
  }));
}
