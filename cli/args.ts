/**
 * Command-line parsing (node:util parseArgs: no dependency, nothing to load for `--help`).
 * Returns a failure value for bad usage; the caller renders it and exits 2.
 */

import os from 'node:os';
import { parseArgs } from 'node:util';
import type { ParamSpecs, ParamWord } from '../lib/engine/params.js';
import type { AnyParams } from '../lib/engine/task.js';
import type { Failure } from '../lib/failure.js';
import { err, ok, type Result } from '../lib/util/result.js';
import { closest } from '../lib/util/suggest.js';

export interface CliArgs {
  readonly targets: readonly string[];
  readonly list: boolean;
  readonly graph: 'mermaid' | 'dot' | undefined;
  readonly dryRun: boolean;
  readonly json: boolean;
  /** How much the human views say: `--quiet`, default, `--verbose`. */
  readonly verbosity: 'quiet' | 'default' | 'verbose';
  /** `--junit FILE`: write a JUnit XML report of the tasks there. */
  readonly junit: string | undefined;
  readonly concurrency: number;
  readonly keepGoing: boolean;
  readonly ifChanged: boolean;
  /** Task flags of the compose and incident tasks (issue 12). */
  readonly profiles: readonly string[];
  readonly stdout: boolean;
  readonly noStop: boolean;
  /** `--force`: rebuild, rescan and redeploy even when the inputs are unchanged. */
  readonly force: boolean;
  /** `--adopt`: deploy-secure may replace a container of that name this project did not create. */
  readonly adopt: boolean;
  /** `--explain`: after the run, one line per task saying why it ran or had nothing to do. */
  readonly explain: boolean;
  /** `history --limit N`: how many runs to show (0: all kept). */
  readonly limit: number;
  readonly config: string | undefined;
  readonly cwd: string;
  readonly help: boolean;
  readonly version: boolean;
  /** `--summary`: what the named tasks are and do (the same as `help <task>`). */
  readonly summary: boolean;
  /** `--env NAME`: `.env.NAME` over `.env`, and `environments.NAME` over the config. */
  readonly env: string | undefined;
  /** `--name[=value]` words after a target that are no option of ours: the task's parameters. */
  readonly taskWords: readonly ParamWord[];
  /** The bound parameter values of each selected task that declares any (set by cli/main.ts). */
  readonly params?: ReadonlyMap<string, AnyParams>;
}

const OPTIONS = {
  list: { type: 'boolean' },
  graph: { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  junit: { type: 'string' },
  concurrency: { type: 'string', short: 'j' },
  'keep-going': { type: 'boolean', short: 'k' },
  'if-changed': { type: 'boolean' },
  profile: { type: 'string', multiple: true },
  stdout: { type: 'boolean' },
  'no-stop': { type: 'boolean' },
  force: { type: 'boolean' },
  adopt: { type: 'boolean' },
  explain: { type: 'boolean' },
  limit: { type: 'string' },
  config: { type: 'string', short: 'c' },
  cwd: { type: 'string', short: 'C' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  summary: { type: 'boolean' },
  env: { type: 'string', short: 'e' },
} as const;

/** Each option's kind, by long name (`string`: it takes a value). */
export const OPTION_TYPES: Readonly<Record<string, 'string' | 'boolean'>> = Object.fromEntries(
  Object.entries(OPTIONS).map(([name, o]) => [name, o.type]),
);

/** The CLI's own option names: no task parameter may take one of them. */
export const OPTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(OPTIONS), 'graph']);

/** Short options that take a value (`-j 4`): the next word is theirs. */
const SHORT_WITH_VALUE = new Set(
  Object.values(OPTIONS)
    .filter((o) => o.type === 'string' && 'short' in o)
    .map((o) => (o as { short: string }).short),
);

export const HELP = `cloudy-tasks: a typed task graph that builds, scans and deploys hardened images

Usage: cloudy-tasks <task> [--param value ...] [<task> ...] [options]
       cloudy-tasks                 run the config's default task(s)
       cloudy-tasks help <task>     what a task does, needs, runs and takes
       cloudy-tasks history [--limit N] [--json]
       cloudy-tasks completion bash|zsh|fish

Built-in tasks:
  preflight            secrets in the build context, Dockerfile lint (no Trivy)
  docker               build the image (BUILD_DATE, VCS_REF, VERSION build args)
  security-scan        Trivy image and config scans, gated on severity
  deploy-secure        run the scanned image hardened, verify it, roll back on
                       failure (one host, a fleet, or a Swarm service)
  audit                check the running container's hardening (CIS ids)
  update-base-images   pull the base images, report which digests changed
  rebuild-no-cache     rebuild without cache, with fresh base images
  push                 push the scanned image to image.registry, by digest
  k8s-manifests        write hardened Kubernetes manifests (validated offline)
  compose-file         write a hardened docker-compose.yml from the same policy
  compose-audit        check the effective compose config against the guide
  dev-up / dev-down    start / remove the compose dev stack (volumes kept)
  incident             the incident runbook: stop, keep evidence, scan, summary
Run cloudy-tasks --list to see all tasks, including those in your config.
Nothing changed means nothing happens: docker, security-scan and deploy-secure
skip their work when their inputs are unchanged; --explain says why each ran.

Commands:
  help <task...>       a task's description, dependencies, commands and options
  history              the recorded runs as a table; --json for machines
  completion <shell>   a completion script for bash, zsh or fish

Options:
  --list               list the tasks; --json for machines, -q names only
  --summary            with task names: the same as help <task...>
  -e, --env NAME       load .env.NAME over .env, merge environments.NAME
  --graph [dot]        print the task graph as Mermaid (default) or Graphviz dot
  -n, --dry-run        print every command the tasks would run; run none
  --json               one JSON object per event on stdout, nothing else
  --verbose            every command and all tool output, as it comes
  -q, --quiet          only failures and the final line
  --junit FILE         write a JUnit XML report of the tasks to FILE
  -j, --concurrency N  run at most N tasks at once (default: number of CPUs)
  -k, --keep-going     after a failure, keep running tasks that do not need it
  --if-changed         rebuild-no-cache: skip when no base image changed
  --profile NAME       dev-up: also start this compose profile (repeatable)
  --stdout             compose-file: print the file instead of writing it
  --no-stop            incident: collect the evidence, leave it running
  --force              rebuild, rescan and redeploy even when nothing changed
  --adopt              deploy-secure: take over a container it did not start
  --explain            after the run, why each task ran, was up to date or not
  --limit N            history: the last N runs (default 20; 0 for all)
  -c, --config FILE    use this config file instead of searching for one
  -C, --cwd DIR        run as if started in DIR
  -h, --help           show this help
  -v, --version        print the version

Exit codes:
  0 success; 1 a task failed; 2 usage, config or environment error (nothing
  ran); 75 another run holds the lock (try later); 130 / 143 interrupted
  (SIGINT / SIGTERM)

Docs: README.md (configuration, writing tasks, scheduling).`;

/**
 * @param paramsOf the declared parameters of a task (the second pass, once the tasks are known):
 *   a string or number parameter then takes the next word as its value.
 */
export function parseCli(
  argv: readonly string[],
  paramsOf?: (task: string) => ParamSpecs | undefined,
): Result<CliArgs, Failure> {
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
  const split = splitTaskWords(args, paramsOf);
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: split.ours, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return err({ reason: 'usage', message: usageProblem(e, split.ours) });
  }
  const v = parsed.values;
  const badProfile = (v.profile ?? []).find((p) => !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(p));
  if (badProfile !== undefined)
    return err({ reason: 'usage', message: `--profile takes a profile name such as "ollama", not "${badProfile}"` });
  if (v.verbose && v.quiet) return err({ reason: 'usage', message: '--verbose and --quiet cannot be used together' });
  if (v.junit !== undefined && v.junit.trim() === '')
    return err({ reason: 'usage', message: '--junit needs a file name, e.g. --junit reports/junit.xml' });
  const concurrencyText = v.concurrency ?? String(Math.max(1, os.availableParallelism()));
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return err({ reason: 'usage', message: `--concurrency takes a whole number >= 1, not "${concurrencyText}"` });
  }
  if (v.env !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v.env))
    return err({
      reason: 'usage',
      message: `--env takes an environment name of letters, digits, - and _ such as "staging", not "${v.env}"`,
    });
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
    verbosity: v.verbose ? 'verbose' : v.quiet ? 'quiet' : 'default',
    junit: v.junit,
    concurrency,
    keepGoing: v['keep-going'] ?? false,
    ifChanged: v['if-changed'] ?? false,
    profiles: v.profile ?? [],
    stdout: v.stdout ?? false,
    noStop: v['no-stop'] ?? false,
    force: v.force ?? false,
    adopt: v.adopt ?? false,
    explain: v.explain ?? false,
    limit,
    config: v.config,
    cwd: v.cwd ?? process.cwd(),
    help: v.help ?? false,
    version: v.version ?? false,
    summary: v.summary ?? false,
    env: v.env,
    taskWords: split.words,
  });
}

/**
 * Splits the words into ours (options of cloudy-tasks, targets) and the tasks' parameters: a
 * `--name` that is no option of ours, after a target, belongs to the nearest target before it.
 * Whether it takes the next word as its value depends on its type, known once the tasks are:
 * `paramsOf` (the second pass, cli/main.ts) says; without it (the first pass, before the config
 * is loaded) no word is taken, and the targets found are provisional.
 */
function splitTaskWords(
  argv: readonly string[],
  paramsOf: ((task: string) => ParamSpecs | undefined) | undefined,
): { ours: string[]; words: ParamWord[] } {
  const ours: string[] = [];
  const words: ParamWord[] = [];
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      ours.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq === -1 ? undefined : eq);
      const option = Object.hasOwn(OPTIONS, name) ? OPTIONS[name as keyof typeof OPTIONS] : undefined;
      if (option !== undefined || target === undefined) {
        ours.push(a);
        if (option?.type === 'string' && eq === -1 && i + 1 < argv.length) ours.push(argv[++i]!);
        continue;
      }
      const inline = eq === -1 ? undefined : a.slice(eq + 1);
      const after = argv[i + 1];
      const next = after !== undefined && !after.startsWith('-') ? after : undefined;
      words.push({ task: target, name, inline, next });
      const spec = paramsOf?.(target)?.[name];
      if (spec !== undefined && spec.type !== 'boolean' && inline === undefined && next !== undefined) i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      ours.push(a);
      if (a.length === 2 && SHORT_WITH_VALUE.has(a[1]!) && i + 1 < argv.length) ours.push(argv[++i]!);
      continue;
    }
    ours.push(a);
    target = a;
  }
  return { ours, words };
}

/** What each option that takes a value expects, for "needs a value" messages. */
const VALUE_OF: Readonly<Record<string, string>> = {
  concurrency: 'a whole number >= 1',
  config: 'a config file',
  junit: 'a file name for the JUnit report',
  cwd: 'a directory',
};

/**
 * parseArgs' errors in our words: the option as the user typed it, what it needs, and a
 * suggestion for a misspelt one. (Its own messages explain how parseArgs works, e.g. "argument is
 * ambiguous ... use '--concurrency=-XYZ'" for `-j -1`.)
 */
function usageProblem(error: unknown, args: readonly string[]): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ,]+)/.exec(message)?.[1] ?? '';
  const name = longName(flag);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const guess = flag.startsWith('--') ? closest(flag.slice(2), Object.keys(OPTIONS)) : undefined;
    return `unknown option ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name !== undefined) {
    const at = args.indexOf(flag);
    const next = at === -1 ? undefined : args[at + 1];
    const wants = VALUE_OF[name] ?? 'a value';
    if (name === 'concurrency' && next !== undefined) return `--concurrency takes a whole number >= 1, not "${next}"`;
    return next?.startsWith('-')
      ? `--${name} needs ${wants}, not the option "${next}" (write --${name}=${next} if that is the value)`
      : `--${name} needs ${wants}`;
  }
  return message.split('\n')[0] ?? message;
}

/** `-j` → `concurrency`, `--cwd` → `cwd`; undefined for an option we do not have. */
function longName(flag: string): string | undefined {
  if (flag.startsWith('--')) return flag.slice(2) in OPTIONS ? flag.slice(2) : undefined;
  const short = flag.slice(1);
  return Object.entries(OPTIONS).find(([, o]) => 'short' in o && o.short === short)?.[0];
}
