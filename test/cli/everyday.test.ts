/**
 * The everyday options (issue 14, item 5), end to end through the built CLI: task parameters,
 * the default task, `--env NAME`, `help <task>` / `--summary`, and the completion scripts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { expectFailure } from '../failures/helpers.js';
import { cliPath, GOOD_ENV, runCli, useProjects } from '../helpers/rig.js';

const S = suite('everyday options');
const project = useProjects(S);

/** A config with a typed task taking parameters, a declarative one, a default and environments. */
const CONFIG = `import { defineTask } from 'cloudy-tasks';
const greet = defineTask({
  name: 'greet',
  description: 'say hello',
  params: {
    who: { type: 'string', description: 'whom to greet', required: true },
    times: { type: 'number', description: 'how often', default: 2 },
    loud: { type: 'boolean', description: 'shout' },
    mood: { type: 'string', description: 'how', choices: ['happy', 'grumpy'], default: 'happy' },
  },
  run: (ctx) => ({
    summary: \`\${ctx.env.GREETING} \${ctx.params.who} x\${ctx.params.times} loud=\${ctx.params.loud} mood=\${ctx.params.mood} image=\${ctx.config.image.name} keep=\${ctx.config.image.keep}\`,
  }),
});
const after = defineTask({ name: 'after', description: 'after greet', deps: [greet], run: () => ({ summary: 'after' }) });
export default {
  default: 'hello',
  image: { name: 'base-app', keep: 3 },
  environments: { production: { image: { name: 'prod-app' } } },
  tasks: { greet, after, hello: { description: 'says hi', run: ['echo one', 'echo hi there'] } },
};
`;

const files = (extra: Record<string, string> = {}) => ({ 'cloudy.config.mjs': CONFIG, ...extra });
const env = `${GOOD_ENV}GREETING=base\n`;

/** The result line of a task in the line view: `[task] done in 1ms: <summary>`. */
const resultOf = (stdout: string, task: string) =>
  new RegExp(`^\\[${task}\\] done in \\S+: (.*)$`, 'm').exec(stdout)?.[1];

// ---- parameters ----

S('task --name value and --name=value reach ctx.params typed; defaults fill the rest', async () => {
  const p = project({ files: files(), env });
  let r = await runCli(p, ['greet', '--who', 'bob', '--times=3', '--loud', '--mood', 'grumpy']);
  assert.is(r.code, 0, r.stderr);
  assert.is(resultOf(r.stdout, 'greet'), 'base bob x3 loud=true mood=grumpy image=base-app keep=3');
  r = await runCli(p, ['greet', '--who=ann']);
  assert.is(r.code, 0, r.stderr);
  assert.is(resultOf(r.stdout, 'greet'), 'base ann x2 loud=false mood=happy image=base-app keep=3');
  // --loud=false and the value after a string parameter is not read as a task name.
  r = await runCli(p, ['greet', '--who', 'hello', '--loud=false', 'hello']);
  assert.is(r.code, 0, r.stderr);
  assert.match(resultOf(r.stdout, 'greet') ?? '', /^base hello x2 loud=false/);
  assert.is(resultOf(r.stdout, 'hello'), 'hi there');
});

const paramFailures: [string[], string][] = [
  [['greet'], 'cloudy-tasks: task greet needs --who (required): cloudy-tasks greet --who TEXT'],
  [['greet', '--who'], 'cloudy-tasks: --who of task greet needs a value: --who TEXT or --who=VALUE'],
  [['greet', '--who', 'a', '--times', 'many'], 'cloudy-tasks: --times of task greet takes a number, not "many"'],
  [
    ['greet', '--who', 'a', '--mood', 'sad'],
    'cloudy-tasks: --mood of task greet takes one of happy, grumpy, not "sad"',
  ],
  [
    ['greet', '--who', 'a', '--tims', '3'],
    'cloudy-tasks: unknown option --tims for task greet (did you mean --times?); task greet takes --who, --times, --loud, --mood (cloudy-tasks help greet)',
  ],
  [['greet', '--who', 'a', '--who', 'b'], 'cloudy-tasks: --who of task greet is given more than once; give it once'],
  [
    ['docker', '--forcee'],
    'cloudy-tasks: unknown option --forcee for task docker (did you mean --force?); task docker takes no options of its own (cloudy-tasks help docker)',
  ],
  // A dependency gets its defaults; a required one cannot be defaulted, so it must be named.
  [['after'], 'cloudy-tasks: task greet needs --who (required): cloudy-tasks greet --who TEXT'],
];
for (const [args, line] of paramFailures) {
  S(`parameters: cloudy-tasks ${args.join(' ')} exits 2, nothing runs`, async () => {
    const p = project({ files: files(), env });
    const r = await runCli(p, args);
    expectFailure(r, 2, line);
    assert.equal(p.calls(), []);
  });
}

S('a plain-JS config declaring a bad parameter is refused at load time', async () => {
  const p = project({
    files: {
      'cloudy.config.mjs':
        "import { defineTask } from 'cloudy-tasks';\nexport default { tasks: { t: defineTask({ name: 't', description: 'x', params: { force: { type: 'boolean', description: 'clashes' }, n: { type: 'number', description: 'n', default: 'x' } }, run: () => 1 }) } };\n",
    },
  });
  const r = await runCli(p, ['--list']);
  assert.is(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    `cloudy.config.mjs: tasks["t"].params["force"]: expected a name that is not one of cloudy-tasks' own options, got force`,
  );
  assert.match(r.stderr, 'tasks["t"].params["n"]: expected a default of type number, got "x"');
});

// ---- default task ----

S('a bare cloudy-tasks runs the default task; without one it says how to name a task', async () => {
  const p = project({ files: files(), env });
  const r = await runCli(p, []);
  assert.is(r.code, 0, r.stderr);
  assert.is(resultOf(r.stdout, 'hello'), 'hi there');
  assert.not.match(r.stdout, /\[greet\]/);
  const none = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks: { a: { run: 'true' } } }) } });
  expectFailure(
    await runCli(none, []),
    2,
    'cloudy-tasks: no task given; name one or more tasks, e.g. cloudy-tasks deploy-secure (cloudy-tasks --list shows them), or set default in the config (see cloudy-tasks --help)',
  );
});

S('a default naming no task is a config error (exit 2), with the closest name', async () => {
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ default: 'helo', tasks: { hello: { run: 'true' } } }) },
  });
  expectFailure(
    await runCli(p, ['--list']),
    2,
    'cloudy-tasks: .cloudyrc.json: default: expected the name of a task (cloudy-tasks --list shows them), got "helo" (did you mean "hello"?)',
  );
});

// ---- environments ----

S('--env NAME: .env.NAME wins over .env, the process environment over both', async () => {
  const p = project({ files: files({ '.env.staging': 'GREETING=staging\n' }), env });
  let r = await runCli(p, ['greet', '--who', 'x', '--env', 'staging']);
  assert.is(r.code, 0, r.stderr);
  assert.match(resultOf(r.stdout, 'greet') ?? '', /^staging x .* image=base-app keep=3$/);
  r = await runCli(p, ['greet', '--who', 'x', '-e', 'staging'], { env: { GREETING: 'from-process' } });
  assert.match(resultOf(r.stdout, 'greet') ?? '', /^from-process x/);
  r = await runCli(p, ['greet', '--who', 'x']);
  assert.match(resultOf(r.stdout, 'greet') ?? '', /^base x/);
});

S('--env NAME deep-merges environments.NAME over the config (siblings kept)', async () => {
  const p = project({ files: files(), env });
  const r = await runCli(p, ['greet', '--who', 'x', '--env=production']);
  assert.is(r.code, 0, r.stderr);
  assert.match(resultOf(r.stdout, 'greet') ?? '', /image=prod-app keep=3$/);
});

S('--env: the policy still holds: .env.NAME cannot switch telemetry on', async () => {
  const p = project({ files: files({ '.env.staging': 'GOTELEMETRY=on\n' }), env });
  const r = await runCli(p, ['hello', '--env', 'staging']);
  expectFailure(r, 2, 'cloudy-tasks: GOTELEMETRY="on" is not allowed: expected off; fix it in .env.staging');
});

S('--env with an unknown name exits 2 listing the known ones', async () => {
  const p = project({ files: files({ '.env.staging': 'GREETING=s\n' }), env });
  expectFailure(
    await runCli(p, ['hello', '--env', 'qa']),
    2,
    'cloudy-tasks: cloudy.config.mjs: unknown environment "qa" (--env qa): the known ones are production, staging; add environments.qa to the config or a .env.qa file',
  );
  expectFailure(
    await runCli(p, ['hello', '--env', '../etc']),
    2,
    'cloudy-tasks: --env takes an environment name of letters, digits, - and _ such as "staging", not "../etc" (see cloudy-tasks --help)',
  );
});

S('--env: a secret from .env.NAME quoted by a load-time error is masked', async () => {
  const p = project({
    files: {
      '.env.staging': 'API_TOKEN=s3cr3t-staging-value\n',
      '.cloudyrc.json': JSON.stringify({
        environments: { staging: { container: { memory: 's3cr3t-staging-value' } } },
      }),
    },
  });
  const r = await runCli(p, ['--list', '--env', 'staging']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, 'environments["staging"].container.memory: expected a size');
  assert.not.match(r.stderr, 's3cr3t-staging-value');
  assert.match(r.stderr, '***');
});

S('an environment with a bad value is reported at its own path', async () => {
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ environments: { prod: { container: { memory: 512 } } } }) },
  });
  const r = await runCli(p, ['--list']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, 'environments["prod"].container.memory: expected a size');
});

// ---- help ----

S('help <task> for a built-in: description, deps, what runs first, what it runs, config keys, options', async () => {
  const p = project();
  const r = await runCli(p, ['help', 'deploy-secure']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^deploy-secure: Run the scanned image with hardening flags/);
  assert.match(r.stdout, /^ {2}defined in {4}built-in$/m);
  assert.match(r.stdout, /^ {2}depends on {4}docker, security-scan$/m);
  assert.match(r.stdout, /^ {2}runs first {4}preflight, docker, security-scan$/m);
  assert.match(r.stdout, /^ {2}runs {10}docker run with the hardening flags/m);
  assert.match(r.stdout, /^ {2}config keys {3}container\.\*, deploy\.\*/m);
  assert.match(r.stdout, /^ {2}--adopt /m);
  // --summary and <task> --help say the same.
  assert.is((await runCli(p, ['--summary', 'deploy-secure'])).stdout, r.stdout);
  assert.is((await runCli(p, ['deploy-secure', '--help'])).stdout, r.stdout);
});

S('help <task> for user tasks: parameters with required/default, commands of a declarative one', async () => {
  const p = project({ files: files(), env });
  const r = await runCli(p, ['help', 'greet', 'hello']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^greet: say hello$/m);
  assert.match(r.stdout, /^ {2}defined in {4}cloudy\.config\.mjs$/m);
  assert.match(r.stdout, /^ {2}--who TEXT {2,}whom to greet \(required\)$/m);
  assert.match(r.stdout, /^ {2}--times N {2,}how often \(default: 2\)$/m);
  assert.match(r.stdout, /^ {2}--mood happy\|grumpy {2,}how \(default: "happy"\)$/m);
  assert.match(r.stdout, /^ {2}--loud {2,}shout$/m);
  assert.match(r.stdout, /^hello: says hi$/m);
  assert.match(r.stdout, /^ {2}runs {10}bash: echo one\n {16}bash: echo hi there$/m);
  const json = JSON.parse((await runCli(p, ['--summary', 'greet', '--json'])).stdout) as {
    name: string;
    options: string[];
  }[];
  assert.is(json[0]?.name, 'greet');
  assert.equal(json[0]?.options, ['--who', '--times', '--loud', '--mood']);
  expectFailure(
    await runCli(p, ['help', 'gret']),
    2,
    'cloudy-tasks: unknown task "gret" (did you mean "greet"?); run cloudy-tasks --list to see the tasks',
  );
});

S('every built-in task has help entries (what it runs, config keys)', async () => {
  const p = project();
  const names = (await runCli(p, ['--list', '-q'])).stdout.trim().split('\n');
  assert.ok(names.length >= 14, names.join(' '));
  const all = JSON.parse((await runCli(p, ['help', ...names, '--json'])).stdout) as {
    name: string;
    runs: string[];
    config: string[];
  }[];
  for (const h of all) {
    assert.ok(h.config.length > 0, `${h.name} has config keys`);
    assert.not.match(h.runs.join(' '), /its run function/, `${h.name} says what it runs`);
  }
});

// ---- completion ----

/** Runs bash with a `cloudy-tasks` on PATH that is this build, the script sourced, in `cwd`. */
function completeIn(cwd: string, words: readonly string[]): string[] {
  const bin = path.join(cwd, '..', `${path.basename(cwd)}.bin`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    path.join(bin, 'cloudy-tasks'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} "$@"\n`,
  );
  chmodSync(path.join(bin, 'cloudy-tasks'), 0o755);
  const script = [
    'set -u',
    'source <(cloudy-tasks completion bash)',
    'complete -p cloudy-tasks',
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
    '_cloudy_tasks',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    cwd,
    env: { PATH: `${bin}:${process.env['PATH']}`, HOME: process.env['HOME'] ?? '/tmp' },
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  const [registered, ...reply] = r.stdout.trimEnd().split('\n');
  assert.is(registered, 'complete -F _cloudy_tasks cloudy-tasks');
  return reply.filter(Boolean);
}

S('completion bash, sourced in bash, completes task names from the config (compgen)', () => {
  const p = project({ files: files(), env });
  // Built-ins and the config's own tasks, filtered by the word typed so far.
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'gr']), ['greet']);
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'de']), ['deploy-secure', 'dev-down', 'dev-up']);
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'h']), ['hello', 'help', 'history']);
  // After a task, another task; options from the parser's table.
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'docker', 'afte']), ['after']);
  assert.equal(completeIn(p.dir, ['cloudy-tasks', '--ver']), ['--verbose', '--version']);
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'completion', '']), ['bash', 'zsh', 'fish']);
  // After a task with parameters, its parameters first (bash asks help <task> --json).
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'greet', '--who', 'x', '--t']), ['--times']);
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'greet', '--lo']), ['--loud']);
  assert.equal(completeIn(p.dir, ['cloudy-tasks', 'hello', '--lo']), []);
  // A value is not completed as a task.
  assert.equal(completeIn(p.dir, ['cloudy-tasks', '--env', '']), []);
});

S("completion follows -C DIR to that project's config", () => {
  const p = project({ files: files(), env });
  const elsewhere = project();
  assert.equal(completeIn(elsewhere.dir, ['cloudy-tasks', 'gr']), []);
  assert.equal(completeIn(elsewhere.dir, ['cloudy-tasks', '-C', p.dir, 'gr']), ['greet']);
});

S('completion zsh and fish: structure (neither shell is installed here to run them)', async () => {
  const p = project();
  const bash = (await runCli(p, ['completion', 'bash'])).stdout;
  assert.is(spawnSync('bash', ['-n'], { input: bash }).status, 0, 'bash -n');
  const help = (await runCli(p, ['--help'])).stdout;
  const longs = [...help.matchAll(/^ {2}(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]!);
  assert.ok(longs.length >= 20, longs.join(' '));
  const zsh = (await runCli(p, ['completion', 'zsh'])).stdout;
  assert.match(zsh, /^#compdef cloudy-tasks$/m);
  assert.match(zsh, /compdef _cloudy_tasks cloudy-tasks/);
  assert.match(zsh, /--list --quiet/);
  const fish = (await runCli(p, ['completion', 'fish'])).stdout;
  assert.match(fish, /complete -c cloudy-tasks -f -a '\(__cloudy_tasks_names\)'/);
  assert.match(fish, /--list --quiet/);
  for (const long of longs) {
    assert.ok(bash.includes(`--${long}`), `bash offers --${long}`);
    assert.ok(zsh.includes(`--${long}`), `zsh offers --${long}`);
    assert.match(fish, new RegExp(`^complete -c cloudy-tasks( -s \\w)? -l ${long}( -r)? -d '`, 'm'));
  }
  // Options that take a value say so (fish -r; zsh a value spec).
  assert.match(fish, /^complete -c cloudy-tasks -s e -l env -r -d /m);
  assert.match(zsh, /\{-e,--env\}'\[[^\]]*\]:env:'/);
  // Quotes in descriptions are balanced: every zsh spec line has an even number of quotes.
  for (const line of zsh.split('\n').filter((l) => /^ {4}/.test(l)))
    assert.is((line.match(/'/g) ?? []).length % 2, 0, line);
  expectFailure(
    await runCli(p, ['completion', 'tcsh']),
    2,
    'cloudy-tasks: completion takes one of bash, zsh, fish, not "tcsh", e.g. source <(cloudy-tasks completion bash) (see cloudy-tasks --help)',
  );
});

S.run();
