/**
 * What `--project-name` does to names. Compose prefixes the named volumes and networks a file
 * declares with `<project>_`, which is what keeps two projects (and the dev stack and the
 * deployed service) from ever sharing one: the policy a compose container must satisfy is the
 * resolved policy with those names prefixed.
 */
import type { HardeningPolicy } from '../hardening/policy.js';
import { parseVolume } from '../hardening/volumes.js';

/** `<project>_<name>`, as compose names a declared volume or network. */
export const scoped = (project: string, name: string): string => `${project}_${name}`;

/** The policy as a container of compose project `project` carries it: named volumes and the network scoped. */
export function scopedPolicy(policy: HardeningPolicy, project: string): HardeningPolicy {
  const volumes = policy.volumes.map((spec) => {
    const v = parseVolume(spec);
    if (v === undefined || v.bind) return spec;
    return [scoped(project, v.source), v.target, ...(v.options === '' ? [] : [v.options])].join(':');
  });
  const network: HardeningPolicy['network'] =
    policy.network.mode === 'none' ? policy.network : { ...policy.network, name: scoped(project, policy.network.name) };
  return { ...policy, volumes, network };
}
