/**
 * What earlier builds of this project made, in `.cloudy/builds.json`: per image reference, the
 * last successful build (its fingerprint and inputs, to decide "up to date" and to say what
 * changed) and the recent image generations with the intermediate stage images each build
 * produced (so retention can remove an old generation completely, and never a stage image a kept
 * generation still uses as its cache).
 */
import { isObject, readRecord, storePath, writeRecord } from '../store/records.js';
import type { BuildInputs } from './fingerprint.js';

const VERSION = 1;
/** Generations remembered per image reference (retention keeps far fewer). */
const MAX_GENERATIONS = 20;

/** The last successful build of an image reference. */
export interface BuildRecord {
  readonly fingerprint: string;
  readonly inputs: BuildInputs;
  readonly imageId: string;
  readonly ref: string;
  /** ISO time the build finished. */
  readonly at: string;
  /** Every build arg it was built with (metadata included), as the `docker` task outputs them. */
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly noCache: boolean;
}

/** One image a build of this project produced. */
export interface ImageGeneration {
  readonly imageId: string;
  readonly at: string;
  /** Stage images (legacy builder) this build created, not found in the cache. */
  readonly producedStages: readonly string[];
  /** Every stage image this build's final image was built from, cached or not. */
  readonly usedStages: readonly string[];
}

export interface ImageHistory {
  readonly last?: BuildRecord;
  /** Newest first. */
  readonly generations: readonly ImageGeneration[];
}

type BuildState = Readonly<Record<string, ImageHistory>>;

function isBuildState(data: unknown): data is BuildState {
  return (
    isObject(data) &&
    Object.values(data).every(
      (h) =>
        isObject(h) &&
        Array.isArray(h['generations']) &&
        (h['last'] === undefined ||
          (isObject(h['last']) && typeof h['last']['fingerprint'] === 'string' && isObject(h['last']['inputs']))),
    )
  );
}

export function buildsFile(projectDir: string): string {
  return storePath(projectDir, 'builds.json');
}

/** Every image reference's history (empty when nothing was recorded or the file is unusable). */
export async function readBuilds(projectDir: string): Promise<BuildState> {
  return (await readRecord(buildsFile(projectDir), VERSION, isBuildState)) ?? {};
}

/** The history of one image reference. */
export async function readImageHistory(projectDir: string, ref: string): Promise<ImageHistory> {
  return (await readBuilds(projectDir))[ref] ?? { generations: [] };
}

/** Record a successful build: it becomes `last`, and its generation goes first. */
export async function recordBuild(
  projectDir: string,
  record: BuildRecord | undefined,
  ref: string,
  generation: ImageGeneration,
): Promise<void> {
  const state = await readBuilds(projectDir);
  const old = state[ref] ?? { generations: [] };
  const generations = [generation, ...old.generations.filter((g) => g.imageId !== generation.imageId)].slice(
    0,
    MAX_GENERATIONS,
  );
  const next: ImageHistory = record ? { last: record, generations } : { ...old, generations };
  await writeRecord(buildsFile(projectDir), VERSION, { ...state, [ref]: next }, { compact: true });
}

/** Forget generations (after retention removed their images). */
export async function forgetGenerations(projectDir: string, ref: string, imageIds: readonly string[]): Promise<void> {
  if (imageIds.length === 0) return;
  const state = await readBuilds(projectDir);
  const old = state[ref];
  if (!old) return;
  const generations = old.generations.filter((g) => !imageIds.includes(g.imageId));
  await writeRecord(buildsFile(projectDir), VERSION, { ...state, [ref]: { ...old, generations } }, { compact: true });
}

/**
 * The stage images a legacy-builder build produced and used, from its output ("Step 3/9 : FROM
 * …", " ---> 1a2b3c4d5e6f", " ---> Using cache"). The id after a FROM is the base image, never
 * ours; the final stage's result is the image itself. BuildKit prints none of this and leaves no
 * stage images behind, so both lists are empty there.
 */
export function stageImagesOf(buildOutput: string): { produced: string[]; used: string[] } {
  const stages: { result?: string; cached: boolean }[] = [];
  let afterFrom = false;
  let cached = false;
  for (const line of buildOutput.split('\n')) {
    if (/^Step \d+\/\d+ : FROM /i.test(line)) {
      stages.push({ cached: true });
      afterFrom = true;
      continue;
    }
    if (/^Step \d+\/\d+ : /i.test(line)) {
      afterFrom = false;
      cached = false;
      continue;
    }
    if (/^ ---> Using cache$/.test(line)) cached = true;
    const id = /^ ---> ([0-9a-f]{12,64})$/.exec(line)?.[1];
    const stage = stages.at(-1);
    if (!id || !stage || afterFrom) continue;
    stage.result = id;
    stage.cached = cached;
  }
  const intermediate = stages.slice(0, -1).filter((s) => s.result !== undefined);
  return {
    produced: intermediate.filter((s) => !s.cached).map((s) => s.result!),
    used: intermediate.map((s) => s.result!),
  };
}
