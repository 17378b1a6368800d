/**
 * `container.envFile` and `image.secrets` are files read by docker, not by us: what is checked
 * here at load time is what docker would refuse later (after the image was built and scanned),
 * so a missing or malformed file fails before anything runs (exit 2). Their values are never
 * returned, only problems and names.
 *
 * Docker's env-file format (docker/cli opts/file.go, parseKeyValueFile): one `NAME=value` per
 * line; blank lines and lines starting with `#` are skipped; leading whitespace is trimmed; the
 * value is taken verbatim (no quotes are removed, no `$` expanded, unlike a dotenv `.env`); a
 * line with no `=` passes that variable from the caller's environment; a name with whitespace is
 * an error.
 */
import { readFileSync, statSync } from 'node:fs';

/** What is wrong with an env file for `docker run --env-file`, or undefined when docker takes it. */
export function envFileProblem(file: string): string | undefined {
  let text: string;
  try {
    if (!statSync(file).isFile()) return 'it is not a regular file';
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : 'the file cannot be read';
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const name = line.includes('=') ? line.slice(0, line.indexOf('=')) : line;
    // Only the name is ever quoted back: a value may be the secret itself.
    if (name === '') return `line ${i + 1} has no variable name before "="`;
    if (/\s/.test(name)) return `line ${i + 1}: variable name "${name.slice(0, 40)}" contains whitespace`;
  }
  return undefined;
}

/** What is wrong with a build secret's source file for `--secret id=…,src=…`, or undefined. */
export function secretFileProblem(file: string): string | undefined {
  // docker parses `id=…,src=…` as CSV: a comma or quote in the path would split it.
  if (/[,"]/.test(file)) return 'the path contains a comma or a double quote, which --secret cannot pass';
  try {
    return statSync(file).isFile() ? undefined : 'it is not a regular file';
  } catch {
    return 'the file does not exist';
  }
}

/**
 * The values an env file sets, for masking only (lib/render/redact.ts): a container that prints
 * its environment, or an error that quotes it, must not put them in our output. A line with a
 * name only passes that variable from our environment (`env`), so its value there is included.
 * Empty when the file cannot be read (load time has already refused that).
 */
export function envFileValues(file: string, env: Readonly<Record<string, string | undefined>> = {}): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((raw) => raw.replace(/^\s+/, ''))
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.includes('=') ? line.slice(line.indexOf('=') + 1) : (env[line.trimEnd()] ?? '')))
    .filter((value) => value.trim() !== '');
}
