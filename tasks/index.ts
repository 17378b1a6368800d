/**
 * The built-in tasks, in `--list` order of importance. Only the CLI entry and the public
 * package entry import this file; the engine in lib/ never does.
 */
import type { AnyTask } from '../lib/engine/task.js';
import audit from './audit.js';
import composeAudit from './compose-audit.js';
import composeFile from './compose-file.js';
import deploySecure from './deploy-secure.js';
import devDown from './dev-down.js';
import devUp from './dev-up.js';
import docker from './docker.js';
import incident from './incident.js';
import k8sManifests from './k8s-manifests.js';
import preflight from './preflight.js';
import push from './push.js';
import rebuildNoCache from './rebuild-no-cache.js';
import securityScan from './security-scan.js';
import updateBaseImages from './update-base-images.js';

export {
  audit,
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
};

export const builtinTasks: readonly AnyTask[] = [
  docker,
  securityScan,
  deploySecure,
  push,
  k8sManifests,
  audit,
  updateBaseImages,
  rebuildNoCache,
  preflight,
  // Issue 12: the compose profiles and the incident runbook.
  composeFile,
  composeAudit,
  devUp,
  devDown,
  incident,
];
