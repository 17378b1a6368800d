/**
 * The pre-check that lets a project without a config skip cosmiconfig: it must say "maybe"
 * wherever cosmiconfig could find a config (else a config would be silently ignored), and "no"
 * for the plain case it exists for. Checked against cosmiconfig's own search on the same trees.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SEARCH_PLACES } from '../../lib/config/load.js';
import { mayHaveConfig } from '../../lib/config/may-have-config.js';

const M = suite('may-have-config');
let root: string;
M.before.each(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cloudy-mhc-'));
});
M.after.each(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  const start = path.join(root, 'project', 'sub');
  mkdirSync(start, { recursive: true });
  return start;
}

const check = (start: string) => mayHaveConfig(start, SEARCH_PLACES, 'cloudy');

async function cosmiconfigFinds(start: string): Promise<boolean> {
  const { cosmiconfig } = await import('cosmiconfig');
  const found = await cosmiconfig('cloudy', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    loaders: { '.ts': () => ({}), '.mts': () => ({}), '.js': () => ({}), '.mjs': () => ({}), '.cjs': () => ({}) },
    cache: false,
  })
    .search(start)
    .catch(() => ({ error: true }));
  return found !== null;
}

M('a project without a config: no (cosmiconfig agrees)', async () => {
  const start = tree({ 'project/package.json': '{"name":"x"}', 'cloudy.config.ts': 'above the project root' });
  assert.is(check(start), false);
  assert.is(await cosmiconfigFinds(start), false);
});

for (const place of SEARCH_PLACES.filter((p) => p !== 'package.json')) {
  M(`${place} in the start directory or above it, up to the project root: maybe`, async () => {
    for (const where of ['project/sub', 'project']) {
      rmSync(path.join(root, 'project'), { recursive: true, force: true });
      const start = tree({ 'project/package.json': '{"name":"x"}', [`${where}/${place}`]: '{}' });
      assert.is(check(start), true, `${where}/${place}`);
      assert.is(await cosmiconfigFinds(start), true, `cosmiconfig finds ${where}/${place}`);
    }
  });
}

M('a package.json with a cloudy key, or one that is not JSON: maybe', async () => {
  assert.is(check(tree({ 'project/package.json': '{"cloudy":{}}' })), true);
  rmSync(path.join(root, 'project'), { recursive: true, force: true });
  const broken = tree({ 'project/package.json': '{ not json' });
  assert.is(check(broken), true);
  assert.is(await cosmiconfigFinds(broken), true, 'cosmiconfig reports the broken file');
});

M("a cosmiconfig meta config in the working directory's package.json can add search places: maybe", async () => {
  const start = tree({
    'project/sub/package.json': JSON.stringify({ cosmiconfig: { searchPlaces: ['config/cloudy.json'] } }),
    'project/sub/config/cloudy.json': '{}',
  });
  const cwd = process.cwd();
  process.chdir(start);
  try {
    assert.is(check(start), true);
  } finally {
    process.chdir(cwd);
  }
});

M('no package.json anywhere: every directory up to the root is searched', () => {
  const start = tree({ '.cloudyrc': 'tasks: {}' });
  assert.is(check(start), true);
});
M.run();
