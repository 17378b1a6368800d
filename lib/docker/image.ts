/**
 * Local images: what `docker image inspect` says of one, image references split into their
 * repository, and the repo digest an image resolves to.
 */
import type { TaskContext } from '../engine/task.js';
import { docker } from './cli.js';

/** Id, labels and repo digests of a local image, or undefined when it does not exist. */
export async function inspectImage(
  ctx: TaskContext,
  ref: string,
): Promise<
  { id: string; labels: Record<string, string>; repoDigests: string[]; repoTags: string[]; size?: number } | undefined
> {
  const result = await docker(ctx, ['image', 'inspect', ref], { nothrow: true, silent: true });
  if (result.exitCode !== 0) return undefined;
  const parsed = JSON.parse(result.stdout) as {
    Id: string;
    Config?: { Labels?: Record<string, string> | null };
    RepoDigests?: string[] | null;
    RepoTags?: string[] | null;
    Size?: number;
  }[];
  const first = parsed[0];
  if (!first) return undefined;
  return {
    id: first.Id,
    labels: first.Config?.Labels ?? {},
    repoDigests: first.RepoDigests ?? [],
    repoTags: first.RepoTags ?? [],
    ...(typeof first.Size === 'number' ? { size: first.Size } : {}),
  };
}

/** `name` of `name:tag` / `name@digest`, with Docker Hub's implicit prefixes removed. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const name = colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
  return name.replace(/^docker\.io\//, '').replace(/^library\//, '');
}

/** The repo digest of a local image for `ref`'s repository, or null when it has none. */
export async function localDigest(ctx: TaskContext, ref: string): Promise<string | null> {
  const result = await docker(ctx, ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], {
    nothrow: true,
    silent: true,
  });
  if (result.exitCode !== 0) return null;
  const digests = (JSON.parse(result.stdout || 'null') as string[] | null) ?? [];
  const repo = repositoryOf(ref);
  const match = digests.find((d) => repositoryOf(d) === repo) ?? digests[0];
  return match ? (match.split('@')[1] ?? null) : null;
}
