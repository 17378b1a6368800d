/**
 * Keeps secret values out of everything we print or write: commands, output lines, events,
 * reports. A variable is secret-looking when its name contains one of these words; its value is
 * replaced wherever it appears. Matching on names (not values) is predictable for users and is
 * what the docs promise.
 */
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASS/i;
/** Values shorter than this are not replaced: masking "1" everywhere would garble all output. */
const MIN_SECRET_LENGTH = 4;
export const MASK = '***';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A function that masks every secret-looking value of `env` in a text. */
export function makeRedactor(env: Readonly<Record<string, string | undefined>>): (text: string) => string {
  const secrets = Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value!)
    // Longest first, so a secret that contains another is masked whole.
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(MASK);
    return out;
  };
}

/** Deep-redact a JSON-like value (task outputs in `--json` events and reports). */
export function redactValue<T>(value: T, redact: (text: string) => string, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redact(value) as T;
  if (!value || typeof value !== 'object') return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact, seen)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact, seen)])) as T;
}
