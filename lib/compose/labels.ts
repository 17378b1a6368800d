/**
 * The labels cloudy-tasks puts on what the compose tasks create. Every container we create
 * carries the project label, so our containers can be told from anyone else's by label rather
 * than by name; the config-hash label lets dev-up notice a compose file generated from another
 * policy before anything starts.
 *
 * (Kept here until the project has one label module for every task: lib/docker/labels.ts is
 * planned; these keys are meant to move there unchanged.)
 */

/** Which cloudy-tasks project (its compose project name) created the container. */
export const PROJECT_LABEL = 'io.cloudy-tasks.project';

/**
 * sha256 of the service definition compose-file generated (this label left out), so dev-up can
 * tell a stale file (config or Dockerfile changed since) from a current one.
 */
export const CONFIG_HASH_LABEL = 'io.cloudy-tasks.config-hash';

/** The labels compose itself puts on containers and networks (docker/compose `api.ProjectLabel`). */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
