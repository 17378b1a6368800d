/**
 * The package API: what `import … from 'cloudy-tasks'` gives a config or a script.
 * Define tasks with `defineTask`, configs with `defineConfig`, and depend on built-ins by
 * reference: `defineTask({ name: 'smoke', deps: [deploySecure], run: (ctx, deps) => … })`.
 */
export { defineTask, isTask } from './lib/task.js';
export type { AnyTask, Task, TaskContext, TaskOutput, DepOutputs, RunFlags } from './lib/task.js';
export { defineConfig } from './lib/config-types.js';
export type { Config, DeclarativeTask, ResolvedConfig } from './lib/config-types.js';
export type { Shell, ShellOptions, CommandResult, Arg } from './lib/exec.js';
export type { Failure } from './lib/failure.js';
export type { ImageBuild } from './lib/docker.js';
export type { ScanResult } from './lib/scan-result.js';
export type { HardeningPolicy } from './lib/hardening.js';
export type { Check } from './lib/inspect-checks.js';
export type { Severity } from './lib/severity.js';
export { docker, securityScan, deploySecure, audit, updateBaseImages, rebuildNoCache, preflight, builtinTasks } from './tasks/index.js';
