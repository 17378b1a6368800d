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
    /** Registry (and path) `push` pushes to; undefined when none is configured. (issue 13) */
    readonly registry: string | undefined;
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
  };
  readonly compose: { readonly file: string; readonly service: string } | undefined;
  readonly env: { readonly file: string; readonly example: string | undefined };
  // -- beyond one host (issue 13) --
  readonly deploy: {
    readonly target: 'engine' | 'swarm';
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
