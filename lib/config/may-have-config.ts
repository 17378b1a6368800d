/**
 * Whether a config search could find anything, answered with a few `stat`s, so that a project
 * without a config (and `--list` in it) never loads cosmiconfig (~200 kB of bundled code, about
 * a third of `--list`'s own time). Conservative by design: it answers "maybe" whenever
 * cosmiconfig might find a config, and cosmiconfig then searches as usual, so the answer can cost
 * time, never a config. It mirrors cosmiconfig's `project` strategy: every directory from the
 * start up to the first one with a `package.json` or `package.yaml`, or up to the root.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** `searchPlaces` as given to cosmiconfig (./load.ts), package.json included. */
export function mayHaveConfig(startDir: string, searchPlaces: readonly string[], packageProp: string): boolean {
  // A cosmiconfig meta config (`.config/config.*`, or a `cosmiconfig` key in package.json, in the
  // working directory) can add search places.
  if (existsSync(path.join(process.cwd(), '.config'))) return true;
  const cwdPackage = path.join(process.cwd(), 'package.json');
  if (existsSync(cwdPackage) && hasProp(cwdPackage, 'cosmiconfig')) return true;
  let dir = path.resolve(startDir);
  for (;;) {
    for (const name of searchPlaces) {
      if (name === 'package.json') continue;
      if (existsSync(path.join(dir, name))) return true;
    }
    const packageJson = path.join(dir, 'package.json');
    if (existsSync(packageJson)) return hasProp(packageJson, packageProp);
    if (existsSync(path.join(dir, 'package.yaml'))) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

/** A package.json with the key, or one we cannot read (cosmiconfig then reports it). */
function hasProp(file: string, prop: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed === null || typeof parsed !== 'object' || Object.hasOwn(parsed, prop);
  } catch {
    return true;
  }
}
