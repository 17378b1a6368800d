/**
 * A deployable copy of the worked example on the real engine, with unique names (image,
 * container, volumes), the Trivy stand-in, and the recording docker stand-in forwarding to the
 * real docker, so a test can both deploy for real and count the docker calls a run made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectId } from '../../lib/docker/labels.js';
import { docker, exampleDir, inspect, removeContainers, removeImages, removeVolumes, uniqueName } from './docker.js';
import { makeProject, type Project, type RunResult, runCli, trivyFixtures } from './rig.js';

/** A report with no finding at or above HIGH. */
export const CLEAN_REPORT = path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden');
/** A report with CRITICAL findings. */
export const CRITICAL_REPORT = path.join(trivyFixtures, 'alpine-39.json.golden');

export interface Deployment {
  readonly project: Project;
  readonly name: string;
  readonly image: string;
  readonly volumes: readonly string[];
  /** Every image id seen (older generations lose their tag but are ours to remove). */
  readonly images: Set<string>;
  /** The project label value on our images and containers. */
  readonly projectLabel: string;
  /** Extra networks to remove. */
  readonly networks: string[];
}

/** `extra` is merged into the config (its `image` keys into the unique image section); `container` into the container section. */
export function deployment(extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Deployment {
  const name = uniqueName('cloudy-utd');
  const volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}`);
  const { image, ...rest } = extra as { image?: Record<string, unknown> };
  const config = {
    image: { name, ...image },
    container: {
      name,
      volumes: volumes.map((v, i) => `${v}:/app/${['data', 'config', 'logs'][i]}`),
      healthTimeoutSeconds: 40,
      ...container,
    },
    baseImages: [],
    ...rest,
  };
  const project = makeProject({ copyFrom: exampleDir, files: { '.cloudyrc.json': JSON.stringify(config) } });
  return {
    project,
    name,
    image: name,
    volumes,
    images: new Set(),
    projectLabel: projectId(project.dir, name),
    networks: [],
  };
}

/** Change the project's config (a shallow merge per top-level key). */
export function editConfig(d: Deployment, edit: (config: Record<string, Record<string, unknown>>) => void): void {
  const file = path.join(d.project.dir, '.cloudyrc.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  edit(config);
  writeFileSync(file, JSON.stringify(config));
}

export interface RunOutcome extends RunResult {
  /** The docker calls this run made (argv without `docker`). */
  readonly dockerCalls: readonly string[][];
  /** The trivy calls this run made. */
  readonly trivyCalls: readonly string[][];
  /** `--explain` line per task (task → the rest of the line), when --explain was given. */
  readonly explain: Readonly<Record<string, string>>;
}

/** Merge `patch` into the deployment's config file (one level deep per top-level key). */
export function patchConfig(d: Deployment, patch: Record<string, Record<string, unknown>>): void {
  editConfig(d, (config) => {
    for (const [key, value] of Object.entries(patch)) config[key] = { ...config[key], ...value };
  });
}

/** `deploy-secure` through the real docker CLI (no recording stand-in), with a Trivy report to replay. */
export async function deploy(d: Deployment, report = CLEAN_REPORT, args: readonly string[] = []): Promise<RunResult> {
  const result = await runCli(d.project, ['deploy-secure', ...args], {
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: report },
    timeoutMs: 300_000,
  });
  const built = inspect(`${d.image}:latest`, 'image') as { Id: string } | undefined;
  if (built) d.images.add(built.Id);
  return result;
}

/** Run the CLI on the real engine, recording docker and trivy calls. */
export async function run(
  d: Deployment,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<RunOutcome> {
  const before = d.project.calls().length;
  const result = await runCli(d.project, args, {
    fakeDocker: 'record',
    env: { TRIVY_STANDIN_REPORT: CLEAN_REPORT, ...env },
    timeoutMs: 300_000,
  });
  const calls = d.project.calls().slice(before);
  const built = inspect(`${d.image}:latest`, 'image') as { Id: string } | undefined;
  if (built) d.images.add(built.Id);
  const explain: Record<string, string> = {};
  const block = result.stdout.split('why each task ran (--explain):\n')[1] ?? '';
  for (const line of block.split('\n')) {
    const m = /^ {2}(\S+) +(.*)$/.exec(line);
    if (m) explain[m[1]!] = m[2]!;
  }
  return {
    ...result,
    dockerCalls: calls.filter((c) => c.cmd === 'docker').map((c) => c.argv),
    trivyCalls: calls.filter((c) => c.cmd === 'trivy').map((c) => c.argv),
    explain,
  };
}

/** Our images (by the project label) that exist now. */
export function projectImages(d: Deployment): string[] {
  const r = docker([
    'image',
    'ls',
    '--quiet',
    '--no-trunc',
    '--filter',
    `label=io.cloudy-tasks.project=${d.projectLabel}`,
  ]);
  return [...new Set(r.stdout.split('\n').filter(Boolean))];
}

/** Stage images (legacy builder) the project's builds recorded in .cloudy/builds.json. */
export function recordedStageImages(d: Deployment): { produced: string[]; byImage: Map<string, string[]> } {
  const byImage = new Map<string, string[]>();
  try {
    const state = JSON.parse(readFileSync(path.join(d.project.dir, '.cloudy', 'builds.json'), 'utf8')) as {
      data: Record<string, { generations: { imageId: string; producedStages: string[] }[] }>;
    };
    for (const h of Object.values(state.data)) for (const g of h.generations) byImage.set(g.imageId, g.producedStages);
  } catch {
    // no builds recorded
  }
  return { produced: [...byImage.values()].flat(), byImage };
}

export function cleanup(d: Deployment): void {
  removeContainers([d.name, `${d.name}-previous`, `${d.name}-next`, `${d.name}-byhand`]);
  for (const id of projectImages(d)) d.images.add(id);
  const stages = recordedStageImages(d).produced;
  removeImages([`${d.image}:latest`, ...d.images]);
  if (stages.length > 0) removeImages(stages);
  removeVolumes(d.volumes);
  for (const n of d.networks) docker(['network', 'rm', n]);
  d.project.cleanup();
}

/** True when one of `calls` is `docker <sub...>` (e.g. `['build']`, `['run']`). */
export function called(calls: readonly string[][], ...sub: string[]): boolean {
  return calls.some((argv) => sub.every((s, i) => argv[i] === s));
}
