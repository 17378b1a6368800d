/**
 * Compose for the integration tests: the example project with a dev config of its own, the
 * two compose command surfaces, and cleanup of a compose project by its labels.
 *
 * Compose v2 is not installed on the test machines (Debian ships docker-compose 1.29). The v2
 * command surface (`docker compose …`) is exercised through a `docker` wrapper first on PATH that
 * runs `docker compose ARGS` as `docker-compose ARGS` and passes every other call to the real
 * docker: it proves the argv and the detection, not the v2 plugin's behaviour (its `version
 * --short` reports 1.29.2, so cloudy-tasks treats it as v1 behaviour, rightly).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, exampleDir, removeImages, uniqueName } from './docker.js';
import { makeProject, type Project, type RunResult, runCli } from './rig.js';

export function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, cmd);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export type Surface = 'v1' | 'v2-surface';

/** A PATH whose docker and docker-compose record their argv (into `log`) and run the real ones. */
export function surfacePath(surface: Surface, dirs: string[]): { PATH: string; log: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-dev-bin-'));
  dirs.push(dir);
  const log = path.join(dir, 'calls.log');
  const realDocker = which('docker') ?? 'docker';
  const realCompose = which('docker-compose') ?? 'docker-compose';
  const record = (tool: string) => `{ printf '%s' ${tool}; printf '\\t%s' "$@"; printf '\\n'; } >> '${log}'`;
  const compose =
    surface === 'v2-surface'
      ? `if [ "$1" = compose ]; then shift; exec '${realCompose}' "$@"; fi`
      : `if [ "$1" = compose ]; then echo "docker: 'compose' is not a docker command." >&2; exit 1; fi`;
  writeFileSync(
    path.join(dir, 'docker'),
    ['#!/bin/sh', record('docker'), compose, `exec '${realDocker}' "$@"`, ''].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'docker-compose'),
    ['#!/bin/sh', record('docker-compose'), `exec '${realCompose}' "$@"`, ''].join('\n'),
  );
  chmodSync(path.join(dir, 'docker'), 0o755);
  chmodSync(path.join(dir, 'docker-compose'), 0o755);
  return { PATH: [dir, process.env['PATH'] ?? ''].join(path.delimiter), log };
}

export function calls(log: string): string[][] {
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
    : [];
}

export interface DevProject {
  readonly project: Project;
  /** Image repository, container name and compose project name (`<name>-dev`) derive from it. */
  readonly name: string;
  readonly composeProject: string;
  readonly run: (args: readonly string[], PATH?: string, env?: Record<string, string>) => Promise<RunResult>;
  readonly cleanup: () => void;
}

/** The example app in a temp project, with unique names and a dev config (plus `extra` keys). */
export function devProject(extra: Record<string, unknown> = {}): DevProject {
  const name = uniqueName('cloudy-dev');
  const composeProject = `${name}-dev`;
  const base = {
    image: { name },
    container: { name, healthTimeoutSeconds: 60 },
    baseImages: [],
    dev: { project: composeProject },
  };
  const config = { ...base, ...extra, dev: { ...base.dev, ...((extra['dev'] as object | undefined) ?? {}) } };
  const project = makeProject({ copyFrom: exampleDir, files: { '.cloudyrc.json': JSON.stringify(config) } });
  return {
    project,
    name,
    composeProject,
    run: (args, PATH, env = {}) =>
      runCli(project, args, {
        fakeDocker: false,
        timeoutMs: 300_000,
        env: { ...(PATH ? { PATH } : {}), ...env },
      }),
    cleanup: () => {
      removeComposeProject(composeProject);
      removeImages([`${name}:latest`]);
      project.cleanup();
    },
  };
}

/** Everything compose made for `project` (containers, volumes, networks), found by label. */
export function removeComposeProject(project: string): void {
  const label = `label=com.docker.compose.project=${project}`;
  const ids = (args: string[]) => docker(args).stdout.split('\n').filter(Boolean);
  const containers = ids(['ps', '-aq', '--filter', label]);
  if (containers.length > 0) docker(['rm', '-f', '-v', ...containers]);
  const volumes = ids(['volume', 'ls', '-q', '--filter', label]);
  if (volumes.length > 0) docker(['volume', 'rm', '-f', ...volumes]);
  const networks = ids(['network', 'ls', '-q', '--filter', label]);
  if (networks.length > 0) docker(['network', 'rm', ...networks]);
}

/** Names of the containers of a compose project, running or not. */
export function composeContainers(project: string): string[] {
  return docker(['ps', '-a', '--format', '{{.Names}}', '--filter', `label=com.docker.compose.project=${project}`])
    .stdout.split('\n')
    .filter(Boolean)
    .sort();
}

/** Volume names of a compose project. */
export function composeVolumes(project: string): string[] {
  return docker(['volume', 'ls', '--format', '{{.Name}}', '--filter', `label=com.docker.compose.project=${project}`])
    .stdout.split('\n')
    .filter(Boolean)
    .sort();
}

/** The task's output from `--json` events. */
export function outputOf<T>(stdout: string, task: string): T | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as { type: string; task: string; output?: T };
    if (e.type === 'task-succeeded' && e.task === task) return e.output;
  }
  return undefined;
}

/**
 * A stand-in for the ollama/ollama image (Docker Hub is not reachable here): `/bin/ollama serve`
 * idles until SIGTERM, `ollama list` answers 0, `/models` belongs to uid 1001 so a fresh named
 * volume mounted there is writable by the hardened user. A unique name: remove it when done.
 */
export function ollamaStandin(): string {
  const ref = `${uniqueName('cloudy-ollama-standin')}:1`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-ollama-'));
  try {
    writeFileSync(
      path.join(dir, 'ollama'),
      '#!/bin/sh\ncase "$1" in\n  serve) trap "exit 0" TERM INT; while :; do sleep 1 & wait $!; done ;;\n  list) echo "NAME ID SIZE MODIFIED"; exit 0 ;;\n  *) echo "ollama stand-in: $1?" >&2; exit 1 ;;\nesac\n',
    );
    writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM cloudy-local/busybox:1\nCOPY ollama /bin/ollama\nRUN chmod 0755 /bin/ollama && mkdir -p /models && chown 1001:1001 /models\nENTRYPOINT ["/bin/ollama"]\nCMD ["serve"]\n',
    );
    docker(['build', '-q', '-t', ref, dir], { check: true, env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 300_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}
