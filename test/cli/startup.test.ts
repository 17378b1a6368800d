/**
 * Start-up stays near Node's floor: what `--list`, `--help`, `--version` and `--graph` load is
 * counted (every ES and CommonJS module, through test/fixtures/module-log.cjs), so a static
 * import of a heavy library, or of the whole run path, fails here instead of silently costing
 * every invocation. Counting modules, not milliseconds: timings are for bench/.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturesDir } from '../helpers/paths.js';
import { cliEnv, cliPath, makeProject, type Project } from '../helpers/rig.js';

const S = suite('start-up');

/**
 * Our own bundle files that `--list` may load (the CLI, the package entry, shared chunks). Most
 * are esbuild's small shared chunks (under 5 kB: the failure union, names, units, suggestions),
 * one more each time a module becomes shared by two entry points; the run path and the run-only
 * libraries are kept out by the checks below, not by this count.
 */
const MAX_OWN_MODULES = 30;

function loadedBy(project: Project, args: readonly string[]): string[] {
  const log = path.join(project.dir, 'modules.log');
  rmSync(log, { force: true });
  const r = spawnSync(process.execPath, ['--require', path.join(fixturesDir, 'module-log.cjs'), cliPath, ...args], {
    cwd: project.dir,
    env: { ...cliEnv(project), MODULE_LOG: log },
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  return [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
}

const fromNodeModules = (modules: readonly string[]) =>
  modules.filter((m) => m.includes('/node_modules/') && !m.includes('/node_modules/.cache/cloudy/'));
/** Files from node_modules a config search may load (cosmiconfig is bundled into our chunks). */
const COSMICONFIG_MODULES_MAX = 25;
/** Libraries only a run (or a cache miss, or a terminal) needs. */
const RUN_ONLY = [
  'zx',
  'listr2',
  'esbuild',
  'dotenv',
  'dotenv-safe',
  'proper-lockfile',
  'graceful-fs',
  'dockerfile-ast',
  '@balena/dockerignore',
  'typescript',
];
const packagesIn = (modules: readonly string[]) =>
  new Set(fromNodeModules(modules).map((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1] ?? m));
const own = (modules: readonly string[]) =>
  modules.filter((m) => !m.includes('/node_modules/') && (m.includes('/dist/') || m.includes('/bin/')));

const configs: [string, Record<string, string>][] = [
  ['no config', {}],
  [
    'a cloudy.config.ts (cached bundle)',
    {
      'cloudy.config.ts':
        "import { defineConfig, defineTask } from 'cloudy-tasks';\nconst hi = defineTask({ name: 'hi', description: 'typed', run: () => 1 });\nexport default defineConfig({ tasks: { hi, shell: { run: 'true' } } });\n",
    },
  ],
  ['a .cloudyrc.json', { '.cloudyrc.json': JSON.stringify({ tasks: { hello: { run: 'true' } } }) }],
  [
    'a package.json "cloudy" key',
    { 'package.json': JSON.stringify({ name: 'x', cloudy: { tasks: { a: { run: 'true' } } } }) },
  ],
];

for (const [name, files] of configs) {
  S(`--list with ${name} loads no run-only library and no run path`, () => {
    const p = makeProject({ files });
    try {
      loadedBy(p, ['--list']); // the first run bundles a TypeScript config; the second hits the cache
      const modules = loadedBy(p, ['--list']);
      const packages = packagesIn(modules);
      for (const name of RUN_ONLY) assert.not.ok(packages.has(name), `${name} loaded for --list`);
      assert.ok(
        fromNodeModules(modules).length <= COSMICONFIG_MODULES_MAX,
        `${fromNodeModules(modules).length} modules from node_modules:\n${fromNodeModules(modules).join('\n')}`,
      );
      for (const forbidden of ['node:child_process', '/execute-', '/scheduled-', '/listr-', '/parse-', '/dockerfile-'])
        assert.not.ok(
          [...own(modules), ...modules.filter((m) => m.startsWith('node:'))].some((m) => m.includes(forbidden)),
          `${forbidden} loaded:\n${modules.join('\n')}`,
        );
      assert.ok(
        own(modules).length <= MAX_OWN_MODULES,
        `${own(modules).length} own modules (at most ${MAX_OWN_MODULES}):\n${own(modules).join('\n')}`,
      );
    } finally {
      p.cleanup();
    }
  });
}

S('--help and --version load neither the config loader nor the built-in tasks', () => {
  const p = makeProject();
  try {
    const all = loadedBy(p, ['--list']);
    for (const args of [['--help'], ['--version']]) {
      const modules = loadedBy(p, args);
      assert.equal(fromNodeModules(modules), []);
      assert.ok(own(modules).length < own(all).length / 2, `${args[0]}: ${own(modules).join('\n')}`);
      assert.not.ok(
        modules.some((m) => m.includes('/load-') || m.includes('/tasks-')),
        modules.join('\n'),
      );
    }
  } finally {
    p.cleanup();
  }
});

S('completion and help <task> load no run-only library and no run path either', () => {
  const p = makeProject({ files: { '.cloudyrc': 'tasks:\n  hello:\n    run: "true"\n' } });
  try {
    for (const args of [
      ['completion', 'bash'],
      ['help', 'deploy-secure', 'hello'],
      ['--summary', 'docker'],
    ]) {
      const modules = loadedBy(p, args);
      const packages = packagesIn(modules);
      for (const name of RUN_ONLY) assert.not.ok(packages.has(name), `${name} loaded for ${args.join(' ')}`);
      for (const forbidden of ['node:child_process', '/execute-', '/scheduled-', '/listr-'])
        assert.not.ok(
          modules.some((m) => m.includes(forbidden)),
          `${forbidden} loaded for ${args.join(' ')}`,
        );
    }
  } finally {
    p.cleanup();
  }
});

S('--graph with a YAML config loads no run-only library either', () => {
  const p = makeProject({ files: { '.cloudyrc': 'tasks:\n  hello:\n    run: "true"\n' } });
  try {
    const packages = packagesIn(loadedBy(p, ['--graph']));
    for (const name of RUN_ONLY) assert.not.ok(packages.has(name), `${name} loaded for --graph`);

    const r = spawnSync(process.execPath, [cliPath, '--list'], { cwd: p.dir, env: cliEnv(p), encoding: 'utf8' });
    assert.match(r.stdout, /^hello\s+true$/m);
  } finally {
    p.cleanup();
  }
});

S('recipes without shell syntax, and a dry run, never load zx', () => {
  const p = makeProject({
    files: {
      '.cloudyrc':
        'tasks:\n  a:\n    run: "true"\n  b:\n    run: "ls -d ."\n    deps: [a]\n  piped:\n    run: "true | cat"\n',
      Dockerfile: 'FROM scratch\nUSER 1001:1001\nHEALTHCHECK CMD ["/app", "health"]\nENTRYPOINT ["/app"]\n',
    },
  });
  try {
    assert.not.ok(packagesIn(loadedBy(p, ['b'])).has('zx'), 'zx loaded for two plain recipes');
    assert.ok(packagesIn(loadedBy(p, ['piped'])).has('zx'), 'a pipe is run by zx (bash)');
    const dryRun = loadedBy(p, ['docker', '--dry-run']);
    assert.not.ok(packagesIn(dryRun).has('zx'), 'zx loaded for a dry run');
  } finally {
    p.cleanup();
  }
});

S.run();
