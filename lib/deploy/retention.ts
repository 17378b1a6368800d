/**
 * Image retention after a successful deploy: keep `image.keep` generations of this project's
 * images (the one now running, the one it replaced, then the newest), remove the older ones and
 * the intermediate stage images only they used. Ours means labelled with our project id (see
 * lib/docker/labels.ts); an image is removed only when every tag it has is one we put there
 * (`image.ref`, a leftover scan tag), never with `-f`, so docker itself refuses to remove an image
 * any container (running or stopped) still uses, and nothing of another project is touched.
 */
import { forgetGenerations, readImageHistory } from '../docker/build-record.js';
import { LABELS, labelFilter, projectId } from '../docker/labels.js';
import type { Engine } from './engine.js';

export interface Retention {
  readonly kept: readonly string[];
  readonly removed: readonly string[];
  /** Images that would have gone but stay, with the reason (`in use by a container`, `tagged x:y`). */
  readonly spared: readonly { readonly imageId: string; readonly why: string }[];
}

interface ImageInfo {
  readonly Id: string;
  readonly Created: string;
  readonly RepoTags?: readonly string[] | null;
}

export async function pruneImages(
  engine: Engine,
  keepIds: { readonly deployed: string; readonly previous?: string | undefined },
): Promise<Retention> {
  const { ctx } = engine;
  const { image, projectDir } = ctx.config;
  const listed = await engine.docker(
    ['image', 'ls', '--quiet', '--no-trunc', ...labelFilter(LABELS.project, projectId(projectDir, image.name))],
    { nothrow: true, silent: true },
  );
  const ids = [
    ...new Set(
      listed.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  if (listed.exitCode !== 0 || ids.length === 0) return { kept: [], removed: [], spared: [] };
  const inspected = await engine.docker(['image', 'inspect', ...ids], { nothrow: true, silent: true });
  let images: ImageInfo[];
  try {
    images = JSON.parse(inspected.stdout || '[]') as ImageInfo[];
  } catch {
    return { kept: [], removed: [], spared: [] };
  }
  images.sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
  const priority = [keepIds.deployed, keepIds.previous, ...images.map((i) => i.Id)].filter(
    (id): id is string => id !== undefined && images.some((i) => i.Id === id),
  );
  const kept = [...new Set(priority)].slice(0, image.keep);
  const ours = (tag: string) => tag === image.ref || tag.startsWith(`${image.name}:scan-`);
  const removed: string[] = [];
  const spared: { imageId: string; why: string }[] = [];
  for (const old of images.filter((i) => !kept.includes(i.Id))) {
    const foreign = (old.RepoTags ?? []).filter((t) => !ours(t));
    if (foreign.length > 0) {
      spared.push({ imageId: old.Id, why: `tagged ${foreign.join(', ')}` });
      continue;
    }
    // Untag first (a tagged image cannot be removed by id while it has two names), then the id.
    for (const tag of old.RepoTags ?? []) await engine.docker(['rmi', tag], { nothrow: true, silent: true });
    const r = await engine.docker(['rmi', old.Id], { nothrow: true, silent: true });
    if (r.exitCode === 0 || /no such image/i.test(r.stderr)) removed.push(old.Id);
    else
      spared.push({
        imageId: old.Id,
        why: /container/i.test(r.stderr) ? 'in use by a container' : firstLine(r.stderr),
      });
  }
  await removeStageImages(engine, kept, removed);
  return { kept, removed, spared };
}

/**
 * Stage images (legacy builder) the removed generations produced and no kept generation used.
 * A stage image a kept generation used is its build cache: removing it would not break the kept
 * image but would make its next build slower, so it stays.
 */
async function removeStageImages(engine: Engine, kept: readonly string[], removed: readonly string[]): Promise<void> {
  const { projectDir, image } = engine.ctx.config;
  const history = await readImageHistory(projectDir, image.ref);
  const inUse = new Set(history.generations.filter((g) => kept.includes(g.imageId)).flatMap((g) => g.usedStages));
  const stages = history.generations
    .filter((g) => removed.includes(g.imageId))
    .flatMap((g) => g.producedStages)
    .filter((id) => !inUse.has(id));
  for (const id of new Set(stages)) await engine.docker(['rmi', id], { nothrow: true, silent: true });
  await forgetGenerations(projectDir, image.ref, removed).catch(() => undefined);
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').replace(/^Error( response from daemon)?:\s*/i, '').slice(0, 200);
}
