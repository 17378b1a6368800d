/**
 * The package API: what `import … from 'cloudy-tasks'` gives a config or a script.
 * Define tasks with `defineTask`, configs with `defineConfig`, and depend on built-ins by
 * reference: `defineTask({ name: 'smoke', deps: [deploySecure], run: (ctx, deps) => … })`.
 */

export type { Config, ConfigOverlay, DeclarativeTask } from './lib/config/input.js';
export { defineConfig } from './lib/config/input.js';
export type { ResolvedConfig } from './lib/config/types.js';
export type { Deployment } from './lib/deploy/deploy.js';
export type { ImageBuild } from './lib/docker/build.js';
export type { PushResult } from './lib/docker/push.js';
export type { DockerTarget } from './lib/docker/target.js';
export type { ParamSpec, ParamSpecs, ParamValue, ParamValues } from './lib/engine/params.js';
export type { Arg, CommandResult, Shell, ShellOptions } from './lib/engine/spawn.js';
export type {
  AnyParams,
  AnyTask,
  Decision,
  DepOutputs,
  RunFlags,
  Task,
  TaskContext,
  TaskOutput,
} from './lib/engine/task.js';
export { defineTask, isTask } from './lib/engine/task.js';
export type { Failure } from './lib/failure.js';
export type { Check } from './lib/hardening/checks/index.js';
export type { HardeningPolicy } from './lib/hardening/policy.js';
export type { ScanResult } from './lib/scan/result.js';
export type { Severity } from './lib/scan/severity.js';
export {
  audit,
  builtinTasks,
  composeAudit,
  composeFile,
  deploySecure,
  devDown,
  devUp,
  docker,
  incident,
  k8sManifests,
  preflight,
  push,
  rebuildNoCache,
  securityScan,
  updateBaseImages,
} from './tasks/index.js';
