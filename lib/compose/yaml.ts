/**
 * The js-yaml adapter: the only module that imports js-yaml (loaded lazily: `--list` never pays
 * for it). We write compose files and read `docker compose config` output, which compose v1
 * (PyYAML, YAML 1.1) and v2 (YAML 1.2) both read back the same: js-yaml quotes every string a
 * YAML 1.1 reader would take for something else (`'yes'`, `'no'`, `'1001:1001'`).
 */

/** YAML text of a JSON-like value, with `header` lines as `#` comments on top. */
export async function toYaml(value: unknown, header: readonly string[] = []): Promise<string> {
  const { dump } = await import('js-yaml');
  const comments = header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n');
  const body = dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
  return comments === '' ? body : `${comments}\n${body}`;
}

/** Parse YAML (or JSON) text; the error message names the line when it is not YAML. */
export async function parseYaml(text: string): Promise<{ ok: true; value: unknown } | { ok: false; problem: string }> {
  const { load } = await import('js-yaml');
  try {
    return { ok: true, value: load(text) };
  } catch (error) {
    return { ok: false, problem: (error instanceof Error ? error.message : String(error)).split('\n')[0]! };
  }
}
