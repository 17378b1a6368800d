/**
 * Command-line parsing (node:util parseArgs: no dependency, nothing to load for `--help`).
 * Returns a failure value for bad usage; the caller renders it and exits 2.
 */

import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Failure } from '../lib/failure.js';
import { err, ok, type Result } from '../lib/util/result.js';
import { closest } from '../lib/util/suggest.js';

export interface CliArgs {
  readonly targets: readonly string[];
  readonly list: boolean;
  readonly graph: 'mermaid' | 'dot' | undefined;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly concurrency: number;
  readonly keepGoing: boolean;
  readonly ifChanged: boolean;
  /** `--force`: rebuild, rescan and redeploy even when the inputs are unchanged. */
  readonly force: boolean;
  /** `--explain`: after the run, one line per task saying why it ran or had nothing to do. */
  readonly explain: boolean;
  /** `history --limit N`: how many runs to show (0: all kept). */
  readonly limit: number;
  readonly config: string | undefined;
  readonly cwd: string;
  readonly help: boolean;
  readonly version: boolean;
}

const OPTIONS = {
  list: { type: 'boolean' },
  graph: { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
  json: { type: 'boolean' },
  concurrency: { type: 'string', short: 'j' },
  'keep-going': { type: 'boolean', short: 'k' },
  'if-changed': { type: 'boolean' },
  force: { type: 'boolean' },
  explain: { type: 'boolean' },
  limit: { type: 'string' },
  config: { type: 'string', short: 'c' },
  cwd: { type: 'string', short: 'C' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export const HELP = `cloudy-tasks: build, scan and deploy a hardened Docker image with a typed task graph

Usage: cloudy-tasks <task...> [options]
       cloudy-tasks history [--limit N] [--json]

Built-in tasks:
  preflight            secrets in the build context, Dockerfile hardening lint (no Trivy)
  docker               build the image (BUILD_DATE, VCS_REF, VERSION build args)
  security-scan        Trivy image and config scans, gated on severity, with reports
  deploy-secure        run the scanned image with hardening flags, verify, roll back on failure
  audit                check the running container's hardening (CIS Docker Benchmark ids)
  update-base-images   pull base images and report which digests changed
  rebuild-no-cache     rebuild without cache and with fresh base images
Run cloudy-tasks --list to see all tasks, including those in your config.
Nothing changed means nothing happens: docker, security-scan and deploy-secure skip their work
when their inputs are unchanged ("up to date (...)"); --explain says why each task ran.

Commands:
  history              the recorded runs (.cloudy/history.jsonl) as a table; --json for machines

Options:
  --list               list tasks (name, description, dependencies); with --json for machines
  --graph [dot]        print the task graph as Mermaid (default) or Graphviz dot
  -n, --dry-run        print every command the tasks would run, in order; run none
  --json               one JSON object per line per task event on stdout, nothing else
  -j, --concurrency N  run at most N tasks at once (default: number of CPUs)
  -k, --keep-going     after a failure, keep running tasks that do not depend on it
  --if-changed         rebuild-no-cache: skip when no base image changed since the last rebuild
  --force              rebuild, rescan and redeploy even when nothing changed
  --explain            after the run, one line per task: why it ran, was up to date or skipped
  --limit N            history: show the last N runs (default 20; 0 for all)
  -c, --config FILE    use this config file instead of searching for one
  -C, --cwd DIR        run as if started in DIR
  -h, --help           show this help
  -v, --version        print the version

Exit codes:
  0 success; 1 a task failed; 2 usage, config or environment error (nothing ran);
  75 another run holds the lock (try later); 130 interrupted (SIGINT); 143 terminated (SIGTERM)

Docs: README.md (configuration, writing tasks, scheduling).`;

export function parseCli(argv: readonly string[]): Result<CliArgs, Failure> {
  // `--graph dot` takes an optional value, which parseArgs cannot express: fold it first.
  const args: string[] = [];
  let graph: CliArgs['graph'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--graph' || a.startsWith('--graph=')) {
      const value = a.includes('=')
        ? a.slice('--graph='.length)
        : argv[i + 1] === 'dot' || argv[i + 1] === 'mermaid'
          ? argv[++i]
          : 'mermaid';
      if (value !== 'dot' && value !== 'mermaid')
        return err({ reason: 'usage', message: `--graph takes "mermaid" or "dot", not "${value}"` });
      graph = value;
      continue;
    }
    args.push(a);
  }
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const flag = /'(-{1,2}[^' ]+)'/.exec(message)?.[1];
    const guess = flag?.startsWith('--') ? closest(flag.slice(2), Object.keys(OPTIONS)) : undefined;
    return err({ reason: 'usage', message: `${message.split('.')[0]}${guess ? ` (did you mean --${guess}?)` : ''}` });
  }
  const v = parsed.values;
  const concurrencyText = v.concurrency ?? String(Math.max(1, os.availableParallelism()));
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return err({ reason: 'usage', message: `--concurrency takes a whole number >= 1, not "${concurrencyText}"` });
  }
  const limitText = v.limit ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) {
    return err({ reason: 'usage', message: `--limit takes a whole number >= 0, not "${limitText}"` });
  }
  return ok({
    targets: parsed.positionals,
    list: v.list ?? false,
    graph,
    dryRun: v['dry-run'] ?? false,
    json: v.json ?? false,
    concurrency,
    keepGoing: v['keep-going'] ?? false,
    ifChanged: v['if-changed'] ?? false,
    force: v.force ?? false,
    explain: v.explain ?? false,
    limit,
    config: v.config,
    cwd: v.cwd ?? process.cwd(),
    help: v.help ?? false,
    version: v.version ?? false,
  });
}
