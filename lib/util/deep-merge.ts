/**
 * `overlay` merged over `base`: plain objects merge key by key, recursively; anything else in
 * the overlay (a list, a string, a number) replaces the base's value. Neither input is changed.
 * A list replaces rather than appends so that an environment can remove an item (a port, a
 * volume) as well as add one.
 */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isPlain(base) || !isPlain(overlay)) return overlay === undefined ? base : overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = deepMerge(base[key], value);
  return merged;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
