import { type Dirent, lstatSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../lib/config/resolve.js';
import { buildInputs, fingerprintOf, readContextInputs } from '../../lib/docker/fingerprint.js';
import { FileHashCache } from '../../lib/store/file-hashes.js';
import { defineCase } from '../harness.js';

/**
 * The up-to-date check of a 10,000-file build context with nothing changed (listing after
 * .dockerignore, an lstat of every file, the hash cache, the fingerprint), in process, against
 * the floor any such check has: a bare recursive readdir + lstat of the same tree.
 */
export default defineCase({
  name: 'fingerprint check, 10,000 files unchanged',
  targets: { ms: 150 },
  prepare: async ({ project }) => {
    const dir = project({ Dockerfile: 'FROM scratch\nCOPY . /app\n' });
    for (let d = 0; d < 100; d++) {
      mkdirSync(path.join(dir, 'src', `pkg${d}`), { recursive: true });
      for (let f = 0; f < 100; f++)
        writeFileSync(path.join(dir, 'src', `pkg${d}`, `file${f}.go`), `package pkg${d}\n// ${f}\n`.repeat(20));
    }
    // Older than the cache's "racily clean" window, as files are when a later run checks them.
    const past = new Date(Date.now() - 120_000);
    const age = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }) as Dirent[]) {
        if (e.isDirectory()) age(path.join(d, e.name));
        utimesSync(path.join(d, e.name), past, past);
      }
    };
    age(dir);
    const config = resolveConfig({}, dir);
    const cacheFile = path.join(dir, '.cloudy', 'cache', 'context-hashes.json');
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }) as Dirent[]) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else lstatSync(path.join(d, e.name));
      }
    };
    const check = async () => {
      const cache = await FileHashCache.open(cacheFile);
      fingerprintOf(buildInputs(await readContextInputs(config, cache), {}));
      await cache.save();
    };
    // The first check hashes every file; hashes saved within a second of it are not trusted yet
    // (racily clean), so the measured rounds start after that window, as a next run would.
    await check();
    await new Promise((r) => setTimeout(r, 1500));
    return {
      subject: { inProcess: check },
      baseline: { inProcess: () => walk(dir) },
      baselineName: 'readdir + lstat',
    };
  },
});
