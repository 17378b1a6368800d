/**
 * Which builder `docker build` uses here: BuildKit or the legacy builder. Build secrets
 * (`image.secrets`, `--secret`) exist only in BuildKit; the legacy builder rejects the flag
 * after the context was sent, or (with some CLIs) ignores it, so the choice is made before the
 * run. Only the legacy builder (Docker 20.10 without buildx) was exercised by the tests; the
 * BuildKit path is the same argv with DOCKER_BUILDKIT=1, as Docker documents it.
 *
 * The rule: `DOCKER_BUILDKIT=0` (or `false`) asks for the legacy builder, and wins. Otherwise
 * BuildKit is available when `docker buildx version` succeeds (the buildx plugin, which is
 * `docker build` itself from Docker 23 on). `DOCKER_BUILDKIT=1` alone proves nothing: observed
 * with CLI 28 and no plugin, `DOCKER_BUILDKIT=1 docker build` fails ("BuildKit is enabled but
 * the buildx component is missing or broken"). A build with secrets runs with DOCKER_BUILDKIT=1.
 */
import type { TaskContext } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { docker } from './cli.js';

export type Builder =
  | { readonly kind: 'buildkit'; readonly why: string }
  | { readonly kind: 'legacy'; readonly why: string };

/** Detect the builder, through the spawner (a read-only probe, so it also runs under --dry-run). */
export async function detectBuilder(ctx: Pick<TaskContext, 'env' | '$'>): Promise<Builder> {
  const requested = (ctx.env['DOCKER_BUILDKIT'] ?? '').trim().toLowerCase();
  if (requested === '0' || requested === 'false')
    return { kind: 'legacy', why: `DOCKER_BUILDKIT=${ctx.env['DOCKER_BUILDKIT']} selects the legacy builder` };
  const probe = await docker(ctx as TaskContext, ['buildx', 'version'], { nothrow: true, silent: true, probe: true });
  if (probe.exitCode === 0)
    return { kind: 'buildkit', why: `docker buildx ${probe.stdout.trim().split(/\s+/)[1] ?? ''}`.trim() };
  const said = (probe.stderr || probe.stdout).trim().split('\n')[0] ?? '';
  return {
    kind: 'legacy',
    why: `\`docker buildx version\` failed${said ? ` (${said.slice(0, 120)})` : ''}`,
  };
}

/**
 * `docker build` flags for the configured target, platform and secrets. Each value is one argv
 * element; a secret is passed by id and file path only (BuildKit mounts it for one RUN; it is in
 * no layer, no history and no build arg).
 */
export function buildInputFlags(image: {
  readonly target: string | undefined;
  readonly platform: string | undefined;
  readonly secrets: Readonly<Record<string, string>>;
}): string[] {
  return [
    ...(image.target ? ['--target', image.target] : []),
    ...(image.platform ? ['--platform', image.platform] : []),
    ...Object.entries(image.secrets).flatMap(([id, src]) => ['--secret', `id=${id},src=${src}`]),
  ];
}

/**
 * The precondition of a build with `image.secrets`: BuildKit must be there (exit 2 otherwise,
 * before anything is built). Undefined when there are no secrets or BuildKit is available.
 */
export async function secretsNeedBuildKit(ctx: TaskContext): Promise<Failure | undefined> {
  const ids = Object.keys(ctx.config.image.secrets);
  if (ids.length === 0) return undefined;
  const builder = await detectBuilder(ctx);
  if (builder.kind === 'buildkit') return undefined;
  return {
    reason: 'invalid-config',
    ...(ctx.config.file ? { file: ctx.config.file } : {}),
    path: 'image.secrets',
    expected: 'BuildKit to pass build secrets (the legacy builder has no --secret)',
    received: `${ids.map((id) => JSON.stringify(id)).join(', ')} with the legacy builder: ${builder.why}`,
    hint: 'install the buildx plugin (docker-buildx-plugin, or docker-buildx on Debian) and unset DOCKER_BUILDKIT=0; or remove image.secrets',
  };
}
