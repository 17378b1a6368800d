/**
 * The names a project gets when its config does not set them: image, container and volumes come
 * from the project's own name (package.json `name`, else its directory), never from one fixed
 * name. A fixed default made any two projects without a config one service: the second deploy
 * replaced the first one's container and mounted its volumes.
 */

/** Used when the project's name has no letter or digit to keep (`___`, `.`). */
export const FALLBACK_NAME = 'app';

/** Volume targets of the default volumes, as the security guide mounts them. */
const DEFAULT_VOLUMES = [
  ['data', '/app/data'],
  ['config', '/app/config'],
  ['logs', '/app/logs'],
] as const;

/**
 * `text` as a name every Docker rule we use accepts: an image path component (lowercase letters
 * and digits joined by `-`), a container name, a volume name, a compose project. At most 63
 * characters (a DNS label, so it also fits Kubernetes names).
 */
export function dockerSlug(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug === '' ? FALLBACK_NAME : slug;
}

/** `image.name` unless set: the project's name as a Docker name. */
export function defaultImageName(projectName: string): string {
  return dockerSlug(projectName);
}

/**
 * `container.name` unless set: the last path component of the image name (`team/api` → `api`,
 * `registry:5000/api` → `api`), which is already a valid container name when the image name is
 * valid; anything else is slugged (the image name is validated and refused on its own).
 */
export function defaultContainerName(imageName: string): string {
  const last = imageName.split('/').at(-1) ?? imageName;
  return /^[a-z0-9][a-z0-9_.-]*$/.test(last) ? last : dockerSlug(last);
}

/** `container.volumes` unless set: `<container>_data:/app/data`, `_config`, `_logs`. */
export function defaultVolumes(containerName: string): string[] {
  return DEFAULT_VOLUMES.map(([suffix, target]) => `${containerName}_${suffix}:${target}`);
}
