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

/** The redactor of an environment without secrets: changes nothing, and says so (see redactValue). */
export const noSecrets = (text: string): string => text;

/**
 * A function that masks every secret-looking value of `env` in a text, and every value of `also`
 * (values known to be secret whatever their name: those of `container.envFile`).
 */
export function makeRedactor(
  env: Readonly<Record<string, string | undefined>>,
  also: readonly string[] = [],
): (text: string) => string {
  const secrets = [
    ...Object.entries(env)
      .filter(([name, value]) => isSecretName(name) && value !== undefined)
      .map(([, value]) => value!),
    ...also,
  ]
    .filter((value) => value.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret that contains another is masked whole.
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return noSecrets;
  return (text) => {
    let out = text;
    // `includes` first: most texts hold no secret, and then no new string is built.
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}

/**
 * Redact a JSON-like value (events, task outputs in `--json` events and reports). Copy on write:
 * a value with nothing to mask is returned as it is (the same object, not a copy), and only the
 * objects on the way to a masked string are copied (as plain objects and arrays). Every event
 * passes here, so this is on the path of every task.
 */
export function redactValue<T>(value: T, redact: (text: string) => string): T {
  if (redact === noSecrets) return value;
  return walk(value, redact, undefined);
}

function walk<T>(value: T, redact: (text: string) => string, seen: WeakSet<object> | undefined): T {
  if (typeof value === 'string') return redact(value) as T;
  if (!value || typeof value !== 'object') return value;
  const visited = seen ?? new WeakSet<object>();
  if (visited.has(value)) return value;
  visited.add(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = walk(value[i], redact, visited);
      if (next === value[i]) continue;
      copy ??= value.slice();
      copy[i] = next;
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  const entries = Object.entries(value);
  for (const [key, item] of entries) {
    const next = walk(item, redact, visited);
    if (next === item) continue;
    copy ??= Object.fromEntries(entries);
    copy[key] = next;
  }
  return (copy ?? value) as T;
}

/** `docker inspect` of a container with the values of its secret-looking `Config.Env` entries masked. */
export function maskContainerEnv(inspect: Record<string, unknown>): Record<string, unknown> {
  const config = inspect['Config'] as { Env?: unknown } | undefined;
  if (!config || !Array.isArray(config.Env)) return inspect;
  const env = config.Env.map((e) => {
    if (typeof e !== 'string') return e;
    const eq = e.indexOf('=');
    return eq > 0 && isSecretName(e.slice(0, eq)) ? `${e.slice(0, eq)}=${MASK}` : e;
  });
  return { ...inspect, Config: { ...config, Env: env } };
}
