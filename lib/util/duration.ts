/**
 * Durations as the config writes them (`90s`, `10m`, `1h`). Here, not in lib/config, because the
 * scanner (lib/scan) enforces `scan.timeout` itself and may not import the config's code.
 */

/** `90s`, `10m`, `1h` in milliseconds (the schema admits only these shapes); NaN otherwise. */
export function durationMs(text: string): number {
  const match = /^(\d+)([smh])$/.exec(text.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}
