/**
 * The built-in tasks, in `--list` order of importance. Only the CLI entry and the public
 * package entry import this file; the engine in lib/ never does.
 */
import type { AnyTask } from '../lib/engine/task.js';
import docker from './docker.js';
import securityScan from './security-scan.js';
import deploySecure from './deploy-secure.js';
import audit from './audit.js';
import updateBaseImages from './update-base-images.js';
import rebuildNoCache from './rebuild-no-cache.js';
import preflight from './preflight.js';

export { docker, securityScan, deploySecure, audit, updateBaseImages, rebuildNoCache, preflight };

export const builtinTasks: readonly AnyTask[] = [docker, securityScan, deploySecure, audit, updateBaseImages, rebuildNoCache, preflight];
