/**
 * The config search without cosmiconfig (lib/config/find.ts) must give cosmiconfig's answer
 * whenever it gives one: each layout is searched both ways and compared.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findConfig } from '../../lib/config/find.js';
import { SEARCH_PLACES } from '../../lib/config/load.js';

const F = suite('config search');

/** What cosmiconfig finds (script configs are not run: a marker stands for them). */
async function cosmiconfigFinds(start: string) {
  const marker = (file: string) => ({ script: path.basename(file) });
  const explorer = cosmiconfig('cloudy', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    loaders: { '.ts': marker, '.mts': marker, '.js': marker, '.mjs': marker },
    cache: false,
  });
  const found = await explorer.search(start);
  return found ? { file: found.filepath, config: found.isEmpty ? {} : found.config } : undefined;
}

const layouts: [string, Record<string, string>, string, 'script' | 'json' | 'none' | 'cosmiconfig'][] = [
  ['a cloudy.config.ts', { 'package.json': '{}', 'cloudy.config.ts': 'export default {}' }, '.', 'script'],
  [
    '.cloudyrc.json before cloudy.config.mjs',
    { 'package.json': '{}', '.cloudyrc.json': '{"a":1}', 'cloudy.config.mjs': 'x' },
    '.',
    'json',
  ],
  ['a package.json key first', { 'package.json': '{"cloudy":{"b":2}}', 'cloudy.config.ts': 'x' }, '.', 'json'],
  [
    'a parent directory, up to the project root',
    { 'package.json': '{}', '.cloudyrc.json': '{"c":3}', 'sub/deeper/.keep': '' },
    'sub/deeper',
    'json',
  ],
  [
    'no further than the nearest package.json',
    { '.cloudyrc.json': '{"d":4}', 'sub/package.json': '{}' },
    'sub',
    'none',
  ],
  ['nothing at all', { 'package.json': '{"name":"x"}' }, '.', 'none'],
  [
    'an empty package.json is passed over',
    { 'package.json': '', 'sub/package.json': '{}', 'cloudy.config.ts': 'x' },
    '.',
    'script',
  ],
  [
    "an empty cloudy.config.ts is cosmiconfig's",
    { 'package.json': '{}', 'cloudy.config.ts': '  \n' },
    '.',
    'cosmiconfig',
  ],
  ["YAML is cosmiconfig's", { 'package.json': '{}', '.cloudyrc': 'a: 1\n' }, '.', 'cosmiconfig'],
  [
    "broken JSON is cosmiconfig's (its message)",
    { 'package.json': '{}', '.cloudyrc.json': '{"a":' },
    '.',
    'cosmiconfig',
  ],
  [
    "$import is cosmiconfig's",
    { 'package.json': '{}', '.cloudyrc.json': '{"$import":"x.json"}', 'x.json': '{}' },
    '.',
    'cosmiconfig',
  ],
  [
    "a .cjs config is cosmiconfig's",
    { 'package.json': '{}', 'cloudy.config.cjs': 'module.exports = {}' },
    '.',
    'cosmiconfig',
  ],
  [
    'a directory named like a config is passed over',
    { 'package.json': '{}', '.cloudyrc.json/.keep': '', 'cloudy.config.js': 'x' },
    '.',
    'script',
  ],
];

for (const [name, files, start, expected] of layouts) {
  F(`${name}: ${expected}`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-find-'));
    try {
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      const from = path.join(dir, start);
      const ours = findConfig(from, SEARCH_PLACES);
      assert.is(ours?.kind ?? 'cosmiconfig', expected);
      if (!ours) return;
      const theirs = await cosmiconfigFinds(from).catch((e: unknown) => ({ error: String(e) }));
      if (ours.kind === 'none') assert.is(theirs, undefined);
      else if (ours.kind === 'json') assert.equal(theirs, { file: ours.file, config: ours.config });
      else assert.equal(theirs, { file: ours.file, config: { script: path.basename(ours.file) } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

F.run();
