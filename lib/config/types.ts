/**
 * The resolved config: what tasks read as `ctx.config`, every default filled in and every path
 * absolute. What users write is `Config` in ./input.ts; ./resolve.ts turns one into the other.
 * The user's own task definitions are not part of it: they go to the task registry, not to tasks.
 */
import type { HardeningPolicy } from '../hardening/policy.js';
import type { Severity } from '../scan/severity.js';
import type { SwarmUnsupportedId } from '../swarm/unsupported.js';

/** The config tasks see: every default applied, paths absolute. */
export interface ResolvedConfig {
  /** The file the config came from, or undefined when defaults are used. */
  readonly file: string | undefined;
  readonly projectDir: string;
  readonly image: {
    readonly name: string;
    readonly tag: string;
    /** `name:tag`. */
    readonly ref: string;
    readonly dockerfile: string;
    readonly context: string;
    readonly buildArgs: Readonly<Record<string, string>>;
    /** Generations of this project's images kept after a successful deploy (>= 1). */
    readonly keep: number;
    /** Registry (and path) `push` pushes to; undefined when none is configured. (issue 13) */
    readonly registry: string | undefined;
    /** `--target` and `--platform`; undefined when not set. (issue 14) */
    readonly target: string | undefined;
    readonly platform: string | undefined;
    /** Build secret id → absolute path of its file. */
    readonly secrets: Readonly<Record<string, string>>;
  };
  readonly container: HardeningPolicy;
  readonly baseImages: readonly string[];
  readonly scan: {
    readonly severity: readonly Severity[];
    readonly failOn: Severity;
    readonly ignoreUnfixed: boolean;
    readonly ignoreFile: string | undefined;
    readonly timeout: string;
    readonly skipDbUpdate: boolean;
    readonly trivyImage: string;
    readonly reportsDir: string;
    readonly config: boolean;
    readonly requireScratch: boolean;
    /** How long a passing scan is reused for the same inputs (`24h`). */
    readonly maxAge: string;
  };
  readonly compose: { readonly file: string; readonly service: string } | undefined;
  // ---- compose profiles, dev stack, incident (issue 12) ----
  readonly dev: {
    /** Absolute path of the compose file. */
    readonly file: string;
    /** Compose project name: `[a-z0-9][a-z0-9_-]*`. */
    readonly project: string;
    readonly service: string;
    readonly profiles: readonly string[];
    readonly ollama: {
      readonly image: string;
      readonly memory: string;
      readonly cpus: string;
      readonly pidsLimit: number;
    };
  };
  readonly incident: {
    /** Absolute path of the directory incident folders are created in. */
    readonly dir: string;
  };
  // ---- end of issue 12 keys ----
  readonly env: {
    readonly file: string;
    readonly example: string | undefined;
    /** `--env NAME`: `.env.NAME` is loaded over `.env`, and `environments.NAME` was merged in. */
    readonly environment: string | undefined;
  };
  /** The tasks a bare `cloudy-tasks` runs (`default` in the config); empty when none is set. */
  readonly default: readonly string[];
  /** The project's name: the `name` in its package.json, else its directory's name. */
  readonly projectName: string;
  readonly notify: {
    readonly webhook: string | undefined;
    readonly on: readonly ('failure' | 'change' | 'always')[];
    readonly timeoutMs: number;
  };
  // -- beyond one host (issue 13) --
  readonly deploy: {
    /** How deploy-secure replaces the running container (see Config.deploy.order). */
    readonly order: 'auto' | 'stop-first';
    readonly target: 'engine' | 'swarm';
    /** Fleet hosts (URLs or docker context names); empty: the one engine `DOCKER_HOST` selects. */
    readonly hosts: readonly string[];
    readonly parallel: number;
    readonly rollbackAll: boolean;
    readonly replicas: number;
    readonly reservations: { readonly memory: string; readonly cpus: string };
  };
  readonly swarm: {
    readonly allowUnsupported: readonly SwarmUnsupportedId[];
    readonly updateMonitorSeconds: number;
    readonly restartMaxAttempts: number;
    readonly nodeHosts: readonly string[];
  };
  readonly kubernetes: {
    readonly namespace: string | undefined;
    /** Absolute. */
    readonly outDir: string;
    readonly storage: string;
    readonly storageClassName: string | undefined;
    readonly serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  };
}
