/**
 * Where a config key is written, for CI annotations of config errors (`file=…,line=…`): the
 * loaded config is a plain value with no positions, so the key path (`container.memroy`,
 * `tasks["lint"].run`) is looked up in the file's text, each key after the one before it. Pure
 * and approximate on purpose: it serves JSON, YAML, package.json and TypeScript configs alike,
 * and an answer it cannot find is no line (the annotation still names the file), never a wrong
 * guess from another part of the file.
 */

/** The key names of a config path: `tasks["a.b"].run[0]` → `tasks`, `a.b`, `run`. */
export function keysOf(configPath: string): string[] {
  const keys: string[] = [];
  const re = /\[("(?:[^"\\]|\\.)*")\]|\[\d+\]|([^.[\]]+)/g;
  for (const m of configPath.matchAll(re)) {
    if (m[1] !== undefined) keys.push(JSON.parse(m[1]) as string);
    else if (m[2] !== undefined) keys.push(m[2]);
  }
  return keys;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The 1-based line where the last key of `configPath` is written, or undefined. */
export function lineOfKey(text: string, configPath: string): number | undefined {
  let at = 0;
  for (const key of keysOf(configPath)) {
    // A key: quoted or bare, then a colon (JSON, YAML, an object literal), not inside a longer name.
    const re = new RegExp(`(^|[\\s{,])(["']?)${escapeRegExp(key)}\\2\\s*:`, 'g');
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    at = m.index + m[0].length;
  }
  if (at === 0) return undefined;
  return text.slice(0, at).split('\n').length;
}
