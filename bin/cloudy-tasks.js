#!/usr/bin/env node
// The installed command. The TypeScript sources are bundled into dist/ by `npm run build`
// (run automatically by `npm ci`/`npm install` through the `prepare` script). In a checkout
// without that build, say so in one line instead of Node's module-not-found stack trace.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('cloudy-tasks: dist/cli.mjs is missing (a checkout that was not built); run npm run build\n');
  process.exit(2);
}
await import(cli.href);
