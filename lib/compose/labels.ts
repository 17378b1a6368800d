/**
 * The labels of the compose tasks beyond the project's ownership labels (lib/docker/labels.ts,
 * on every generated service): the config-hash label lets dev-up notice a compose file generated
 * from another policy before anything starts; compose's own labels find a compose project.
 */

/**
 * sha256 of the service definition compose-file generated (this label left out), so dev-up can
 * tell a stale file (config or Dockerfile changed since) from a current one.
 */
export const CONFIG_HASH_LABEL = 'io.cloudy-tasks.config-hash';

/** The labels compose itself puts on containers and networks (docker/compose `api.ProjectLabel`). */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
