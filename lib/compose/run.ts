/**
 * Running compose for the dev stack: always with `--project-name` (so two projects, or the dev
 * stack and the deployed service, never touch each other's containers, volumes or networks) and
 * the file given explicitly, through the task shell (every value one argv word).
 */
import path from 'node:path';
import { type ComposeTool, detectCompose } from '../docker/compose.js';
import type { TaskContext } from '../engine/task.js';
import { TaskFailure } from '../failure.js';
import { type EffectiveConfig, readEffectiveConfig } from './effective.js';
import { parseYaml } from './yaml.js';

/** Where and as what compose runs. */
export interface ComposeTarget {
  readonly tool: ComposeTool;
  /** Absolute path of the compose file. */
  readonly file: string;
  readonly project: string;
}

/** The compose tool, or the task ends saying how to install one. */
export async function requireCompose(ctx: TaskContext): Promise<ComposeTool> {
  const tool = await detectCompose(ctx);
  if (tool) return tool;
  throw new TaskFailure({
    reason: 'tool-missing',
    tool: 'docker compose',
    fix: 'install the compose plugin (docker compose) or docker-compose',
  });
}

/** `docker compose -p P -f F [--profile X]...`: the argv every compose command starts with. */
export function composePrefix(ctx: TaskContext, t: ComposeTarget, profiles: readonly string[]): string[] {
  const relative = path.relative(ctx.projectDir, t.file) || t.file;
  // A relative path starting with '-' would be read as an option.
  const file = relative.startsWith('-') ? `.${path.sep}${relative}` : relative;
  return [...t.tool.command, '--project-name', t.project, '--file', file, ...profiles.flatMap((p) => ['--profile', p])];
}

/** The tool as one phrase for messages: `docker-compose 1.29.2`. */
export const toolName = (tool: ComposeTool): string =>
  `${tool.command.join(' ')}${tool.version ? ` ${tool.version}` : ''}`;

/**
 * The effective config (`config` after merging, interpolation, defaults) with these profiles.
 * Compose v1 prints every service whatever the profiles, v2 only the active ones; the caller
 * selects with `activeServices`, which gives the same set in both. undefined under --dry-run.
 */
export async function effectiveConfig(
  ctx: TaskContext,
  t: ComposeTarget,
  profiles: readonly string[],
): Promise<EffectiveConfig | undefined> {
  const result = await ctx.$.with({ nothrow: true, silent: true })`${[...composePrefix(ctx, t, profiles), 'config']}`;
  if (ctx.flags.dryRun) return undefined;
  if (result.exitCode !== 0) {
    const why = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    throw new TaskFailure({
      reason: 'task-error',
      message: `${toolName(t.tool)} cannot read ${path.relative(ctx.projectDir, t.file) || t.file}: ${why.join(' ').slice(0, 300) || `exit ${result.exitCode}`}`,
      hint: 'fix the compose file, or regenerate it with cloudy-tasks compose-file',
    });
  }
  const parsed = await parseYaml(result.stdout);
  if (!parsed.ok)
    throw new Error(`Internal error: compose config printed something that is not YAML: ${parsed.problem}`);
  return readEffectiveConfig(parsed.value);
}
