/**
 * The small pieces every group of inspect checks shares: the {@link Check} constructor, the
 * pass/fail shorthand, the `HostConfig` reader and the one-line text renderings. Kept apart from
 * lib/inspect-checks.ts so the per-topic check files (identity, runtime, network, mounts) take them
 * from one place instead of from the public entry point, which imports those files in turn.
 */
import type { Check, CheckStatus } from './inspect-checks.js';
import { parseNumericUser } from './hardening.js';
import { at } from './util/json-path.js';

export const check = (id: string, cis: string, title: string, expected: string, actual: string, status: CheckStatus): Check => ({
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
