/**
 * The package as users install it: `import` and `require()` both give the API (Node >= 20.19
 * loads ES modules from require(), and the exports map's `default` condition lets it), and the
 * published files include what the code needs at run time.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../helpers/paths.js';

const Package = suite('package');
let dir = '';
Package.before(() => {
  // A consumer project with the package installed (as a link to this checkout and its dist/).
  dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-consumer-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(repoRoot, path.join(dir, 'node_modules', 'cloudy-tasks'));
});
Package.after(() => rmSync(dir, { recursive: true, force: true }));

Package('a checkout that was never built says so in one line, exit 2, no stack trace', () => {
  const unbuilt = path.join(dir, 'unbuilt');
  mkdirSync(path.join(unbuilt, 'bin'), { recursive: true });
  copyFileSync(path.join(repoRoot, 'bin', 'cloudy-tasks.js'), path.join(unbuilt, 'bin', 'cloudy-tasks.js'));
  const r = node([path.join(unbuilt, 'bin', 'cloudy-tasks.js'), '--list']);
  assert.is(r.status, 2);
  assert.is(r.stderr, 'cloudy-tasks: dist/cli.mjs is missing (a checkout that was not built); run npm run build\n');
});

const node = (args: readonly string[]) => spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });

Package('require("cloudy-tasks") works from CommonJS, without warnings', () => {
  const r = node([
    '-e',
    "const m = require('cloudy-tasks'); console.log(typeof m.defineTask, typeof m.defineConfig, m.builtinTasks.some((t) => t.name === 'deploy-secure'))",
  ]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'function function true');
  assert.is(r.stderr, '');
});

Package('import from "cloudy-tasks" works from an ES module', () => {
  const r = node([
    '--input-type=module',
    '-e',
    "import { defineTask, deploySecure } from 'cloudy-tasks'; console.log(typeof defineTask, deploySecure.name)",
  ]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'function deploy-secure');
});

Package('the published files include the bin, the bundle, the built-in env example and the licence', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const f of [
    'bin/cloudy-tasks.js',
    'dist/cli.mjs',
    'dist/index.mjs',
    'assets/env.example',
    'LICENSE',
    'package.json',
  ]) {
    assert.ok(files.includes(f), `${f} is published (got ${files.length} files)`);
  }
  assert.not.ok(
    files.some((f) => f.startsWith('test/') || f.startsWith('lib/')),
    'tests and sources are not published',
  );
});

Package.run();
