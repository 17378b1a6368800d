/**
 * Which Docker engine a command talks to. Every call the deploy makes goes through `docker(ctx,
 * args, { target })`, so the same replace, verification and rollback can run against another
 * engine (a fleet host over `ssh://` or `tcp://`, a docker context) without a second code path.
 * The engine is chosen with docker's own global flags, so the logged command (and `--dry-run`)
 * shows exactly where it runs and can be pasted into a shell.
 */
import { isHostUrl } from './reference.js';

/** A Docker engine: the local default, a `--host` URL or a `--context` name. */
export interface DockerTarget {
  /** For messages and records: `local`, the host URL, or `context:<name>`. */
  readonly label: string;
  /** Global docker flags that select the engine, placed before the subcommand; `[]` for the default. */
  readonly globalArgs: readonly string[];
}

/** The engine the environment selects (DOCKER_HOST / DOCKER_CONTEXT, else the local socket). */
export const LOCAL_ENGINE: DockerTarget = Object.freeze({ label: 'local', globalArgs: Object.freeze([]) });

/**
 * An engine addressed by URL (`unix:///run/other.sock`, `tcp://10.0.0.5:2376`, `ssh://deploy@host`).
 * The URL is one argv word after `--host`, so it is never parsed as an option.
 */
export function hostTarget(url: string): DockerTarget {
  if (!/^(unix|tcp|ssh|npipe|fd):\/\//.test(url))
    throw new Error(`Internal error: not a docker host URL: ${JSON.stringify(url)}`);
  return { label: url, globalArgs: ['--host', url] };
}

/** An engine named by a docker context (`docker context ls`). */
export function contextTarget(name: string): DockerTarget {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(name))
    throw new Error(`Internal error: not a docker context name: ${JSON.stringify(name)}`);
  return { label: `context:${name}`, globalArgs: ['--context', name] };
}

/** The engine of one fleet host: a `--host` URL, else a `--context` name (validated at load time). */
export function fleetTarget(host: string): DockerTarget {
  return isHostUrl(host) ? hostTarget(host) : contextTarget(host);
}
