/**
 * The shape of `cloudy.config.ts`, `.cloudyrc*` and the `cloudy` key of package.json: what users
 * write. Key names are part of the public contract: docs, users' configs and tests rely on them.
 */
import type { AnyTask } from '../engine/task.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import type { Severity } from '../scan/severity.js';
import type { SwarmUnsupportedId } from '../swarm/unsupported.js';

/** A Make-style task declared as data (works in JSON, YAML and package.json configs). */
export interface DeclarativeTask {
  /** One line for `--list`. */
  readonly description?: string;
  /** Names of built-in or other tasks that must succeed first. */
  readonly deps?: readonly string[];
  /** Command line(s) run through bash in order, like a Make recipe. */
  readonly run: string | readonly string[];
}

/** What users write. Everything is optional; defaults are the security guide's values. */
export interface Config {
  readonly image?: {
    /**
     * Image repository name. Default: the project's name (package.json `name` without its scope,
     * else the directory's name) as a Docker name (`My App` → `my-app`), see ./names.ts.
     */
    readonly name?: string;
    /** Tag to apply. Default `latest`; deploys always use the image id, never the tag. */
    readonly tag?: string;
    /** Dockerfile path, relative to the project. Default `Dockerfile`. */
    readonly dockerfile?: string;
    /** Build context, relative to the project. Default `.`. */
    readonly context?: string;
    /** Extra `--build-arg`s (BUILD_DATE, VCS_REF and VERSION are always set). */
    readonly buildArgs?: Readonly<Record<string, string>>;
    /** Image generations of this project kept after a successful deploy (the running one included). Default 2. */
    readonly keep?: number;
    // -- beyond one host (issue 13) --
    /**
     * Registry (and optional path) `push` pushes to, e.g. `registry.example.com/team` or
     * `127.0.0.1:5000`: the image goes to `<registry>/<name>:<tag>` and is deployed by digest.
     */
    readonly registry?: string;
    // -- container and build inputs (issue 14) --
    /** `--target`: the Dockerfile stage to build. Default: the last stage. */
    readonly target?: string;
    /** `--platform os/arch[/variant]`. Default: the engine's own platform. */
    readonly platform?: string;
    /**
     * Build secrets, id → file (relative to the project), passed as `--secret id=…,src=…` for
     * `RUN --mount=type=secret,id=…`: never in a layer, the history or a build arg. Needs
     * BuildKit; refused on the legacy builder (exit 2).
     */
    readonly secrets?: Readonly<Record<string, string>>;
  };
  readonly container?: Partial<Omit<HardeningPolicy, 'network' | 'cpus'>> & {
    /** `'none'` (default) or a user-defined network the deploy creates. */
    readonly network?: 'none' | { readonly name: string; readonly internal?: boolean };
    readonly cpus?: string | number;
  };
  /** Base images to pull, in addition to the Dockerfile's FROM images. */
  readonly baseImages?: readonly string[];
  readonly scan?: {
    /** Severities Trivy reports and the gate considers. Default HIGH and CRITICAL. */
    readonly severity?: readonly Severity[];
    /** Fail when a finding is at or above this level. Default: the lowest of `severity`. */
    readonly failOn?: Severity;
    readonly ignoreUnfixed?: boolean;
    /** Path to a `.trivyignore`, relative to the project. Default `.trivyignore` if it exists. */
    readonly ignoreFile?: string;
    /** Trivy `--timeout`. Default `10m`. */
    readonly timeout?: string;
    /** Pass `--skip-db-update` (offline runs). Default false. */
    readonly skipDbUpdate?: boolean;
    /** The official Trivy image used when no `trivy` binary is on PATH. */
    readonly trivyImage?: string;
    /** Where reports are written, relative to the project. Default `reports`. */
    readonly reportsDir?: string;
    /** Also run `trivy config` on the Dockerfile and compose/Kubernetes files. Default true. */
    readonly config?: boolean;
    /** Preflight: require the final stage to be FROM scratch. Default true. */
    readonly requireScratch?: boolean;
    /** Reuse a passing scan of the same image and inputs younger than this (`30m`, `24h`, `7d`). Default `24h`. */
    readonly maxAge?: string;
  };
  /** Use docker compose for the no-cache rebuild instead of `docker build`. */
  readonly compose?: {
    readonly file?: string;
    readonly service?: string;
  };
  // ---- compose profiles, compose-file, compose-audit, dev-up/dev-down, incident (issue 12) ----
  /** The development stack: the compose file compose-file writes and dev-up/dev-down run. */
  readonly dev?: {
    /** The compose file, relative to the project. Default `compose.file`, else `docker-compose.yml`. */
    readonly file?: string;
    /** `--project-name` of every compose command. Default `<container.name>-dev`, lower-cased. */
    readonly project?: string;
    /** The app's service name. Default `compose.service`, else `container.name`. */
    readonly service?: string;
    /** Profiles dev-up starts (`--profile NAME` adds more). Default `['development']`. */
    readonly profiles?: readonly string[];
    /** The optional `ollama` profile: local AI next to the app, hardened like it. */
    readonly ollama?: {
      /** Default `ollama/ollama:0.5.7`. */
      readonly image?: string;
      /** Default `4g` (models are large). */
      readonly memory?: string;
      /** Default `2.0`. */
      readonly cpus?: string | number;
      /** Default 256 (its runners start threads). */
      readonly pidsLimit?: number;
    };
  };
  /** The incident runbook task. */
  readonly incident?: {
    /** Where incident folders are created, relative to the project. Default `incidents`. */
    readonly dir?: string;
  };
  // ---- end of issue 12 keys ----
  /** Where the env policy reads from. */
  readonly env?: {
    /** Default `.env`. */
    readonly file?: string;
    /** Default `.env.example` (the built-in one when the project has none). */
    readonly example?: string;
  };
  // -- beyond one host (issue 13): where deploy-secure deploys, Swarm and Kubernetes settings --
  /** Where and how deploy-secure deploys. */
  readonly deploy?: {
    /**
     * `auto` (default): start the new container before stopping the old one when no host port is
     * published (no downtime), else stop first. `stop-first`: always stop first (for services
     * that must never run twice on the same volumes, such as an embedded database).
     */
    readonly order?: 'auto' | 'stop-first';
    /**
     * `engine` (default): the local Docker engine (`DOCKER_HOST`) runs the container.
     * `swarm`: a Swarm service, through the manager `DOCKER_HOST` points at.
     */
    readonly target?: 'engine' | 'swarm';
    /**
     * Fleet deploy (target `engine`): the Docker engines to deploy to, each a `unix://`, `tcp://`
     * or `ssh://` URL or a docker context name. The same safe replace and verification runs on
     * each, pulling the pushed image by digest (needs `image.registry`); the first failure stops
     * the fleet and rolls that host back. Default: none (the engine `DOCKER_HOST` selects).
     */
    readonly hosts?: readonly string[];
    /** Fleet: how many hosts are deployed at once. Default 1 (one host at a time). */
    readonly parallel?: number;
    /** Fleet: on a failure, roll back the hosts this run already updated too. Default false (they stay updated). */
    readonly rollbackAll?: boolean;
    /** Replicas of a Swarm service or a Kubernetes Deployment. Default 1. */
    readonly replicas?: number;
    /** What the scheduler reserves per replica (Swarm reservations, Kubernetes requests). */
    readonly reservations?: {
      /** Default: `container.memory` (memory cannot be overcommitted without OOM kills). */
      readonly memory?: string;
      /** Default `0.25` (CPU is shared, not killed for). */
      readonly cpus?: string | number;
    };
  };
  readonly swarm?: {
    /** Settings Swarm cannot apply that you accept losing (see docs/growing-beyond-one-host.md). */
    readonly allowUnsupported?: readonly SwarmUnsupportedId[];
    /** How long Swarm watches each updated task before the update counts as good. Default 30. */
    readonly updateMonitorSeconds?: number;
    /** Restart attempts per task (condition on-failure). Default 5, or N of `container.restart: on-failure:N`. */
    readonly restartMaxAttempts?: number;
    /** Docker endpoints of the other nodes, so their task containers can be inspected. */
    readonly nodeHosts?: readonly string[];
  };
  readonly kubernetes?: {
    /** Namespace written into the manifests. Default: none (kubectl's current namespace). */
    readonly namespace?: string;
    /** Where `k8s-manifests` writes, relative to the project. Default `k8s`. */
    readonly outDir?: string;
    /** Size of each volume's PersistentVolumeClaim. Default `1Gi`. */
    readonly storage?: string;
    /** StorageClass of the claims. Default: the cluster's default class. */
    readonly storageClassName?: string;
    /** Service type when ports are published. Default `ClusterIP`. */
    readonly serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  };
  /**
   * The task(s) a bare `cloudy-tasks` runs (no task named). Without it, a bare call is a usage
   * error that says how to name one.
   */
  readonly default?: string | readonly string[];
  /**
   * Settings per environment, selected with `--env NAME`: deep-merged over the rest of this
   * config before it is validated (objects merge key by key; lists and values replace).
   */
  readonly environments?: Readonly<Record<string, ConfigOverlay>>;
  /** Your own tasks: declarative (`{ run: '...' }`) or made with `defineTask`. */
  readonly tasks?: Readonly<Record<string, DeclarativeTask | AnyTask>>;
  /** Tell someone how a run ended (scheduled runs: cron mails output, not exit codes). */
  readonly notify?: {
    /** An http(s) URL that receives one POST per matching run: the run-finished event as JSON. */
    readonly webhook?: string;
    /** When: `failure` (default; failed or interrupted runs), `change` (something was rebuilt, replaced or updated), `always`. */
    readonly on?: readonly ('failure' | 'change' | 'always')[];
    /** How long to wait for the webhook. Default `10s`. */
    readonly timeout?: string;
  };
}

/** What an environment may change: any setting but the tasks, the default and the environments. */
export type ConfigOverlay = Omit<Config, 'tasks' | 'default' | 'environments'>;

/** Identity function that gives editor completion and type checking in `cloudy.config.ts`. */
export function defineConfig(config: Config): Config {
  return config;
}
