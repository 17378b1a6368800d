/**
 * The optional `ollama` service (the guide's `--profile ollama`, local AI): the app's policy
 * with Ollama's sizes, so it is as hardened as the app (non-root, read-only root, no
 * capabilities, no-new-privileges, limits) and verified the same way once started.
 *
 * It joins the app's network: with `container.network: 'none'` neither has a network and the app
 * cannot reach it (compose-file says so); with a user-defined network the app reaches it at
 * http://ollama:11434. An internal network also means Ollama cannot download models itself.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { HardeningPolicy } from '../hardening/policy.js';

export const OLLAMA_SERVICE = 'ollama';
export const OLLAMA_PROFILE = 'ollama';
/** Named volume for the models; `OLLAMA_MODELS` points at it. */
export const OLLAMA_MODELS_VOLUME = 'ollama_models';

export function ollamaPolicy(config: ResolvedConfig): HardeningPolicy {
  const { ollama } = config.dev;
  return {
    ...config.container,
    name: OLLAMA_SERVICE,
    memory: ollama.memory,
    memorySwap: ollama.memory,
    cpus: ollama.cpus,
    pidsLimit: ollama.pidsLimit,
    volumes: [`${OLLAMA_MODELS_VOLUME}:/models`],
    // No noexec: Ollama may unpack its runners to the temp directory and execute them there.
    tmpfs: ['/tmp:rw,nosuid,nodev,size=256m'],
    capAdd: [],
    ports: [],
  };
}

/** What the service needs beyond the policy: where to keep models, a writable HOME, a health check. */
export const OLLAMA_EXTRAS = {
  environment: { OLLAMA_MODELS: '/models', HOME: '/tmp' },
  // `ollama list` asks the server: healthy once it answers.
  healthcheck: { test: ['CMD', 'ollama', 'list'], interval: '5s', timeout: '5s', start_period: '5s', retries: 12 },
} as const;
