/**
 * The docs cannot drift (issue 14, item 7): every fenced block marked runnable in README.md and
 * docs/*.md is run here, in a temp project, with the recording docker stand-in and the Trivy
 * stand-in first on PATH and this checkout installed as the project's `cloudy-tasks` (so `npx`
 * finds it locally and never reaches the network). The markers (README, "Development"):
 *
 * - ```` ```sh runnable ````: run with `bash -euo pipefail` in the project; must exit 0.
 * - ```` ```cron runnable ````: a crontab. Variable lines (`PATH=…`, `MAILTO=…`) are set; each
 *   job line runs as cron runs it: the five time fields dropped, `\%` turned into `%` (an
 *   unescaped `%` fails the test: cron would cut the line there), through `/bin/sh`, with
 *   `/srv/<dir>` meaning the project and `/var/log/` a temp directory. cron mails what a job prints,
 *   so a job that succeeded must print nothing, and its run must be in `.cloudy/history.jsonl`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cliEnv, makeProject, type Project, repoRoot } from '../helpers/rig.js';

export interface Runnable {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly kind: 'sh' | 'cron';
  readonly body: string;
}

/** Every runnable fence of a Markdown text. */
export function runnableBlocks(file: string, text: string): Runnable[] {
  const out: Runnable[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(sh|cron) runnable\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    out.push({ file, line: i + 1, kind: open[2] as 'sh' | 'cron', body: body.join('\n') });
    i = j;
  }
  return out;
}

const docs = ['README.md', ...readdirSync(path.join(repoRoot, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const blocks = docs.flatMap((f) => runnableBlocks(f, readFileSync(path.join(repoRoot, f), 'utf8')));

/** A project with this checkout installed as its `cloudy-tasks` (node_modules/.bin too). */
function docsProject(): Project {
  const project = makeProject({
    files: { '.env.example': readFileSync(path.join(repoRoot, '.env.example'), 'utf8') },
  });
  mkdirSync(path.join(project.dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(repoRoot, path.join(project.dir, 'node_modules', 'cloudy-tasks'));
  symlinkSync(
    path.join('..', 'cloudy-tasks', 'bin', 'cloudy-tasks.js'),
    path.join(project.dir, 'node_modules', '.bin', 'cloudy-tasks'),
  );
  return project;
}

/** The stand-ins' PATH entries (cliEnv puts them first), to put before a crontab's own PATH. */
function standInPath(project: Project): string {
  const all = (cliEnv(project).PATH ?? '').split(path.delimiter);
  const system = (process.env['PATH'] ?? '').split(path.delimiter);
  return all.filter((d) => !system.includes(d)).join(path.delimiter);
}

function runSh(block: Runnable, project: Project): { code: number | null; output: string } {
  const env = cliEnv(project);
  env['PATH'] = [path.join(project.dir, 'node_modules', '.bin'), env['PATH']].join(path.delimiter);
  env['npm_config_update_notifier'] = 'false';
  // npm would otherwise write its logs and cache to the user's home.
  env['npm_config_cache'] = path.join(project.dir, '..', `${path.basename(project.dir)}.npm`);
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block.body], {
    cwd: project.dir,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Run a crontab as cron would (see the module comment); the output of each job. */
function runCron(block: Runnable, project: Project, logDir: string): { job: string; output: string }[] {
  const vars: Record<string, string> = {};
  const jobs: { job: string; output: string }[] = [];
  for (const raw of block.body.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const assignment = /^([A-Z_]+)=(.*)$/.exec(line);
    if (assignment) {
      vars[assignment[1]!] = assignment[2]!;
      continue;
    }
    const command = line.split(/\s+/).slice(5).join(' ');
    const unescaped = /(^|[^\\])%/.test(command);
    assert.not.ok(unescaped, `${block.file}:${block.line}: an unescaped % in a crontab line ends the command there`);
    const shell = command
      .replace(/\\%/g, '%')
      .replace(/\/srv\/[A-Za-z0-9._-]+/g, project.dir)
      .replace(/\/var\/log\//g, `${logDir}/`);
    // cron's environment: HOME, SHELL=/bin/sh, and PATH=/usr/bin:/bin unless the crontab sets one.
    const env: NodeJS.ProcessEnv = {
      HOME: project.dir,
      SHELL: '/bin/sh',
      PATH: `${standInPath(project)}${path.delimiter}${vars['PATH'] ?? '/usr/bin:/bin'}`,
      STANDIN_LOG: project.log,
      ...Object.fromEntries(Object.entries(vars).filter(([k]) => k !== 'PATH')),
    };
    const r = spawnSync('/bin/sh', ['-c', shell], { cwd: '/', env, encoding: 'utf8', timeout: 30_000 });
    jobs.push({ job: command, output: `${r.stdout}${r.stderr}` });
  }
  return jobs;
}

const Docs = suite('docs: runnable examples');
const made: Project[] = [];
Docs.after(() => {
  for (const p of made) {
    p.cleanup();
    rmSync(path.join(p.dir, '..', `${path.basename(p.dir)}.npm`), { recursive: true, force: true });
  }
});

Docs('the docs mark their runnable examples (README and docs/ both)', () => {
  assert.ok(blocks.length >= 8, `only ${blocks.length} runnable blocks`);
  assert.ok(blocks.some((b) => b.file === 'README.md'));
  assert.ok(blocks.some((b) => b.file === 'docs/scheduling.md' && b.kind === 'cron'));
  // The stand-ins must exist, or every block would pass by doing nothing.
  execFileSync(path.join(repoRoot, 'test', 'fixtures', 'bin', 'trivy'), ['--version']);
  assert.ok(existsSync(path.join(repoRoot, 'dist')), 'run node scripts/build.mjs first: the CLI runs dist/');
});

for (const block of blocks) {
  const first = block.body.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  Docs(`${block.file}:${block.line} (${block.kind}): ${first.slice(0, 70)}`, () => {
    const project = docsProject();
    made.push(project);
    if (block.kind === 'sh') {
      const r = runSh(block, project);
      assert.is(r.code, 0, `${block.file}:${block.line} failed:\n${block.body}\n--- output ---\n${r.output}`);
      return;
    }
    const logDir = mkdtempSync(path.join(tmpdir(), 'cloudy-docs-log-'));
    try {
      for (const { job, output } of runCron(block, project, logDir))
        assert.is(
          output,
          '',
          `${block.file}:${block.line}: a successful job printed (cron would mail it):\n${job}\n${output}`,
        );
      const history = path.join(project.dir, '.cloudy', 'history.jsonl');
      assert.ok(existsSync(history), `${block.file}:${block.line}: the job did not run cloudy-tasks`);
      const runs = readFileSync(history, 'utf8').trim().split('\n');
      for (const run of runs) assert.is((JSON.parse(run) as { outcome: string }).outcome, 'succeeded', run);
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
}

Docs.run();
