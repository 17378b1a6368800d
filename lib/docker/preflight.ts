/**
 * Checks that run before `docker build` and need neither Docker nor Trivy:
 * what the build context would leak, and what the Dockerfile promises about
 * the final image (scratch, numeric non-root USER, exec-form HEALTHCHECK).
 * Catching these here is cheaper than finding them in a scan of a built image,
 * and some (secrets in the context) no image scan can see at all.
 * Rules follow docs/docker-hardening.md sections 2 and 3.
 */
import { lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listContext, toContextPath } from './context.js';
import type { DockerfileModel, FromRef } from './dockerfile.js';
import { parseDockerfile, splitImageRef, stageLineage } from './dockerfile.js';
import { isSecretArgName } from './secret-names.js';

/** One problem found before the build. Expected problems are values, never thrown. */
export interface PreflightFinding {
  /** Stable rule id, e.g. `user-root`. */
  readonly rule: string;
  /** `error` should stop the build; `warning` is reported only. */
  readonly severity: 'error' | 'warning';
  /** Path relative to the context dir, with `/` separators (`Dockerfile`, `.env`, `secrets/`). */
  readonly file: string;
  /** 1-based line in `file`; undefined for findings about a whole file or folder. */
  readonly line?: number;
  /** One line that names `file[:line]`, the problem and the fix. */
  readonly message: string;
}

/** Options for {@link preflight}. */
export interface PreflightOptions {
  /** The directory passed to `docker build`. */
  readonly contextDir: string;
  /** Path of the Dockerfile (absolute, or relative to the current directory). */
  readonly dockerfile: string;
  /** Whether a final stage other than `FROM scratch` is an error. Default true. */
  readonly requireScratch?: boolean;
  /** `--build-arg` values, used to resolve FROM lines. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /**
   * Files that hold secrets for docker to read at run or build time (`container.envFile`,
   * `image.secrets`), by config key: one the build would send is an error, since a COPY can bake it.
   */
  readonly secretFiles?: readonly { readonly key: string; readonly file: string }[];
  /**
   * Directories of cloudy-tasks itself (`.cloudy/`, the reports, `node_modules/`), absolute: one
   * the build sends is a warning (megabytes per build, and a `COPY .` that changes every run).
   */
  readonly ownDirs?: readonly string[];
}

/**
 * Every file (context-relative, `/`-separated, sorted) that `docker build` would send; see
 * {@link listContext} for the rules (the same walk the build fingerprint uses).
 */
export async function buildContextFiles(
  contextDir: string,
  dockerfile = path.join(contextDir, 'Dockerfile'),
): Promise<string[]> {
  return [...listContext(contextDir, dockerfile).files];
}

/** Runs every preflight rule; findings come back context secrets first, then by Dockerfile line. */
export async function preflight(opts: PreflightOptions): Promise<PreflightFinding[]> {
  const dfFile = toContextPath(opts.contextDir, opts.dockerfile);
  let files: string[];
  try {
    files = await buildContextFiles(opts.contextDir, opts.dockerfile);
  } catch (e) {
    const msg = `${opts.contextDir}: cannot read the build context (${errorText(e)}); fix: pass an existing directory as the context`;
    return [{ rule: 'context-unreadable', severity: 'error', file: '.', message: msg }];
  }
  const text = await readIfExists(opts.dockerfile);
  if (text === undefined) {
    const msg = `${dfFile}: cannot read the Dockerfile; fix: check the path or pass the right one`;
    return [...contextSecrets(files), { rule: 'dockerfile-unreadable', severity: 'error', file: dfFile, message: msg }];
  }
  const model = parseDockerfile(text, opts.buildArgs);
  const found = [
    ...dockerfileFindings(model, dfFile, opts.requireScratch ?? true),
    ...secretBuildArgs(model, dfFile, opts.buildArgs ?? {}),
  ];
  return [
    ...contextSecrets(files),
    ...sentSecretFiles(opts.contextDir, files, opts.secretFiles ?? []),
    ...ownDirsSent(opts.contextDir, files, opts.ownDirs ?? []),
    ...found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  ];
}

/** A configured secret file the build would send (and a `COPY .` would bake into a layer). */
function sentSecretFiles(
  contextDir: string,
  files: readonly string[],
  secrets: readonly { readonly key: string; readonly file: string }[],
): PreflightFinding[] {
  const sent = new Set(files);
  return secrets.flatMap(({ key, file }) => {
    const rel = toContextPath(contextDir, file);
    if (!sent.has(rel)) return [];
    const message = `${rel}: ${key} is in the build context, so the daemon receives it and any COPY can bake its values into a layer; fix: add \`${rel}\` to .dockerignore`;
    return [{ rule: 'context-secret', severity: 'error' as const, file: rel, message }];
  });
}

/**
 * cloudy-tasks' own directories in the context: not secret, but sent with every build (18 MB
 * per build, as reported in issue 14) and, for `.cloudy/` and the reports, rewritten by every run, so
 * a `COPY . .` layer never comes from the cache.
 */
function ownDirsSent(contextDir: string, files: readonly string[], dirs: readonly string[]): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  for (const dir of dirs) {
    const rel = toContextPath(contextDir, dir);
    if (rel === '' || rel.startsWith('../')) continue;
    const inside = files.filter((f) => f.startsWith(`${rel}/`));
    if (inside.length === 0) continue;
    let bytes = 0;
    for (const f of inside) bytes += sizeOf(path.join(contextDir, f));
    const what = `${inside.length} file${inside.length === 1 ? '' : 's'}, ${(bytes / 1e6).toFixed(1)} MB`;
    const message = `${rel}/: cloudy-tasks' own \`${rel}/\` (${what}) is in the build context, so every build sends it and a \`COPY . .\` layer changes with every run; fix: add \`${rel}/\` to .dockerignore`;
    out.push({ rule: 'context-tool-files', severity: 'warning', file: `${rel}/`, message });
  }
  return out;
}

function sizeOf(file: string): number {
  try {
    return lstatSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * A secret-looking key in `image.buildArgs` that the Dockerfile does not declare (a declared one
 * is already the `secret-env` error). It is passed by name, so it never sits in the argv, but a
 * build arg the Dockerfile starts to use lands in the image history: warn before that happens.
 */
function secretBuildArgs(
  model: DockerfileModel,
  dfFile: string,
  buildArgs: Readonly<Record<string, string>>,
): PreflightFinding[] {
  const declared = new Set([...model.globalArgs, ...model.stages.flatMap((s) => s.args)].map((n) => n.name));
  return Object.keys(buildArgs)
    .filter((name) => isSecretArgName(name) && !declared.has(name))
    .map((name) => ({
      rule: 'build-arg-secret',
      severity: 'warning' as const,
      file: dfFile,
      message: `image.buildArgs.${name} looks like a secret: build args are kept in the image history (docker history), so ${dfFile} must never declare it; fix: pass it as a build secret (RUN --mount=type=secret, BuildKit) and remove it from image.buildArgs`,
    }));
}

/** Folders that must never reach the daemon; each is reported once, however many files it holds. */
const SECRET_DIRS = new Set(['secrets', '.git', 'ai_learning', 'conversations']);

function contextSecrets(files: readonly string[]): PreflightFinding[] {
  const dirs = new Map<string, number>();
  const out: PreflightFinding[] = [];
  for (const file of files) {
    const parts = file.split('/');
    const at = parts.findIndex((p, i) => i < parts.length - 1 && SECRET_DIRS.has(p));
    if (at !== -1) {
      const dir = `${parts.slice(0, at + 1).join('/')}/`;
      dirs.set(dir, (dirs.get(dir) ?? 0) + 1);
      continue;
    }
    const entry = secretFileEntry(file);
    if (entry !== undefined) {
      out.push(contextFinding(file, `\`${file}\` is in the build context`, entry));
    }
  }
  for (const [dir, count] of dirs) {
    const what = `\`${dir}\` (${count} file${count === 1 ? '' : 's'}) is in the build context`;
    out.push(contextFinding(dir, what, `\`${dir}\``));
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** The .dockerignore entry to suggest for a secret-looking file, or undefined if it is fine. */
function secretFileEntry(file: string): string | undefined {
  const base = path.posix.basename(file);
  const nested = file.includes('/');
  // .env.example documents variable names, not values, so it may ship.
  if (base === '.env.example') return undefined;
  if (base === '.env') return nested ? `\`${file}\` (or \`**/.env\`)` : '`.env`';
  if (base.startsWith('.env.')) return `\`${file}\` (or \`${nested ? '**/' : ''}.env.*\` plus \`!.env.example\`)`;
  const ext = path.posix.extname(base);
  if (ext === '.key' || ext === '.pem') return `\`${file}\` (or \`**/*${ext}\`)`;
  return undefined;
}

function contextFinding(file: string, what: string, entry: string): PreflightFinding {
  const message = `${file}: ${what}, so the daemon receives it and any COPY can bake it into a layer; fix: add ${entry} to .dockerignore`;
  return { rule: 'context-secret', severity: 'error', file, message };
}

/** Names dockle treats as secrets (CIS-DI-0010), minus its GPG_KEY allowance. */
/** BuildKit defines these in the global scope without an ARG line. */
const AUTOMATIC_ARGS = new Set([
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
]);

function dockerfileFindings(model: DockerfileModel, file: string, requireScratch: boolean): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  const add = (
    rule: string,
    severity: PreflightFinding['severity'],
    line: number,
    problem: string,
    fix: string,
  ): void => {
    out.push({ rule, severity, file, line, message: `${file}:${line}: ${problem}; fix: ${fix}` });
  };
  const final = model.finalStage;
  if (final === undefined) {
    add(
      'dockerfile-no-from',
      'error',
      1,
      'no FROM instruction, so there is no image to check',
      'start the build stage with FROM',
    );
    return out;
  }
  const lineage = stageLineage(model, final);
  const root = lineage[0]?.from ?? final.from;
  const scratch = root.kind === 'scratch';
  const fromLine = final.from.line;

  if (!scratch && requireScratch) {
    add(
      'final-not-scratch',
      'error',
      fromLine,
      `the final stage builds on \`${root.image || root.raw}\`, not scratch`,
      'compile in a builder stage, then `FROM scratch` and COPY --from only the static binary',
    );
  }

  const user = lineage.flatMap((s) => s.users).at(-1);
  const numericFix = 'use a numeric non-root id such as `USER 1001:1001`';
  if (user === undefined) {
    add('user-missing', 'error', fromLine, 'the final stage has no USER, so the service runs as root', numericFix);
  } else {
    const [uid = '', gid] = user.value.split(':');
    if (uid === '0' || uid.toLowerCase() === 'root') {
      add('user-root', 'error', user.line, `\`USER ${user.raw}\` runs the service as root (uid 0)`, numericFix);
    } else if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid))) {
      add(
        'user-not-numeric',
        'error',
        user.line,
        `\`USER ${user.raw}\` is not numeric, and a name needs /etc/passwd, which a scratch image lacks`,
        numericFix,
      );
    }
  }

  const health = lineage.flatMap((s) => s.healthchecks).at(-1);
  const hcSeverity = scratch ? 'error' : 'warning';
  const execFix = 'use exec form, e.g. `HEALTHCHECK CMD ["/app/server", "healthcheck"]`';
  if (health === undefined || health.form === 'none' || health.form === 'invalid') {
    const why =
      health === undefined
        ? 'the final stage has no HEALTHCHECK'
        : health.form === 'none'
          ? '`HEALTHCHECK NONE` disables health checks'
          : 'the HEALTHCHECK has no command';
    add(
      'healthcheck-missing',
      hcSeverity,
      health?.line ?? fromLine,
      `${why}, so Docker cannot tell a hung service from a healthy one`,
      execFix,
    );
  } else if (health.form === 'shell') {
    const why = scratch
      ? 'it needs /bin/sh, which a scratch image lacks, so it always fails'
      : 'it depends on a shell in the image';
    add('healthcheck-shell-form', hcSeverity, health.line, `the HEALTHCHECK uses shell form: ${why}`, execFix);
  }

  for (const stage of model.stages) {
    for (const a of stage.adds) {
      for (const url of a.sources.filter((s) => /^https?:\/\//i.test(s))) {
        add(
          'add-url',
          'error',
          a.line,
          `\`ADD ${url}\` downloads at build time without verification`,
          'download in a builder stage, check its sha256, then COPY --from',
        );
      }
    }
    checkFrom(stage.from, add);
  }

  const names = [
    ...model.globalArgs.map((n) => ({ ...n, kind: 'ARG' })),
    ...model.stages.flatMap((s) => [
      ...s.args.map((n) => ({ ...n, kind: 'ARG' })),
      ...s.envs.map((n) => ({ ...n, kind: 'ENV' })),
    ]),
  ];
  for (const n of names) {
    if (isSecretArgName(n.name)) {
      add(
        'secret-env',
        'error',
        n.line,
        `\`${n.kind} ${n.name}\` looks like a secret, and its value is kept in the image config or history`,
        'pass it with `RUN --mount=type=secret` at build time or as a runtime env var, never ENV/ARG',
      );
    }
  }
  return out;
}

function checkFrom(
  from: FromRef,
  add: (rule: string, severity: 'error' | 'warning', line: number, problem: string, fix: string) => void,
): void {
  const missing = from.unresolved.filter((v) => !AUTOMATIC_ARGS.has(v));
  if (missing.length > 0) {
    const list = missing.map((v) => `\`${v}\``).join(', ');
    add(
      'from-unresolved',
      'warning',
      from.line,
      `\`FROM ${from.raw}\` uses ${list} with no value, so Docker substitutes ''`,
      'declare it before the first FROM with a default (`ARG NAME=value`) or pass --build-arg',
    );
  }
  if (from.kind !== 'image' || from.image === '') return;
  const ref = splitImageRef(from.image);
  if (ref.digest === undefined && (ref.tag === undefined || ref.tag === '' || ref.tag === 'latest')) {
    const how = ref.tag === 'latest' ? 'uses `:latest`' : 'has no tag';
    add(
      'floating-tag',
      'warning',
      from.line,
      `\`FROM ${from.image}\` ${how}, so each build may get a different base image`,
      `pin a version tag (\`${ref.name}:<version>\`), ideally with an @sha256 digest`,
    );
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
