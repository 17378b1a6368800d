/**
 * The image's HEALTHCHECK restated as a compose `healthcheck`, read from the Dockerfile the
 * image is built from, so the compose file says what the engine will run (and `up --wait` has
 * something to wait for) without a second definition to keep in step by hand.
 */
import { type DockerfileModel, stageLineage } from '../docker/dockerfile.js';

export interface ComposeHealthcheck {
  readonly test?: readonly string[];
  readonly disable?: true;
  readonly interval?: string;
  readonly timeout?: string;
  readonly start_period?: string;
  readonly retries?: number;
}

/**
 * The final stage's effective HEALTHCHECK (the last one in it or the stages it builds on), or
 * undefined when there is none or it is invalid (preflight reports that). `--start-interval` is
 * left out: compose 1.x does not know it, and the image still applies it.
 */
export function healthcheckFromDockerfile(model: DockerfileModel): ComposeHealthcheck | undefined {
  const stage = model.finalStage;
  if (stage === undefined) return undefined;
  const last = stageLineage(model, stage)
    .flatMap((s) => s.healthchecks)
    .at(-1);
  if (last?.test === undefined) return undefined;
  if (last.test[0] === 'NONE') return { disable: true };
  const o = last.options;
  const retries = o['retries'] === undefined ? undefined : Number(o['retries']);
  return {
    test: last.test,
    ...(o['interval'] ? { interval: o['interval'] } : {}),
    ...(o['timeout'] ? { timeout: o['timeout'] } : {}),
    ...(o['start-period'] ? { start_period: o['start-period'] } : {}),
    ...(retries !== undefined && Number.isInteger(retries) ? { retries } : {}),
  };
}
