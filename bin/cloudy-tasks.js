#!/usr/bin/env node
// The installed command. The TypeScript sources are bundled into dist/ by `npm run build`
// (run automatically by `npm ci`/`npm install` through the `prepare` script).
import '../dist/cli.mjs';
