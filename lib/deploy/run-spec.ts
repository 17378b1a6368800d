/**
 * The run spec: the container settings a `docker run` is made from, and a hash of them in a
 * normalised form, put on the container as a label (lib/docker/labels.ts). A deploy compares the
 * label of the running container with the hash of the settings now: equal means the container was
 * started with exactly these settings, on whatever machine and by whichever run. Pure.
 *
 * Normalised means "the same to the engine": `512m` and `512M` and `536870912` are one memory
 * limit, `1` and `1.0` one CPU, `cap_net_bind_service` and `NET_BIND_SERVICE` one capability.
 * Left out: the name (start-first deploys start the new container under a temporary one), the
 * health timeout and `stableSeconds` (how long the deploy waits and watches, not how the container runs).
 *
 * `container.env` and `container.envFile` (issue 14) count only when set, so containers deployed
 * before they existed keep their hash. The env file counts by the sha256 of its content (the
 * caller reads it): a changed file redeploys, and no value of it is in the label or `--explain`.
 * Values of secret-looking names in `container.env` are shown as `***` (they are in the hash).
 */
import { createHash } from 'node:crypto';
import { parseCpus, parseMemory } from '../docker/units.js';
import { normalizeCapability } from '../hardening/options.js';
import type { HardeningPolicy } from '../hardening/policy.js';

/** What the caller read from disk for the run spec: the env file's content hash (`sha256:<hex>`). */
export interface RunSpecFiles {
  readonly envFileSha256?: string;
}

/** Names whose values are never shown (the same words lib/render/redact.ts masks). */
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASS/i;

/** Config key (`container.memory`) → the value as configured, one line each. */
export type RunSettings = Readonly<Record<string, string>>;

const list = (items: readonly string[]): string => (items.length === 0 ? '(none)' : items.join(', '));
const pairs = (record: Readonly<Record<string, string>>): string =>
  list(Object.entries(record).map(([k, v]) => `${k}=${v}`));

/** The settings as configured: what `--explain` compares and shows. */
export function runSettings(policy: HardeningPolicy, files: RunSpecFiles = {}): RunSettings {
  const network =
    policy.network.mode === 'none' ? 'none' : `${policy.network.name}${policy.network.internal ? ' (internal)' : ''}`;
  return {
    'container.user': policy.user,
    'container.readOnly': String(policy.readOnly),
    'container.memory': policy.memory,
    'container.memorySwap': policy.memorySwap,
    'container.cpus': policy.cpus,
    'container.pidsLimit': String(policy.pidsLimit),
    'container.restart': policy.restart,
    'container.network': network,
    'container.volumes': list(policy.volumes),
    'container.tmpfs': list(policy.tmpfs),
    'container.ulimits': pairs(policy.ulimits),
    'container.logOpts': pairs(policy.logOpts),
    'container.capAdd': list(policy.capAdd),
    'container.securityOpt': list(policy.securityOpt),
    'container.ports': list(policy.ports),
    ...(Object.keys(policy.env).length > 0
      ? {
          'container.env': pairs(
            Object.fromEntries(
              Object.entries(policy.env).map(([k, v]) => [k, SECRET_NAME.test(k) ? '***' : v] as const),
            ),
          ),
        }
      : {}),
    ...(policy.envFile !== undefined
      ? { 'container.envFile': `${policy.envFile} (${(files.envFileSha256 ?? 'unread').slice(0, 19)})` }
      : {}),
  };
}

/** The same settings as the engine sees them (sizes in bytes, CPUs in nano-CPUs, capabilities canonical). */
function normalised(policy: HardeningPolicy, files: RunSpecFiles): Record<string, unknown> {
  return {
    format: 1,
    user: policy.user,
    readOnly: policy.readOnly,
    memory: parseMemory(policy.memory) ?? policy.memory,
    memorySwap: parseMemory(policy.memorySwap) ?? policy.memorySwap,
    cpus: parseCpus(policy.cpus) ?? policy.cpus,
    pidsLimit: policy.pidsLimit,
    restart: policy.restart,
    network: policy.network.mode === 'none' ? 'none' : [policy.network.name, policy.network.internal],
    // -v and --tmpfs are sets to the engine; --security-opt is not (the last no-new-privileges wins).
    volumes: [...policy.volumes].sort(),
    tmpfs: [...policy.tmpfs].sort(),
    ulimits: Object.entries(policy.ulimits).sort(([a], [b]) => (a < b ? -1 : 1)),
    logOpts: Object.entries(policy.logOpts).sort(([a], [b]) => (a < b ? -1 : 1)),
    capAdd: [...new Set(policy.capAdd.map(normalizeCapability))].sort(),
    securityOpt: [...policy.securityOpt],
    ports: [...policy.ports].sort(),
    // An env var set twice: the last one wins in docker, and `policy.env` is a record (one each).
    ...(Object.keys(policy.env).length > 0
      ? { env: Object.entries(policy.env).sort(([a], [b]) => (a < b ? -1 : 1)) }
      : {}),
    ...(policy.envFile !== undefined ? { envFile: [policy.envFile, files.envFileSha256 ?? null] } : {}),
  };
}

/** The run-spec hash (16 hex digits) for the container label. */
export function runSpecHash(policy: HardeningPolicy, files: RunSpecFiles = {}): string {
  return createHash('sha256')
    .update(JSON.stringify(normalised(policy, files)))
    .digest('hex')
    .slice(0, 16);
}

/** Each setting that differs: `container.memory 512m → 1g`. */
export function describeSettingChanges(before: RunSettings, after: RunSettings): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => before[k] !== after[k])
    .map((k) => `${k} ${before[k] ?? '(unset)'} → ${after[k] ?? '(unset)'}`);
}
