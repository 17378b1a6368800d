/**
 * What the last successful deploy of each service did, in `.cloudy/deploys.json`, keyed by engine
 * and container name: the container and image ids and the run settings. The container's own
 * run-spec label decides "same settings"; this record is what lets `--explain` say which setting
 * changed (`container.memory 512m → 1g`), since a hash cannot.
 */
import { isObject, readRecord, storePath, writeRecord } from '../store/records.js';
import type { RunSettings } from './run-spec.js';

const VERSION = 1;

export interface DeployRecord {
  readonly containerId: string;
  readonly imageId: string;
  /** The run-spec hash on the container's label. */
  readonly runSpec: string;
  readonly settings: RunSettings;
  /** ISO time the deploy was verified. */
  readonly at: string;
  /** The image the replaced container ran (retention keeps it as the previous generation). */
  readonly previousImageId?: string;
}

type Records = Readonly<Record<string, DeployRecord>>;

const isRecords = (data: unknown): data is Records =>
  isObject(data) &&
  Object.values(data).every((r) => isObject(r) && typeof r['runSpec'] === 'string' && isObject(r['settings']));

const fileOf = (projectDir: string) => storePath(projectDir, 'deploys.json');
const keyOf = (engine: string, name: string) => `${engine}/${name}`;

export async function readDeployRecord(
  projectDir: string,
  engine: string,
  name: string,
): Promise<DeployRecord | undefined> {
  return (await readRecord(fileOf(projectDir), VERSION, isRecords))?.[keyOf(engine, name)];
}

export async function writeDeployRecord(
  projectDir: string,
  engine: string,
  name: string,
  record: DeployRecord,
): Promise<void> {
  const all = (await readRecord(fileOf(projectDir), VERSION, isRecords)) ?? {};
  await writeRecord(fileOf(projectDir), VERSION, { ...all, [keyOf(engine, name)]: record });
}
