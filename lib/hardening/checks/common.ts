/**
 * What every group of inspect checks shares: the {@link Check} type and its constructor, the
 * pass/fail shorthand, the `HostConfig` reader and the one-line text renderings. The groups
 * (identity, runtime, network, mounts) import this file, and ./index.ts imports the groups.
 */

import { at } from '../../util/json-path.js';
import { parseNumericUser } from '../options.js';

/** `warn` = weaker than recommended but what the policy asked for; `skip` = cannot be judged here. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One verified setting. `expected`/`actual` are one-line, human-readable renderings. */
export type Check = {
  /** Stable slug, e.g. `read-only-rootfs`; safe to match on in scripts and tests. */
  readonly id: string;
  /** CIS Docker Benchmark 1.6.0 id (e.g. `5.13`), or `-` when the check has none. */
  readonly cis: string;
  readonly title: string;
  readonly expected: string;
  readonly actual: string;
  readonly status: CheckStatus;
};

export const check = (
  id: string,
  cis: string,
  title: string,
  expected: string,
  actual: string,
  status: CheckStatus,
): Check => ({
  id,
  cis,
  title,
  expected,
  actual,
  status,
});
export const passIf = (ok: boolean): CheckStatus => (ok ? 'pass' : 'fail');

export const hc = (c: unknown, key: string): unknown => at(c, 'HostConfig', key);

/** Empty means the image's USER was used, and an image without USER runs as root. */
export function userIsNonRoot(user: string): boolean {
  const parsed = parseNumericUser(user);
  return parsed !== undefined && parsed.uid !== 0;
}

export const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
export const listText = (items: readonly string[]): string => (items.length === 0 ? '(none)' : items.join(', '));
