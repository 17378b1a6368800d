/**
 * The root of this package (where package.json and assets/ are), found from this module's own
 * location: the same code runs from lib/ in the repository and from dist/ or dist/chunks/ once
 * bundled, so a fixed number of `..` would be right in only one of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'cloudy-tasks'
    ) {
      root = dir;
      return root;
    }
    if (path.dirname(dir) === dir) throw new Error('Internal error: the cloudy-tasks package root was not found');
  }
}
