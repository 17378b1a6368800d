import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The executable `name` on `PATH`, found without spawning anything (dry runs must not). */
export function which(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
