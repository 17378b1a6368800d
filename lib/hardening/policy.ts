/**
 * The hardening policy for the deployed container: its type and its defaults (the guide's
 * production `docker run` line with the audit's gaps closed). ./refuse.ts refuses unsafe
 * settings before anything runs; ./run-args.ts turns the policy into `docker run` argv. Why each
 * setting exists, with its CIS Docker Benchmark 1.6.0 id: README "Hardening defaults".
 */

/**
 * Where the container is attached. `none` gives it only a loopback interface. `network` attaches
 * it to a user-defined bridge that the deploy creates (see networkCreateArgs in ./run-args.ts). There is no
 * variant for `host`, `bridge`/`default` (docker0, CIS 5.30) or `container:<id>`.
 */
export type NetworkPolicy =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'network';
      /** Name of the user-defined bridge network, e.g. `cloudy_net`. */
      readonly name: string;
      /** `--internal`: no route off the host. Disabling masquerade alone leaves forwarding on. */
      readonly internal: boolean;
      /** Inter-container communication on the bridge: always off. */
      readonly icc: false;
      /** Outbound NAT on the bridge: always off. */
      readonly masquerade: false;
    };

/**
 * The resolved `container` section of the user config: every default filled in.
 *
 * On purpose there is no field for `--privileged`, `--pid/--ipc/--uts/--userns host`, `--device`
 * or `--cgroup-parent`: the hardened deploy never uses them, so they cannot be configured (and
 * {@link refuseUnsafe} rejects such keys if a plain-JS config smuggles them in).
 */
export type HardeningPolicy = {
  /** Default container name (`--name`). */
  readonly name: string;
  /** `--user`, numeric `uid:gid`: a FROM-scratch image has no /etc/passwd to resolve names. */
  readonly user: string;
  /** `--read-only` root filesystem (CIS 5.13). Must be true. */
  readonly readOnly: boolean;
  /** `--memory`, docker size notation (`512m`). */
  readonly memory: string;
  /** `--memory-swap`; must equal `memory`, or the engine allows as much swap again on top. */
  readonly memorySwap: string;
  /** `--cpus`, decimal (`1.0`). */
  readonly cpus: string;
  /**
   * `--memory-reservation`: the soft minimum the kernel tries to keep for the container when the
   * host runs short (the guide's "resource reservations"). At most `memory`; default half of it.
   */
  readonly memoryReservation: string;
  /** `--cpu-shares`: the container's CPU weight when CPUs are contended (1024 is Docker's normal weight). */
  readonly cpuShares: number;
  /** `--pids-limit`, > 0. The engine stores 0 and -1 as null, which means unlimited. */
  readonly pidsLimit: number;
  /** `--restart`: `no`, `always`, `unless-stopped` or `on-failure[:N]`. CIS 5.15 prefers `on-failure:5`. */
  readonly restart: string;
  /**
   * `-v` specs `source:target[:options]`. A source starting with `/`, `.` or `~`, or containing `/`,
   * is a host bind mount (see {@link parseVolume}); anything else is a named volume.
   * {@link resolveBindSources} makes every bind source absolute before {@link refuseUnsafe}.
   */
  readonly volumes: readonly string[];
  /** Network attachment; see {@link NetworkPolicy}. */
  readonly network: NetworkPolicy;
  /** `--tmpfs` specs `path[:options]`, giving the read-only container writable scratch space. */
  readonly tmpfs: readonly string[];
  /** `--ulimit name=soft[:hard]`, keyed by limit name (`nofile` → `1024:1024`). */
  readonly ulimits: Readonly<Record<string, string>>;
  /** `--log-opt key=value` for the log driver; `max-size` is what bounds the log on disk. */
  readonly logOpts: Readonly<Record<string, string>>;
  /** `--cap-add` after `--cap-drop ALL`: the explicit allowlist, `[]` = no capabilities at all. */
  readonly capAdd: readonly string[];
  /** `--security-opt` entries; must include no-new-privileges. */
  readonly securityOpt: readonly string[];
  /** `-p` specs `[ip:][hostPort:]containerPort[/proto]`; `[]` publishes nothing. */
  readonly ports: readonly string[];
  /** How long the deploy waits for `State.Health.Status` to become `healthy`. */
  readonly healthTimeoutSeconds: number;
  /**
   * `--env NAME=value`: non-secret settings, passed on the `docker run` line (so they are in the
   * log of the command and in `docker inspect`). Secret values belong in {@link envFile}.
   */
  readonly env: Readonly<Record<string, string>>;
  /**
   * `--env-file`: absolute path of a file in Docker's env-file format (`NAME=value` lines, no
   * quoting). Only its path reaches argv and logs, never its values; the deploy hashes its
   * content into the run spec so a changed file redeploys. Never part of the image.
   */
  readonly envFile?: string;
  /**
   * How long a new container must stay running and healthy after it first turned healthy before
   * the old one is removed (Swarm's update monitor): a version that crashes seconds after its
   * first good probe is rolled back. `0`: committed as soon as it is healthy and verified.
   */
  readonly stableSeconds: number;
};

/**
 * The guide's production `docker run` line, with the gaps the audit found closed. Its `name` and
 * `volumes` are the guide's example; a project's own defaults come from its name
 * (lib/config/names.ts), so two projects without a config never share a container or volumes.
 */
export const DEFAULT_HARDENING: HardeningPolicy = deepFreeze({
  name: 'cloudy-mc-codeface',
  user: '1001:1001',
  readOnly: true,
  memory: '512m',
  memorySwap: '512m',
  cpus: '1.0',
  memoryReservation: '256m',
  cpuShares: 1024,
  pidsLimit: 64,
  restart: 'unless-stopped',
  volumes: ['cloudy_data:/app/data', 'cloudy_config:/app/config', 'cloudy_logs:/app/logs'],
  network: { mode: 'none' },
  tmpfs: ['/tmp:rw,noexec,nosuid,nodev,size=16m'],
  ulimits: { nofile: '1024:1024' },
  logOpts: { 'max-size': '10m', 'max-file': '3' },
  capAdd: [],
  securityOpt: ['no-new-privileges:true'],
  ports: [],
  healthTimeoutSeconds: 60,
  env: {},
  stableSeconds: 5,
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
