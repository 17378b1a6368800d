/**
 * The policy as `docker run` and `docker network create` argv. Pure: nothing here spawns a
 * process, and every value is its own argv element (never joined into a shell string).
 */
import type { HardeningPolicy } from './policy.js';
import { refuseUnsafe } from './refuse.js';

/**
 * `docker run` argv for the policy, without the leading `docker`. Each value is its own element:
 * nothing here is ever joined into a shell string. The order is fixed so that logs and tests can
 * compare argv verbatim.
 *
 * `labels` (our project, run-spec and service labels) are added as `--label key=value`.
 *
 * Precondition: `refuseUnsafe(policy)` returned `[]` (config loading does that); a caller that
 * skipped it is a bug, so an unsafe policy throws rather than being deployed.
 */
export function runArgs(
  policy: HardeningPolicy,
  imageId: string,
  containerName: string,
  labels: Readonly<Record<string, string>> = {},
): string[] {
  const problems = refuseUnsafe(policy);
  if (problems.length > 0)
    throw new Error(`Internal error: runArgs called with an unsafe policy: ${problems.join('; ')}`);
  // The image is the only positional argument; one starting with '-' would be parsed as a flag.
  if (imageId === '' || imageId.startsWith('-'))
    throw new Error(`Internal error: invalid image id ${JSON.stringify(imageId)}`);

  const args = ['run', '-d', '--name', containerName, '--user', policy.user];
  if (policy.readOnly) args.push('--read-only');
  for (const t of policy.tmpfs) args.push('--tmpfs', t);
  for (const o of policy.securityOpt) args.push('--security-opt', o);
  args.push('--cap-drop', 'ALL');
  for (const c of policy.capAdd) args.push('--cap-add', c);
  args.push('--memory', policy.memory, '--memory-swap', policy.memorySwap, '--cpus', policy.cpus);
  args.push('--memory-reservation', policy.memoryReservation, '--cpu-shares', String(policy.cpuShares));
  args.push('--pids-limit', String(policy.pidsLimit), '--restart', policy.restart);
  args.push('--network', policy.network.mode === 'none' ? 'none' : policy.network.name);
  for (const [name, value] of Object.entries(policy.ulimits)) args.push('--ulimit', `${name}=${value}`);
  for (const [name, value] of Object.entries(policy.logOpts)) args.push('--log-opt', `${name}=${value}`);
  for (const v of policy.volumes) args.push('-v', v);
  for (const p of policy.ports) args.push('-p', p);
  // Plain values are one argv element each; the env file is passed by path, so its values never
  // reach argv, the command log or the image (docker reads it when the container is created).
  for (const [name, value] of Object.entries(policy.env)) args.push('--env', `${name}=${value}`);
  if (policy.envFile !== undefined) args.push('--env-file', policy.envFile);
  for (const key of Object.keys(labels).sort()) args.push('--label', `${key}=${labels[key]}`);
  args.push(imageId);
  return args;
}

/**
 * `docker network create` argv (without `docker`) for a user-defined network, or undefined for
 * `mode: 'none'`, where there is nothing to create.
 */
export function networkCreateArgs(
  policy: HardeningPolicy,
  labels: Readonly<Record<string, string>> = {},
): string[] | undefined {
  const network = policy.network;
  if (network.mode === 'none') return undefined;
  return [
    'network',
    'create',
    '--driver',
    'bridge',
    '-o',
    'com.docker.network.bridge.enable_icc=false',
    '-o',
    'com.docker.network.bridge.enable_ip_masquerade=false',
    ...(network.internal ? ['--internal'] : []),
    ...Object.keys(labels)
      .sort()
      .flatMap((key) => ['--label', `${key}=${labels[key]}`]),
    network.name,
  ];
}
