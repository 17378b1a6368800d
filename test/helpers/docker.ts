/**
 * Helpers for integration tests that talk to a real Docker engine.
 *
 * The engine and the offline test fixtures come from the scripts in scripts/:
 *   - scripts/docker-engine.sh   installs/starts dockerd when `docker info` fails
 *   - scripts/test-images.sh     builds cloudy-local/busybox:1 without a registry
 *   - scripts/local-registry.sh  runs a throw-away registry on 127.0.0.1:<free port>
 *
 * Every docker call goes through spawnSync without a shell. Names are made
 * unique per process (uniqueName) and tests remove what they created by name
 * (removeContainers / removeImages / removeVolumes), so test files can run in
 * parallel against one engine.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/helpers/docker.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The worked example app: Dockerfile, Dockerfile.unhealthy, Dockerfile.crashes, .dockerignore, app/. */
export const exampleDir = join(repoRoot, 'examples', 'cloudy-mc-codeface');
export const scriptsDir = join(repoRoot, 'scripts');
/** Local base image built by scripts/test-images.sh (the example's builder image). */
export const TEST_BASE_IMAGE = 'cloudy-local/busybox:1';

/**
 * The hardened `docker run` flag set from docs/docker-hardening.md (section 2),
 * with `--restart unless-stopped` as in the seed. Add `--name`, volumes and the image.
 */
export const HARDENED_RUN_FLAGS: readonly string[] = Object.freeze([
  '--user',
  '1001:1001',
  '--read-only',
  '--tmpfs',
  '/tmp:rw,noexec,nosuid,nodev,size=16m',
  '--security-opt',
  'no-new-privileges:true',
  '--cap-drop',
  'ALL',
  '--memory',
  '512m',
  '--memory-swap',
  '512m',
  '--cpus',
  '1.0',
  '--memory-reservation',
  '256m',
  '--cpu-shares',
  '1024',
  '--pids-limit',
  '64',
  '--restart',
  'unless-stopped',
  '--network',
  'none',
  '--ulimit',
  'nofile=1024:1024',
  '--log-opt',
  'max-size=10m',
  '--log-opt',
  'max-file=3',
]);

export interface DockerResult {
  /** Exit status; 124 on timeout, 127 when the docker CLI cannot be started. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerOptions {
  /** Written to the command's stdin. */
  input?: string | Buffer;
  /** Extra environment (merged over process.env). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 300 000 ms. */
  timeoutMs?: number;
  /** Throw an Error (with the command and its stderr) when the exit status is not 0. */
  check?: boolean;
}

function run(command: string, args: readonly string[], opts: DockerOptions = {}): DockerResult {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const r = spawnSync(command, args, {
    cwd: opts.cwd ?? repoRoot,
    env: {
      ...process.env,
      // The engine has no BuildKit/buildx here: use the legacy builder explicitly.
      DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0',
      DOCKER_CLI_HINTS: 'false',
      ...opts.env,
    },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let code: number;
  let stderr = r.stderr ?? '';
  if (r.error) {
    const e = r.error as NodeJS.ErrnoException;
    if (e.code === 'ETIMEDOUT') {
      code = 124;
      stderr += `\n${command} timed out after ${timeoutMs} ms`;
    } else {
      code = e.code === 'ENOENT' ? 127 : 1;
      stderr += `\n${command}: ${e.message}`;
    }
  } else {
    code = r.status ?? 128;
  }
  const result: DockerResult = { code, stdout: r.stdout ?? '', stderr };
  if (opts.check && code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${code}): ${(stderr.trim() || result.stdout.trim()).slice(-2000)}`,
    );
  }
  return result;
}

/** Run the docker CLI (no shell). Never throws unless `check: true`. */
export function docker(args: string[], opts?: DockerOptions): DockerResult {
  return run('docker', args, opts);
}

let dockerChecked = false;

/** Throw a clear Error when no Docker engine answers `docker info`. */
export function ensureDocker(): void {
  if (dockerChecked) return;
  const r = docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 });
  if (r.code !== 0 || r.stdout.trim() === '') {
    const why = (r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split('\n').pop();
    throw new Error(
      `Docker engine not available (docker info failed: ${why}). ` +
        `Run "bash scripts/docker-engine.sh" as root first (it installs docker.io and starts dockerd).`,
    );
  }
  dockerChecked = true;
}

/**
 * A name that is unique per process and call, valid as a container, volume and
 * image repository name: `<prefix>-<pid>-<8 hex>` (lower-cased).
 */
export function uniqueName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'cloudy';
  return `${clean}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function warnUnexpected(what: string, r: DockerResult, ignore: RegExp): void {
  if (r.code === 0) return;
  const unexpected = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !ignore.test(l));
  if (unexpected.length > 0) console.warn(`[test cleanup] ${what}: ${unexpected.join(' | ')}`);
}

/** Best-effort `docker rm -f -v`; missing containers are fine. Never throws. */
export function removeContainers(names: readonly string[]): void {
  if (names.length === 0) return;
  const r = docker(['rm', '-f', '-v', ...names], { timeoutMs: 120_000 });
  warnUnexpected('docker rm', r, /no such container/i);
}

/**
 * Best-effort `docker rmi` of tags/ids (untagged parent layers of a removed tag
 * go with it); missing images are fine. Never throws. Remove containers first.
 */
export function removeImages(refs: readonly string[]): void {
  if (refs.length === 0) return;
  // A parent listed before its child fails ("has dependent child images") until the child is
  // gone, and an id that a pull also recorded by digest is "referenced in multiple
  // repositories": a second, forced pass removes what the first could not. Every ref passed
  // here is a test's own uniquely named image or its id.
  if (docker(['rmi', ...refs], { timeoutMs: 120_000 }).code === 0) return;
  const r = docker(['rmi', '-f', ...refs], { timeoutMs: 120_000 });
  warnUnexpected('docker rmi', r, /no such image/i);
}

/** Best-effort `docker volume rm -f`; missing volumes are fine. Never throws. */
export function removeVolumes(names: readonly string[]): void {
  if (names.length === 0) return;
  const r = docker(['volume', 'rm', '-f', ...names], { timeoutMs: 120_000 });
  warnUnexpected('docker volume rm', r, /no such volume/i);
}

let testImagesReady = false;

/** Make sure cloudy-local/busybox:1 exists (runs scripts/test-images.sh, idempotent). */
export function ensureTestImages(): void {
  if (testImagesReady) return;
  ensureDocker();
  const r = run('bash', [join(scriptsDir, 'test-images.sh')], { timeoutMs: 600_000 });
  if (r.code !== 0) {
    throw new Error(
      `scripts/test-images.sh failed (exit ${r.code}): ${(r.stderr.trim() || r.stdout.trim()).slice(-2000)}`,
    );
  }
  testImagesReady = true;
}

export interface LocalRegistry {
  /** `127.0.0.1:PORT`; use as `${addr}/name:tag`. Plain HTTP, allowed for 127.0.0.0/8. */
  addr: string;
  /** Stop the registry and delete its storage. Idempotent, never throws. */
  stop(): void;
}

const liveRegistries = new Set<LocalRegistry>();
let exitHookInstalled = false;

/**
 * Start a fresh registry (its own state dir, storage and free port) with
 * scripts/local-registry.sh. Call stop() when done; leftovers are stopped when
 * the process exits.
 */
export function startRegistry(): LocalRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'cloudy-registry-'));
  const env = { CLOUDY_REGISTRY_DIR: dir };
  const script = join(scriptsDir, 'local-registry.sh');
  const r = run('bash', [script, 'start'], { env, timeoutMs: 600_000 });
  const addr = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !/^127\.0\.0\.1:\d+$/.test(addr)) {
    run('bash', [script, 'stop'], { env, timeoutMs: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `scripts/local-registry.sh start failed (exit ${r.code}): ${(r.stderr.trim() || r.stdout.trim()).slice(-2000)}`,
    );
  }
  let stopped = false;
  const registry: LocalRegistry = {
    addr,
    stop() {
      if (stopped) return;
      stopped = true;
      liveRegistries.delete(registry);
      const s = run('bash', [script, 'stop'], { env, timeoutMs: 30_000 });
      if (s.code !== 0) console.warn(`[test cleanup] local-registry stop: ${s.stderr.trim()}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  liveRegistries.add(registry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const reg of [...liveRegistries]) reg.stop();
    });
  }
  return registry;
}

export interface BuildOptions {
  tag: string;
  /** Build context; default exampleDir. */
  context?: string;
  /** Dockerfile path relative to the context or absolute. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  timeoutMs?: number;
}

/** `docker build --force-rm` with the legacy builder; returns the raw result. */
export function buildImage(opts: BuildOptions): DockerResult {
  const args = ['build', '--force-rm', '-t', opts.tag];
  if (opts.dockerfile) args.push('-f', resolve(opts.context ?? exampleDir, opts.dockerfile));
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  args.push(opts.context ?? exampleDir);
  return docker(args, { timeoutMs: opts.timeoutMs ?? 600_000 });
}

/** Parsed `docker <kind> inspect` element [0], or undefined when the object does not exist. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary inspect paths and assert on them.
export function inspect(ref: string, kind: 'image' | 'container' | 'volume' | 'network' = 'container'): any {
  const r = docker([kind, 'inspect', ref], { timeoutMs: 60_000 });
  if (r.code !== 0) return undefined;
  const parsed: unknown = JSON.parse(r.stdout);
  return Array.isArray(parsed) ? parsed[0] : undefined;
}

/** `State.Health.Status` of a container ('starting' | 'healthy' | 'unhealthy'), or undefined. */
export function healthStatus(container: string): string | undefined {
  const r = docker(['inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', container], {
    timeoutMs: 30_000,
  });
  const s = r.stdout.trim();
  return r.code === 0 && s !== '' ? s : undefined;
}

export interface WaitForOptions {
  /** Poll interval, default 250 ms. */
  intervalMs?: number;
  /** Used in the timeout error message. */
  description?: string;
}

/**
 * Poll `fn` until it returns a truthy value (which is returned) or `timeoutMs`
 * passes (then throws, including the last value or error). Errors thrown by
 * `fn` count as "not yet".
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  opts: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const interval = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const lastText = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${opts.description ?? 'condition'} (last: ${lastText})`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}
