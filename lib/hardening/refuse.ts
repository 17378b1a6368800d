/**
 * {@link refuseUnsafe}: every reason a resolved policy must not be deployed, checked before
 * anything runs (config loading) and again by `runArgs`: the long list of rules, one message each.
 */

import { nameProblem } from '../docker/reference.js';
import { MIN_MEMORY_BYTES, MIN_NANO_CPUS, parseCpus, parseMemory } from '../docker/units.js';
import {
  isAppArmorUnconfined,
  isNoNewPrivileges,
  isSeccompUnconfined,
  noNewPrivilegesValue,
  normalizeCapability,
  parseNumericUser,
  SAFE_CAPABILITIES,
  SELINUX_DISABLED,
  SYSTEMPATHS_UNCONFINED,
} from './options.js';
import type { HardeningPolicy, NetworkPolicy } from './policy.js';
import { hostPathRisk, parseVolume } from './volumes.js';

/** Keys a plain-JS config might carry although the type has no such field (see {@link HardeningPolicy}). */
export const FORBIDDEN_CONTAINER_KEYS: Readonly<Record<string, string>> = {
  privileged: 'privileged mode gives the container every capability and all host devices (CIS 5.5)',
  pid: 'sharing the host PID namespace (CIS 5.16)',
  ipc: 'sharing the host IPC namespace (CIS 5.17)',
  uts: 'sharing the host UTS namespace (CIS 5.21)',
  userns: 'sharing the host user namespace (CIS 5.31)',
  devices: 'host devices in the container (CIS 5.18)',
  cgroupParent: 'a custom cgroup parent (CIS 5.25)',
};

/**
 * Every reason the policy is unsafe to deploy, one line each, naming the config key and the fix.
 * `[]` means safe. Reports all problems at once so the user fixes them in one go.
 */
export function refuseUnsafe(policy: HardeningPolicy): string[] {
  const problems: string[] = [];
  const key = (k: string): string => `container.${k}`;

  for (const [k, why] of Object.entries(FORBIDDEN_CONTAINER_KEYS)) {
    if (Object.hasOwn(policy, k)) problems.push(`${key(k)}: not supported on purpose (${why}); remove the key`);
  }

  const user = parseNumericUser(policy.user);
  if (user === undefined) {
    problems.push(
      `${key('user')}: '${policy.user}' is not a numeric uid[:gid]; a name cannot be resolved in a scratch image and cannot be proven non-root (CIS 4.1); use e.g. '1001:1001'`,
    );
  } else if (user.uid === 0) {
    problems.push(`${key('user')}: '${policy.user}' runs as root (CIS 4.1); use a non-zero uid such as '1001:1001'`);
  }

  if (policy.readOnly !== true) {
    problems.push(
      `${key('readOnly')}: the root filesystem must be read-only (CIS 5.13); set readOnly: true and add tmpfs/volumes for writable paths`,
    );
  }

  const memory = parseMemory(policy.memory);
  if (memory === undefined || memory <= 0) {
    problems.push(`${key('memory')}: '${policy.memory}' is not a positive docker size (CIS 5.11); use e.g. '512m'`);
  } else if (memory < MIN_MEMORY_BYTES) {
    problems.push(`${key('memory')}: '${policy.memory}' is below docker's minimum of 6m; use at least '6m'`);
  }
  const swap = parseMemory(policy.memorySwap);
  if (swap === undefined || swap !== memory) {
    problems.push(
      `${key('memorySwap')}: '${policy.memorySwap}' must equal memory '${policy.memory}', otherwise the container may also use swap; set memorySwap: '${policy.memory}'`,
    );
  }
  const reservation = parseMemory(policy.memoryReservation);
  if (reservation === undefined || reservation <= 0) {
    problems.push(
      `${key('memoryReservation')}: '${policy.memoryReservation}' is not a positive docker size; use e.g. '256m'`,
    );
  } else if (reservation < MIN_MEMORY_BYTES) {
    problems.push(
      `${key('memoryReservation')}: '${policy.memoryReservation}' is below docker's minimum of 6m; set memoryReservation to at least '6m' (it must not exceed memory)`,
    );
  } else if (memory !== undefined && memory >= MIN_MEMORY_BYTES && reservation > memory) {
    problems.push(
      `${key('memoryReservation')}: '${policy.memoryReservation}' is above memory '${policy.memory}'; a reservation is a minimum within the limit: lower it or raise memory`,
    );
  }
  if (!Number.isInteger(policy.cpuShares) || policy.cpuShares < 2 || policy.cpuShares > 262144) {
    problems.push(
      `${key('cpuShares')}: ${String(policy.cpuShares)} is not a CPU weight docker accepts (2 to 262144; 1024 is normal)`,
    );
  }
  const nanoCpus = parseCpus(policy.cpus);
  if (nanoCpus === undefined) {
    problems.push(
      `${key('cpus')}: '${policy.cpus}' is not a positive decimal with at most 9 fractional digits (CIS 5.12); use e.g. '1.0'`,
    );
  } else if (nanoCpus < MIN_NANO_CPUS) {
    // docker turns --cpus into a CFS quota per 100 ms period; the kernel refuses one below 1 ms.
    problems.push(`${key('cpus')}: '${policy.cpus}' is below docker's minimum of 0.01 CPUs; use at least '0.01'`);
  }
  if (!Number.isInteger(policy.pidsLimit) || policy.pidsLimit <= 0) {
    problems.push(
      `${key('pidsLimit')}: ${String(policy.pidsLimit)} means unlimited processes (CIS 5.29); use a positive integer such as 64`,
    );
  }

  problems.push(...networkProblems(policy.network, key('network')));

  policy.volumes.forEach((spec, i) => {
    const volume = parseVolume(spec);
    const at = `${key('volumes')}[${i}]`;
    if (volume === undefined) {
      problems.push(`${at}: '${spec}' is not 'source:/target[:options]'; use e.g. 'cloudy_data:/app/data'`);
      return;
    }
    if (volume.bind && !volume.source.startsWith('/')) {
      problems.push(
        `${at}: '${spec}' binds the relative host path '${volume.source}', which cannot be checked until it is resolved against the project directory; use an absolute host path or a named volume`,
      );
      return;
    }
    const badName = volume.bind ? undefined : nameProblem(volume.source);
    if (badName !== undefined) {
      problems.push(`${at}: volume name '${volume.source}' is refused: ${badName}; use e.g. 'cloudy_data'`);
      return;
    }
    const risk = volume.bind ? hostPathRisk(volume.source) : undefined;
    if (risk === 'docker-socket') {
      problems.push(`${at}: '${spec}' exposes the Docker socket, which is root on the host (CIS 5.32); remove it`);
    } else if (risk === 'sensitive') {
      problems.push(
        `${at}: '${spec}' mounts the sensitive host path '${volume.source}' (CIS 5.6); use a named volume instead`,
      );
    }
  });

  policy.capAdd.forEach((cap, i) => {
    const name = normalizeCapability(cap);
    const at = `${key('capAdd')}[${i}]`;
    if (name === 'ALL') {
      problems.push(`${at}: 'ALL' undoes --cap-drop ALL (CIS 5.4); list only the capabilities the app needs`);
    } else if (!SAFE_CAPABILITIES.includes(name)) {
      problems.push(`${at}: '${cap}' is not in the allowlist ${SAFE_CAPABILITIES.join(', ')} (CIS 5.4); remove it`);
    }
  });

  policy.securityOpt.forEach((opt, i) => {
    const at = `${key('securityOpt')}[${i}]`;
    const nnp = noNewPrivilegesValue(opt);
    if (nnp === false) {
      problems.push(
        `${at}: '${opt}' turns no-new-privileges off, and the engine applies the last such entry (CIS 5.26); remove it and keep only 'no-new-privileges:true'`,
      );
    } else if (nnp === 'invalid') {
      problems.push(
        `${at}: '${opt}' is not a valid no-new-privileges value; the engine refuses it; use 'no-new-privileges:true'`,
      );
    } else if (isSeccompUnconfined(opt)) {
      problems.push(
        `${at}: '${opt}' disables the default seccomp filter (CIS 5.22); remove it, or ship a custom profile with 'seccomp=<profile.json>'`,
      );
    } else if (isAppArmorUnconfined(opt)) {
      problems.push(`${at}: '${opt}' disables AppArmor confinement (CIS 5.2); remove it`);
    } else if (SELINUX_DISABLED.test(opt.trim())) {
      problems.push(`${at}: '${opt}' disables SELinux labelling (CIS 5.3); remove it`);
    } else if (SYSTEMPATHS_UNCONFINED.test(opt.trim())) {
      problems.push(`${at}: '${opt}' unmasks /proc and /sys paths; remove it`);
    }
  });
  if (!policy.securityOpt.some(isNoNewPrivileges)) {
    problems.push(`${key('securityOpt')}: no-new-privileges is missing (CIS 5.26); add 'no-new-privileges:true'`);
  }

  return problems;
}

function networkProblems(network: NetworkPolicy, at: string): string[] {
  // The type rules out other modes, but a plain-JS config is only checked at run time.
  const mode: string = network.mode;
  if (mode === 'none') return [];
  if (network.mode !== 'network') {
    return [
      `${at}.mode: '${mode}' is not allowed (host shares the host's network stack, bridge/default is docker0, CIS 5.10/5.30); use 'none' or 'network'`,
    ];
  }
  const problems: string[] = [];
  const name = network.name;
  if (name === '' || ['host', 'bridge', 'default', 'none'].includes(name) || name.startsWith('container:')) {
    problems.push(
      `${at}.name: '${name}' is not a user-defined network (CIS 5.10/5.30); use a dedicated name such as 'cloudy_net'`,
    );
  }
  if ((network.icc as boolean) !== false) problems.push(`${at}.icc: inter-container communication must be false`);
  if ((network.masquerade as boolean) !== false) problems.push(`${at}.masquerade: IP masquerading must be false`);
  return problems;
}
