import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FileHashCache } from '../../lib/store/file-hashes.js';

const Hashes = suite('file hash cache');
let dir = '';
Hashes.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cloudy-hashes-'));
});
Hashes.after.each(() => rmSync(dir, { recursive: true, force: true }));

const cacheFile = () => path.join(dir, '.cloudy', 'cache', 'h.json');

async function hashOf(name: string): Promise<{ hash: string; read: number }> {
  const cache = await FileHashCache.open(cacheFile());
  const file = path.join(dir, name);
  const s = await stat(file);
  const hash = await cache.hash(name, file, s.size, s.mtimeMs);
  await cache.save();
  return { hash, read: cache.hashed };
}

Hashes('same size and mtime: not read again; the hash is the content sha256', async () => {
  writeFileSync(path.join(dir, 'a'), 'hello');
  const past = new Date(Date.now() - 60_000);
  utimesSync(path.join(dir, 'a'), past, past);
  const first = await hashOf('a');
  assert.is(first.hash, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  assert.is(first.read, 1);
  assert.equal(await hashOf('a'), { hash: first.hash, read: 0 });
});

Hashes(
  'a corrupt cache file is an empty cache; entries not used are dropped on save; files respect the umask',
  async () => {
    writeFileSync(path.join(dir, 'a'), 'x');
    const previous = process.umask(0o077);
    try {
      await hashOf('a');
      writeFileSync(cacheFile(), '{not json');
      assert.is((await hashOf('a')).read, 1, 'corrupt: read again, no error');
      assert.is((await stat(cacheFile())).mode & 0o777, 0o600);
    } finally {
      process.umask(previous);
    }
    writeFileSync(path.join(dir, 'b'), 'y');
    await hashOf('b');
    const text = (await import('node:fs')).readFileSync(cacheFile(), 'utf8');
    assert.ok(text.includes('"b"') && !text.includes('"a"'), 'only what this run used is kept');
  },
);

Hashes.run();
