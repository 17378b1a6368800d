/**
 * Test rig: a temporary project (Dockerfile, .env, config), recording stand-ins for docker and
 * trivy on PATH, and the built CLI run as a child process, exactly as users run it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = path.join(repoRoot, 'bin', 'cloudy-tasks.js');
export const fakeDockerDir = path.join(repoRoot, 'test', 'fixtures', 'fake-docker');
export const trivyStandinDir = path.join(repoRoot, 'test', 'fixtures', 'bin');
export { trivyFixtures } from './paths.js';

/** A Dockerfile that passes every preflight rule (scratch, numeric USER, exec-form HEALTHCHECK). */
export const GOOD_DOCKERFILE = `FROM cloudy-local/busybox:1 AS build
RUN mkdir -p /out/app/data
FROM scratch
COPY --from=build --chown=1001:1001 /out/app /app
USER 1001:1001
HEALTHCHECK CMD ["/app/cloudy", "health"]
ENTRYPOINT ["/app/cloudy"]
`;
export const GOOD_ENV = 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\n';
export const GOOD_DOCKERIGNORE =
  '.env\n.env.*\n!.env.example\n*.key\n*.pem\nsecrets/\n.git/\nai_learning/\nconversations/\nreports/\n.cloudy/\n';

export interface ProjectOptions {
  /** Files to write, relative path → content. */
  readonly files?: Readonly<Record<string, string>>;
  /** Content of .env; `null` for no .env file. Default: the valid three variables. */
  readonly env?: string | null;
  readonly dockerfile?: string | null;
  /** Copy this directory in first (e.g. the example app). */
  readonly copyFrom?: string;
}

export interface Project {
  readonly dir: string;
  readonly log: string;
  /** Parsed stand-in calls so far. */
  calls(): { cmd: string; argv: string[]; cwd: string }[];
  cleanup(): void;
}

export function makeProject(options: ProjectOptions = {}): Project {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-test-'));
  if (options.copyFrom) cpSync(options.copyFrom, dir, { recursive: true });
  // A package.json stops the upward config search at the project.
  writeFileSync(path.join(dir, 'package.json'), '{"name":"fixture","private":true}\n');
  if (!options.copyFrom) {
    if (options.dockerfile !== null) writeFileSync(path.join(dir, 'Dockerfile'), options.dockerfile ?? GOOD_DOCKERFILE);
    writeFileSync(path.join(dir, '.dockerignore'), GOOD_DOCKERIGNORE);
  }
  if (options.env !== null) writeFileSync(path.join(dir, '.env'), options.env ?? GOOD_ENV);
  for (const [file, content] of Object.entries(options.files ?? {})) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  // Next to the project, not in it: a log inside would be part of the build context and change
  // it on every call (every run would look like a code change).
  const log = `${dir}.standin.log`;
  return {
    dir,
    log,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { cmd: string; argv: string[]; cwd: string })
        : [],
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(log, { force: true });
      rmSync(`${log}.failed`, { force: true });
    },
  };
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Put the recording docker stand-in first on PATH (default true). `'record'`: the stand-in
   * records every call and forwards it to the real docker (test/fixtures/fake-docker/docker).
   */
  readonly fakeDocker?: boolean | 'record';
  /** Put the trivy stand-in on PATH (default true). */
  readonly trivy?: boolean;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A clean environment: only what the CLI needs, so the host's variables cannot leak in. */
export function cliEnv(project: Project, options: RunOptions = {}): NodeJS.ProcessEnv {
  const dirs = [
    options.fakeDocker === false ? '' : fakeDockerDir,
    options.trivy === false ? '' : trivyStandinDir,
  ].filter(Boolean);
  const env: NodeJS.ProcessEnv = {
    PATH: [...dirs, process.env['PATH'] ?? ''].join(path.delimiter),
    HOME: process.env['HOME'] ?? os.tmpdir(),
    STANDIN_LOG: project.log,
    CI: '1',
    ...(options.fakeDocker === 'record' ? { FAKE_DOCKER_FORWARD: realDocker() } : {}),
  };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The real docker CLI on the test process's PATH (what the recording stand-in forwards to). */
export function realDocker(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'docker');
    if (dir && dir !== fakeDockerDir && existsSync(candidate)) return candidate;
  }
  throw new Error('no docker CLI on PATH');
}

export function startCli(project: Project, args: readonly string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], {
    cwd: project.dir,
    env: cliEnv(project, options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(project: Project, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const child = startCli(project, args, options);
  return collect(child, options.timeoutMs ?? 60_000);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Projects for one suite, removed after each test: `const project = useProjects(MySuite)`.
 */
export function useProjects(s: { after: { each(fn: () => void): void } }): (options?: ProjectOptions) => Project {
  let made: Project[] = [];
  s.after.each(() => {
    for (const p of made) p.cleanup();
    made = [];
  });
  return (options) => {
    const p = makeProject(options);
    made.push(p);
    return p;
  };
}
