/**
 * Docker's size and CPU notations, parsed the way the engine does, so that a configured value can
 * be compared with what `docker inspect` reports (`HostConfig.Memory`, `HostConfig.NanoCpus`).
 */

const BINARY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * The smallest `--memory` and `--memory-reservation` the engine accepts (its `linuxMinMemory`):
 * below it `docker run` fails with "Minimum memory limit allowed is 6MB".
 */
export const MIN_MEMORY_BYTES = 6 * 1024 ** 2;

/**
 * The smallest `--cpus` that starts (0.01): docker sets a CFS quota of cpus × 100 ms per 100 ms
 * period, and the kernel refuses a quota below 1 ms ("cpu.cfs_quota_us: invalid argument").
 */
export const MIN_NANO_CPUS = 10_000_000;

/**
 * Bytes for a docker memory value (`--memory`, `--memory-swap`), or undefined when the text is not
 * one. Mirrors go-units `RAMInBytes`, which the docker CLI uses: units are binary whatever the
 * spelling (`512m` = `512M` = `512mb` = `512MiB` = 536870912), a bare number is bytes, and the
 * product is truncated to an integer. `-1` (unlimited swap) is not a size and gives undefined.
 */
export function parseMemory(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(text.trim());
  if (match === null) return undefined;
  const unit = BINARY_UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.trunc(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Nano-CPUs for a `--cpus` value (`'1.0'` → 1000000000), or undefined when the text is not a
 * positive decimal with at most nine fractional digits. Parsed digit by digit rather than with
 * floating point because the engine stores an exact integer and rejects finer values
 * ("value is too precise"); `0.1 * 1e9` in floating point is not exact.
 */
export function parseCpus(text: string): number | undefined {
  const match = /^(\d+)(?:\.(\d{0,9}))?$/.exec(text.trim());
  if (match === null) return undefined;
  const nanos = Number(match[1]) * 1e9 + Number((match[2] ?? '').padEnd(9, '0'));
  return Number.isSafeInteger(nanos) && nanos > 0 ? nanos : undefined;
}
