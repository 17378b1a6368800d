/**
 * Policy values as the values of Swarm's flags: `--mount` CSV for volumes, binds and tmpfs,
 * `--publish` for ports, `--ulimit` pairs, each with the normalised form ./spec.ts compares. Pure.
 */
import type { HardeningPolicy } from '../hardening/policy.js';
import { parseVolume } from '../hardening/volumes.js';
import { tmpfsOptions } from './unsupported.js';

/** `--mount` values: named volumes, binds and tmpfs, as the CSV the CLI parses. */
export function mountArgs(policy: HardeningPolicy): { target: string; value: string; shape: string }[] {
  const mounts: { target: string; value: string; shape: string }[] = [];
  for (const spec of policy.volumes) {
    const v = parseVolume(spec);
    if (!v) continue;
    const type = v.bind ? 'bind' : 'volume';
    const ro = v.options.split(',').includes('ro');
    mounts.push({
      target: v.target,
      value: [`type=${type}`, `source=${v.source}`, `target=${v.target}`, ...(ro ? ['readonly'] : [])]
        .map(csvField)
        .join(','),
      shape: `${type}:${v.source}:${v.target}${ro ? ':ro' : ''}`,
    });
  }
  for (const spec of policy.tmpfs) {
    const t = tmpfsOptions(spec);
    const fields = [
      'type=tmpfs',
      `target=${t.path}`,
      ...(t.sizeBytes !== undefined ? [`tmpfs-size=${t.sizeBytes}`] : []),
      ...(t.mode !== undefined ? [`tmpfs-mode=${t.mode.toString(8)}`] : []),
    ];
    mounts.push({
      target: t.path,
      value: fields.map(csvField).join(','),
      shape: `tmpfs:${t.path}:${t.sizeBytes ?? 0}:${t.mode ?? 0}`,
    });
  }
  return mounts;
}

/** `--publish` values; a spec without a host port lets Swarm pick one (shape `*`). */
export function portArgs(policy: HardeningPolicy): { target: number; value: string; shape: string }[] {
  return policy.ports.flatMap((spec) => {
    const [ports = '', proto = 'tcp'] = spec.split('/');
    const parts = ports.replace(/^\[[^\]]*\]:/, '').split(':');
    const target = Number(parts.at(-1));
    const published = parts.length >= 2 ? parts.at(-2) : undefined;
    if (!Number.isInteger(target)) return [];
    const fields = [...(published ? [`published=${published}`] : []), `target=${target}`, `protocol=${proto}`];
    return [{ target, value: [...fields, 'mode=ingress'].join(','), shape: `${published ?? '*'}:${target}/${proto}` }];
  });
}

/** `1024:1024` stays; a single value means soft = hard, as `docker run --ulimit` reads it. */
export function ulimitPair(value: string): string {
  const [soft, hard = soft] = value.trim().split(':');
  return `${soft}:${hard}`;
}

/** A CSV field as the CLI's `--mount` parser reads it: quoted when it holds a comma or a quote. */
export function csvField(field: string): string {
  return /[",\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
