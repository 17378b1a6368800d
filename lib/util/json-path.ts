/**
 * Tolerant reads from untyped JSON (`docker inspect` output). The engine writes `null`, `[]` or
 * leaves a key out for the same "unset" meaning depending on the field and the version
 * (`HostConfig.Tmpfs` absent, `CapAdd` null, `Ulimits` []), so readers never throw: a missing or
 * mistyped value reads as undefined, and list/record readers turn "unset" into empty.
 */

/** The value at `path` below `value`, or undefined when any step is missing or not an object. */
export function at(value: unknown, ...path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
export const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

/** An array's elements; null, absent or a non-array read as `[]`. */
export const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** The strings of an array, other elements dropped; null or absent read as `[]`. */
export const strings = (value: unknown): readonly string[] =>
  list(value).filter((v): v is string => typeof v === 'string');

/** An object's own entries; null, absent, arrays and primitives read as `{}`. */
export function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** How a raw value is shown to the user: `(absent)` for a missing key, JSON otherwise. */
export const show = (value: unknown): string => (value === undefined ? '(absent)' : JSON.stringify(value));
