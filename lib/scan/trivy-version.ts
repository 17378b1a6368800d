/**
 * What `trivy --version` says about the scanner and its databases. Trivy prints (pkg/types/version.go):
 *
 *   Version: 0.58.1
 *   Vulnerability DB:
 *     Version: 2
 *     UpdatedAt: 2024-12-01 12:11:37.696263932 +0000 UTC
 *     NextUpdate: 2024-12-02 00:11:37.696263532 +0000 UTC
 *     DownloadedAt: 2024-12-01 13:27:52.219224 +0000 UTC
 *   Java DB:
 *     …same four lines…
 *   Check Bundle:
 *     Digest: sha256:…
 *     DownloadedAt: …
 *
 * A section is absent when that database was never downloaded. The scan cache keys on the
 * version, the DBs' UpdatedAt and the checks bundle digest: a newer DB is how an unchanged image
 * gets its new CVEs.
 */

/** One database's metadata; times as ISO strings (UTC), undefined when Trivy did not print them. */
export interface TrivyDb {
  readonly updatedAt?: string;
  readonly nextUpdate?: string;
}

export interface TrivyVersion {
  readonly version: string;
  readonly vulnerabilityDb?: TrivyDb;
  readonly javaDb?: TrivyDb;
  /** Digest of the misconfiguration checks bundle. */
  readonly checkBundle?: string;
}

/** Parse `trivy --version` output; undefined when it has no `Version:` line. */
export function parseTrivyVersion(text: string): TrivyVersion | undefined {
  let version: string | undefined;
  const sections: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const top = /^(\S[^:]*):\s*(.*)$/.exec(line);
    if (top) {
      if (top[1] === 'Version') {
        version = top[2]!.trim();
        section = undefined;
      } else {
        section = sections[top[1]!] = {};
      }
      continue;
    }
    const field = /^\s+([A-Za-z]+):\s*(.*)$/.exec(line);
    if (field && section) section[field[1]!] = field[2]!.trim();
  }
  if (!version) return undefined;
  const db = (s: Record<string, string> | undefined): TrivyDb | undefined => {
    if (!s) return undefined;
    const updatedAt = goTimeToIso(s['UpdatedAt']);
    const nextUpdate = goTimeToIso(s['NextUpdate']);
    return { ...(updatedAt ? { updatedAt } : {}), ...(nextUpdate ? { nextUpdate } : {}) };
  };
  const vulnerabilityDb = db(sections['Vulnerability DB']);
  const javaDb = db(sections['Java DB']);
  const checkBundle = sections['Check Bundle']?.['Digest'];
  return {
    version,
    ...(vulnerabilityDb ? { vulnerabilityDb } : {}),
    ...(javaDb ? { javaDb } : {}),
    ...(checkBundle ? { checkBundle } : {}),
  };
}

/**
 * Go's `time.Time.String()` in UTC (`2024-12-01 12:11:37.696263932 +0000 UTC`) as ISO 8601
 * (`2024-12-01T12:11:37.696Z`); undefined when it is not that shape (Go's zero time included).
 */
export function goTimeToIso(text: string | undefined): string | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ([+-]\d{4})/.exec(text ?? '');
  if (!m || m[1]!.startsWith('0001-')) return undefined;
  const offset = `${m[4]!.slice(0, 3)}:${m[4]!.slice(3)}`;
  const date = new Date(`${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
