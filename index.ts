/**
 * The package API: what `import … from 'cloudy-tasks'` gives a config or a script.
 * Define tasks with `defineTask`, configs with `defineConfig`, and depend on built-ins by
 * reference: `defineTask({ name: 'smoke', deps: [deploySecure], run: (ctx, deps) => … })`.
 */
export { defineTask, isTask } from './lib/engine/task.js';
export type { AnyTask, Task, TaskContext, TaskOutput, DepOutputs, RunFlags } from './lib/engine/task.js';
export { defineConfig } from './lib/config/input.js';
export type { Config, DeclarativeTask } from './lib/config/input.js';
export type { ResolvedConfig } from './lib/config/types.js';
export type { Shell, ShellOptions, CommandResult, Arg } from './lib/engine/spawn.js';
export type { Failure } from './lib/failure.js';
export type { ImageBuild } from './lib/docker/build.js';
export type { ScanResult } from './lib/scan/result.js';
export type { HardeningPolicy } from './lib/hardening/policy.js';
export type { Check } from './lib/hardening/checks/index.js';
export type { Severity } from './lib/scan/severity.js';
export { docker, securityScan, deploySecure, audit, updateBaseImages, rebuildNoCache, preflight, builtinTasks } from './tasks/index.js';
