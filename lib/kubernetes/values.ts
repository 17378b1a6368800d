/**
 * Docker's notations as Kubernetes': names (DNS-1123), label values, memory and CPU quantities,
 * and the image's HEALTHCHECK as an exec probe. Pure.
 */
import { parseCpus } from '../docker/units.js';

/** The image's `Config.Healthcheck` from `docker image inspect` (durations in nanoseconds). */
export type ImageHealthcheck = {
  readonly Test?: readonly string[] | null;
  readonly Interval?: number;
  readonly Timeout?: number;
  readonly StartPeriod?: number;
  readonly Retries?: number;
};

const seconds = (ns: number | undefined, fallback: number): number =>
  ns === undefined || ns <= 0 ? fallback : Math.max(1, Math.ceil(ns / 1e9));

/** A DNS-1123 name from any text: lower case, `-` for anything else, at most 63 characters. */
export function dnsName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'cloudy';
}

/** A label value: at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Bytes as a Kubernetes binary quantity (`536870912` → `512Mi`). */
export function bytesQuantity(bytes: number): string {
  for (const [unit, size] of [
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ] as const) {
    if (bytes % size === 0 && bytes >= size) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** Docker CPUs as millicores (`1.0` → `1000m`, `0.25` → `250m`). */
export function cpuQuantity(cpus: string): string {
  const nanos = parseCpus(cpus) ?? 0;
  return `${Math.max(1, Math.round(nanos / 1e6))}m`;
}

/** The HEALTHCHECK as an exec probe, or undefined when the image has none (Docker's defaults apply). */
export function probeFrom(h: ImageHealthcheck): Record<string, unknown> | undefined {
  const test = h.Test ?? [];
  const [kind, ...rest] = test;
  let command: readonly string[];
  if (kind === 'CMD' && rest.length > 0) command = rest;
  else if (kind === 'CMD-SHELL' && rest.length > 0) command = ['/bin/sh', '-c', rest.join(' ')];
  else return undefined;
  return {
    exec: { command: [...command] },
    initialDelaySeconds: seconds(h.StartPeriod, 0),
    periodSeconds: seconds(h.Interval, 30),
    timeoutSeconds: seconds(h.Timeout, 30),
    failureThreshold: h.Retries && h.Retries > 0 ? h.Retries : 3,
  };
}
