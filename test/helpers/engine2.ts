/**
 * A second, independent Docker engine for tests, started by scripts/docker-engine-2.sh in its own
 * network namespace (see the script for why). Needs root; every call is bounded in time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { docker, scriptsDir } from './docker.js';

const SCRIPT = join(scriptsDir, 'docker-engine-2.sh');

export interface Engine2 {
  /** `unix:///run/cloudy-engine-eN/docker.sock`: pass as `docker --host=<host>` or DOCKER_HOST. */
  readonly host: string;
  /** The host end of the veth (10.213.N.1): reachable from the engine's namespace. */
  readonly hostIp: string;
  /** Copy images from the first engine. */
  load(images: readonly string[]): void;
  /** Make 127.0.0.1:port inside the namespace reach the host's 127.0.0.1:port (a local registry). */
  forward(port: number): void;
  /** `docker --host=<host> <args>`. */
  docker(args: readonly string[]): ReturnType<typeof docker>;
  /** Stop it and delete its data. Idempotent, never throws. */
  stop(): void;
}

function script(args: readonly string[], index: number, timeoutMs = 120_000) {
  const r = spawnSync('bash', [SCRIPT, ...args], {
    env: { ...process.env, CLOUDY_ENGINE_INDEX: String(index) },
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return {
    code: r.status ?? 124,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

/** Start (or reuse) engine N; throws with the script's error when it cannot. */
export function startEngine2(index = 2): Engine2 {
  const started = script(['start'], index);
  const host = started.stdout.trim().split('\n').pop() ?? '';
  if (started.code !== 0 || !host.startsWith('unix://'))
    throw new Error(
      `scripts/docker-engine-2.sh start failed (exit ${started.code}): ${started.stderr.trim().slice(-1000)}`,
    );
  const check = (r: ReturnType<typeof script>, what: string) => {
    if (r.code !== 0) throw new Error(`docker-engine-2.sh ${what} failed: ${r.stderr.trim().slice(-1000)}`);
  };
  let stopped = false;
  return {
    host,
    hostIp: `10.213.${index}.1`,
    load: (images) => check(script(['load', ...images], index, 300_000), 'load'),
    forward: (port) => check(script(['forward', String(port)], index), 'forward'),
    docker: (args) => docker([`--host=${host}`, ...args], { timeoutMs: 120_000 }),
    stop() {
      if (stopped) return;
      stopped = true;
      const r = script(['purge'], index);
      if (r.code !== 0) console.warn(`[test cleanup] docker-engine-2.sh purge: ${r.stderr.trim()}`);
    },
  };
}
