// Bundles the CLI and the package entry into dist/ with esbuild (code splitting keeps heavy,
// lazily imported modules in their own chunks, so `--list` and `--help` never load them), then
// emits type declarations for the package entry. dist/ is build output: never committed.
// Not one single file: the package entry (what a cloudy.config.ts imports) shares its chunks with
// the CLI, so a config's `import 'cloudy-tasks'` loads no second copy of the tasks.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'cli/index.ts', index: 'index.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies are bundled into the chunks that use them: each was many CommonJS files to
  // resolve and compile on every run (cosmiconfig and its dependencies ~20 for every --list,
  // dockerfile-ast 37, graceful-fs and proper-lockfile 10). These stay external: esbuild (a native
  // binary), typescript (only cosmiconfig's own .ts loader would load it; ours replaces it),
  // dotenv-safe and dotenv (imported dynamically for a named export, which bundled CommonJS does
  // not provide), listr2 (ES modules already) and zx (bundles its own dependencies). js-yaml
  // stays external too: cosmiconfig requires it only for a YAML config, but bundled it was 111 kB
  // of the 195 kB chunk every config search compiles (-17 M instructions for `--list`).
  external: ['esbuild', 'typescript', 'dotenv', 'dotenv-safe', 'listr2', 'zx', 'js-yaml'],
  // Bundled CommonJS code calls require() for Node built-ins: give the ES module one.
  banner: {
    js: "import { createRequire as __cloudyCreateRequire } from 'node:module'; const require = __cloudyCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
