/**
 * A deployable project on the real engine: the example app under a unique name, with its own
 * volumes, deployed through the built CLI with the Trivy stand-in replaying a clean report.
 * `cleanup` removes every container, image generation and volume it made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exampleDir, inspect, removeContainers, removeImages, removeVolumes, uniqueName } from './docker.js';
import { trivyFixtures } from './paths.js';
import { makeProject, type Project, type RunResult, runCli } from './rig.js';

/** A report with no finding at or above HIGH. */
export const CLEAN_REPORT = path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden');
/** A report with CRITICAL findings. */
export const CRITICAL_REPORT = path.join(trivyFixtures, 'alpine-39.json.golden');

export interface Deployment {
  readonly project: Project;
  readonly name: string;
  readonly image: string;
  readonly volumes: readonly string[];
  /** Every image id the deployment built (older ones lose their tag but are still ours). */
  readonly images: Set<string>;
}

export function deployment(extra: Record<string, unknown> = {}): Deployment {
  const name = uniqueName('cloudy-it');
  const volumes = ['data', 'config', 'logs'].map((v) => `${name}_${v}`);
  const config = {
    image: { name },
    container: {
      name,
      volumes: volumes.map((v, i) => `${v}:/app/${['data', 'config', 'logs'][i]}`),
      healthTimeoutSeconds: 30,
    },
    baseImages: [],
    ...extra,
  };
  const project = makeProject({ copyFrom: exampleDir, files: { '.cloudyrc.json': JSON.stringify(config) } });
  return { project, name, image: name, volumes, images: new Set() };
}

/** Merge `patch` into the deployment's config file (one level deep per top-level key). */
export function patchConfig(d: Deployment, patch: Record<string, Record<string, unknown>>): void {
  const file = path.join(d.project.dir, '.cloudyrc.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [key, value] of Object.entries(patch)) config[key] = { ...config[key], ...value };
  writeFileSync(file, JSON.stringify(config));
}

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

export function cleanup(d: Deployment): void {
  removeContainers([d.name, `${d.name}-previous`, `${d.name}-byhand`]);
  removeImages([`${d.image}:latest`, ...d.images]);
  removeVolumes(d.volumes);
  d.project.cleanup();
}
