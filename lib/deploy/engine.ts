/**
 * The Docker engine a deploy works on, as one object: every docker call of the replace, the
 * converge check, the rollback and retention goes through it, so running the same deploy against
 * another engine (a fleet host) is `engineFor(ctx, hostTarget('ssh://deploy@web-2'))` and nothing
 * else. Rollback semantics do not depend on the engine: containers are addressed by id.
 */

import { docker } from '../docker/cli.js';
import { inspectContainer } from '../docker/health.js';
import { type DockerTarget, LOCAL_ENGINE } from '../docker/target.js';
import type { CommandResult, ShellOptions } from '../engine/spawn.js';
import type { TaskContext } from '../engine/task.js';

export interface Engine {
  readonly ctx: TaskContext;
  readonly target: DockerTarget;
  /** `docker <args>` on this engine (see lib/docker/cli.ts for what errors mean). */
  docker(args: readonly string[], options?: ShellOptions): Promise<CommandResult>;
  /** `docker container inspect <name>` [0], or undefined when there is no such container. */
  inspect(name: string, options?: ShellOptions): Promise<Record<string, unknown> | undefined>;
  /** Several containers in one `docker container inspect` (one process instead of one each); missing ones are absent. */
  inspectMany(names: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
}

export function engineFor(ctx: TaskContext, target: DockerTarget = LOCAL_ENGINE): Engine {
  return {
    ctx,
    target,
    docker: (args, options = {}) => docker(ctx, args, { ...options, target }),
    inspect: (name, options = {}) => inspectContainer(ctx, name, { ...options, target }),
    inspectMany: async (names) => {
      // Exit 1 when any is missing, but docker still prints the ones it found.
      const r = await docker(ctx, ['container', 'inspect', ...names], { nothrow: true, silent: true, target });
      let found: Record<string, unknown>[] = [];
      try {
        found = JSON.parse(r.stdout || '[]') as Record<string, unknown>[];
      } catch {
        found = [];
      }
      return new Map(found.map((c) => [String(c['Name'] ?? '').replace(/^\//, ''), c]));
    },
  };
}

/** `Id` of an inspected container. */
export const idOf = (info: Record<string, unknown> | undefined): string | undefined =>
  info?.['Id'] as string | undefined;

/** The parts of `State` the deploy reads. */
export interface ContainerState {
  readonly Status?: string;
  readonly Running?: boolean;
  readonly Restarting?: boolean;
  readonly ExitCode?: number;
  readonly Health?: { readonly Status?: string } | null;
}

export const stateOf = (info: Record<string, unknown> | undefined): ContainerState =>
  ((info?.['State'] as ContainerState | undefined) ?? {}) as ContainerState;
