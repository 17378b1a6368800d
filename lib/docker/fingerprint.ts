/**
 * The build fingerprint: everything a `docker build` result depends on, and nothing it does not.
 *
 * In: the build-context files the build reads (after `.dockerignore`, those COPY and ADD name:
 * see ./copy-sources.ts; each file's content hash, type and permission bits, which COPY keeps),
 * the Dockerfile, the build args, the target and
 * platform, and the local image id of every base image (what the build really starts from: a
 * `docker pull` that moves a tag moves the id). Out: BUILD_DATE, VCS_REF and VERSION. They
 * describe a build rather than feed it: BUILD_DATE changes every second, and VCS_REF/VERSION
 * change with every commit, including commits that change no file docker would see. They are
 * labels on the result, so with them an unchanged project would rebuild (and redeploy) forever.
 *
 * Also out: cloudy-tasks' own files when they sit inside the context (`.cloudy/`, the reports
 * directory). Docker sends them, but they change on every run (this very record lives there), so
 * with them nothing would ever be up to date; no image should COPY them (keep them in
 * `.dockerignore`).
 *
 * Content hashes come from {@link FileHashCache} (path + size + mtime), so an unchanged context
 * costs one `lstat` per file and reads nothing.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { TaskContext } from '../engine/task.js';
import type { FileHashCache } from '../store/file-hashes.js';
import { CLOUDY_DIR } from '../store/state.js';
import { docker } from './cli.js';
import { type ContextListing, listContext, listingStillValid, toContextPath } from './context.js';
import { contextSources, selectFiles } from './copy-sources.js';
import { withoutSecretValues } from './secret-names.js';
import type { DockerTarget } from './target.js';

/** Build args that label a build but are not its input (see the module comment). */
export const METADATA_ARGS: readonly string[] = ['BUILD_DATE', 'VCS_REF', 'VERSION'];

/** What a build is made from. Equal inputs give an equal {@link fingerprintOf}. */
export interface BuildInputs {
  /** Format of this record; a new format means every build is new once. */
  readonly format: 1;
  /** Context and Dockerfile paths, relative to the project. */
  readonly context: string;
  readonly dockerfile: string;
  /** sha256 of the Dockerfile's text. */
  readonly dockerfileHash: string;
  /** Context file the build reads (relative, `/`) → `<type><mode>:<sha256>`; type `f` file, `l` symlink (hash of its target), `o` other. The Dockerfile itself is in `dockerfileHash`. */
  readonly files: Readonly<Record<string, string>>;
  /** The configured build args, without {@link METADATA_ARGS}. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** `--target` / `--platform`, null when not set. */
  readonly target: string | null;
  readonly platform: string | null;
  /** Build secret id → its file, relative to the project (issue 14); absent when none. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Each base image of the Dockerfile (FROM, ARGs resolved) → its local image id; null when it is not present locally. */
  readonly baseImages: Readonly<Record<string, string | null>>;
}

/** The parts of {@link BuildInputs} read from disk (everything but the base image ids). */
export type ContextInputs = Omit<BuildInputs, 'baseImages'> & {
  /** The Dockerfile's base images, whose ids {@link baseImageIds} looks up. */
  readonly fromImages: readonly string[];
};

/** Extra build options that change the result; absent keys are not set. */
export interface BuildOptions {
  readonly target?: string;
  readonly platform?: string;
  /** Count every context file, not only what COPY/ADD name (a base image has ONBUILD triggers). */
  readonly allFiles?: boolean;
}

/**
 * Read the context, the Dockerfile and the build args (no docker call). `cache` supplies and keeps
 * file hashes and the context listing; `cache.hashed` tells how many files were actually read.
 */
export async function readContextInputs(
  config: ResolvedConfig,
  cache: FileHashCache,
  options: BuildOptions = {},
): Promise<ContextInputs> {
  const { context, dockerfile } = config.image;
  const omit = [path.join(config.projectDir, CLOUDY_DIR), config.scan.reportsDir]
    .map((dir) => toContextPath(context, dir))
    .filter((rel) => rel !== '' && !rel.startsWith('../'));
  const listing = contextListing(context, dockerfile, omit, cache);
  const text = readFileSync(dockerfile, 'utf8');
  const { parseDockerfile, baseImages } = await import('./dockerfile.js');
  const model = parseDockerfile(text, config.image.buildArgs);
  const dockerfileRel = toContextPath(context, dockerfile);
  const files: Record<string, string> = {};
  // Plain concatenation: `rel` is already normalised, and path.join per file shows in profiles.
  const prefix = context.endsWith(path.sep) ? context : `${context}${path.sep}`;
  for (const rel of selectFiles(listing.files, options.allFiles ? 'all' : contextSources(model))) {
    if (rel === dockerfileRel) continue;
    const abs = prefix + (path.sep === '/' ? rel : rel.split('/').join(path.sep));
    const stats = lstatSync(abs, { throwIfNoEntry: false });
    if (!stats) continue; // removed since the listing: docker would not send it either
    const mode = (stats.mode & 0o7777).toString(8);
    if (stats.isSymbolicLink()) files[rel] = `l${mode}:${sha256(readlinkSync(abs))}`;
    else if (stats.isFile())
      files[rel] =
        `f${mode}:${cache.known(rel, stats.size, stats.mtimeMs) ?? (await cache.hash(rel, abs, stats.size, stats.mtimeMs))}`;
    else files[rel] = `o${mode}:`;
  }
  const relToProject = (p: string) => path.relative(config.projectDir, p).split(path.sep).join('/') || '.';
  return {
    format: 1,
    context: relToProject(context),
    dockerfile: relToProject(dockerfile),
    dockerfileHash: sha256(text),
    files,
    // A secret's hash, never its value: the state file must not hold it, a change must still show.
    buildArgs: Object.fromEntries(
      Object.entries(withoutSecretValues(config.image.buildArgs))
        .filter(([k]) => !METADATA_ARGS.includes(k))
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    target: options.target ?? config.image.target ?? null,
    platform: options.platform ?? config.image.platform ?? null,
    // By id and path, not content: BuildKit keeps secrets out of its cache keys too, and a
    // rotated token must not rebuild (and redeploy) an image it is not part of. Absent when
    // none are set, so fingerprints from before the key existed still match.
    ...(Object.keys(config.image.secrets).length > 0
      ? {
          secrets: Object.fromEntries(
            Object.entries(config.image.secrets)
              .map(([id, src]) => [id, relToProject(src)] as const)
              .sort(([a], [b]) => a.localeCompare(b)),
          ),
        }
      : {}),
    fromImages: baseImages(model),
  };
}

/** The Dockerfile's base images (FROM, ARGs resolved): cheap, so their ids can be asked for while the context is hashed. */
export async function dockerfileBaseImages(config: ResolvedConfig): Promise<string[]> {
  const { parseDockerfile, baseImages } = await import('./dockerfile.js');
  return baseImages(parseDockerfile(readFileSync(config.image.dockerfile, 'utf8'), config.image.buildArgs));
}

/** The context listing, reused from the cache while no directory it read has changed. */
function contextListing(
  context: string,
  dockerfile: string,
  omit: readonly string[],
  cache: FileHashCache,
): ContextListing {
  const key = `listing:${dockerfile}:${omit.join(',')}`;
  const known = cache.listing<ContextListing>(key);
  if (known && listingStillValid(context, dockerfile, known.value, known.at)) {
    cache.keepListing(key);
    return known.value;
  }
  const at = Date.now();
  const fresh = listContext(context, dockerfile, omit);
  cache.setListing(key, fresh, at);
  return fresh;
}

/** The local image id of each base image (null when not present locally: the build would pull it). */
export async function baseImageIds(
  ctx: TaskContext,
  refs: readonly string[],
  target?: DockerTarget,
): Promise<Record<string, string | null>> {
  return (await baseImageDetails(ctx, refs, target)).ids;
}

/**
 * Base image ids, and whether any has ONBUILD triggers: those run in our build and may COPY any
 * context file, so the fingerprint must then count them all.
 */
export async function baseImageDetails(
  ctx: TaskContext,
  refs: readonly string[],
  target?: DockerTarget,
): Promise<{ ids: Record<string, string | null>; onBuild: boolean }> {
  const found = await Promise.all(
    refs.map(async (ref) => {
      const r = await docker(ctx, ['image', 'inspect', '--format', '{{.Id}} {{json .Config.OnBuild}}', ref], {
        nothrow: true,
        silent: true,
        ...(target ? { target } : {}),
      });
      const [id, onBuild] = r.exitCode === 0 ? r.stdout.trim().split(' ') : [];
      return { ref, id: id || null, onBuild: onBuild !== undefined && onBuild !== 'null' && onBuild !== '[]' };
    }),
  );
  return { ids: Object.fromEntries(found.map((f) => [f.ref, f.id])), onBuild: found.some((f) => f.onBuild) };
}

/** The complete inputs: what was read from disk plus the base image ids. */
export function buildInputs(context: ContextInputs, baseImages: Readonly<Record<string, string | null>>): BuildInputs {
  const { fromImages: _, ...rest } = context;
  return { ...rest, baseImages };
}

/**
 * sha256 of the inputs in a canonical form (keys sorted), as `sha256:<hex>`. The file list is fed
 * to the hash entry by entry rather than as one JSON text: it is most of the input.
 */
export function fingerprintOf(inputs: BuildInputs): string {
  const { files, ...rest } = inputs;
  const hash = createHash('sha256').update(canonicalJson(rest));
  for (const rel of Object.keys(files).sort()) hash.update(`\n${rel}\0${files[rel]}`);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * What changed between two sets of inputs, one short phrase each, most telling first
 * (`Dockerfile changed`, `app/main.go changed`, `build arg GO_VERSION 1.21 → 1.22`,
 * `base image golang:1.21-alpine changed (sha256:1a2b… → sha256:3c4d…)`). Empty when equal.
 */
export function describeChanges(before: BuildInputs, after: BuildInputs): string[] {
  const out: string[] = [];
  if (before.context !== after.context) out.push(`build context moved (${before.context} → ${after.context})`);
  if (before.dockerfile !== after.dockerfile) out.push(`Dockerfile is now ${after.dockerfile}`);
  else if (before.dockerfileHash !== after.dockerfileHash) out.push(`${after.dockerfile} changed`);
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [file, entry] of Object.entries(after.files)) {
    const old = before.files[file];
    if (old === undefined) added.push(file);
    else if (old !== entry) changed.push(modeChange(file, old, entry));
  }
  for (const file of Object.keys(before.files)) if (!(file in after.files)) removed.push(file);
  if (changed.length > 0) out.push(listed(changed, 'changed'));
  if (added.length > 0) out.push(listed(added, 'added'));
  if (removed.length > 0) out.push(listed(removed, 'removed'));
  for (const key of new Set([...Object.keys(before.buildArgs), ...Object.keys(after.buildArgs)])) {
    const [a, b] = [before.buildArgs[key], after.buildArgs[key]];
    if (a === b) continue;
    out.push(
      a === undefined
        ? `build arg ${key} added`
        : b === undefined
          ? `build arg ${key} removed`
          : `build arg ${key} ${a} → ${b}`,
    );
  }
  if (before.target !== after.target) out.push(`target ${before.target ?? '(none)'} → ${after.target ?? '(none)'}`);
  if (JSON.stringify(before.secrets ?? {}) !== JSON.stringify(after.secrets ?? {}))
    out.push(`build secrets ${list(before.secrets)} → ${list(after.secrets)}`);
  if (before.platform !== after.platform)
    out.push(`platform ${before.platform ?? '(default)'} → ${after.platform ?? '(default)'}`);
  for (const [ref, id] of Object.entries(after.baseImages)) {
    const old = before.baseImages[ref];
    if (id === null) out.push(`base image ${ref} is not present locally (the build pulls it)`);
    else if (old === undefined) out.push(`new base image ${ref}`);
    else if (old !== id) out.push(`base image ${ref} digest changed (${short(old)} → ${short(id)})`);
  }
  if (before.format !== after.format) out.push('the fingerprint format changed');
  return out;
}

function list(secrets: Readonly<Record<string, string>> | undefined): string {
  const ids = Object.keys(secrets ?? {});
  return ids.length === 0 ? '(none)' : ids.join(', ');
}

function modeChange(file: string, before: string, after: string): string {
  const [modeA, hashA] = [before.slice(0, before.indexOf(':')), before.slice(before.indexOf(':') + 1)];
  const [modeB, hashB] = [after.slice(0, after.indexOf(':')), after.slice(after.indexOf(':') + 1)];
  return hashA === hashB && modeA !== modeB ? `${file} (mode ${modeA.slice(1)} → ${modeB.slice(1)})` : file;
}

/** `a changed`, `a, b changed`, `5 files changed: a, b, c, …`. */
function listed(files: readonly string[], verb: string): string {
  if (files.length <= 3) return `${files.join(', ')} ${verb}`;
  return `${files.length} files ${verb}: ${files.slice(0, 3).join(', ')}, …`;
}

/** `sha256:1a2b3c4d5e6f` (12 hex digits, as docker shows ids). */
export function short(id: string | null | undefined): string {
  if (!id) return '(none)';
  return id.startsWith('sha256:') ? id.slice(0, 19) : id.slice(0, 12);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
