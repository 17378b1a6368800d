import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { defineTask, type TaskContext } from '../lib/engine/task.js';
import { TaskFailure } from '../lib/failure.js';
import type { Check } from '../lib/hardening/checks/index.js';
import type { IncidentSummary } from '../lib/render/incident.js';

interface IncidentOutput {
  readonly dir: string;
  readonly container: string;
  readonly stopped: boolean;
  readonly imageId: string;
  readonly files: readonly string[];
  readonly missing: readonly string[];
}

/**
 * The security guide's incident runbook as one command: stop the service container (never
 * remove it; `--no-stop` leaves it running), keep its `docker logs --timestamps`, `docker
 * inspect`, image id and digest in `incidents/<UTC time>/` (directory 0700, files 0600, created
 * new, never through a symlink), scan that exact image with Trivy, and write summary.md with the
 * findings and the runbook's next steps. Nothing is ever deleted: no container, image or volume.
 * Exit 0 when everything was collected, 1 naming what could not be.
 */
export default defineTask({
  name: 'incident',
  description: 'Incident runbook: stop the container, keep logs/inspect/image, scan it, write a summary (--no-stop)',
  run: async (ctx): Promise<IncidentOutput> => {
    const { docker } = await import('../lib/docker/cli.js');
    const { inspectContainer } = await import('../lib/docker/health.js');
    const { inspectImage } = await import('../lib/docker/image.js');
    const { verifyContainer } = await import('../lib/hardening/checks/index.js');
    const { formatIncidentSummary } = await import('../lib/render/incident.js');
    const { maskContainerEnv } = await import('../lib/render/redact.js');
    const { messageOf } = await import('../lib/util/errors.js');
    const { writeNewFile } = await import('../lib/util/safe-files.js');
    const { name } = ctx.config.container;
    const stop = !ctx.flags.noStop;
    if (ctx.flags.dryRun) {
      await docker(ctx, ['container', 'inspect', name]);
      if (stop) await docker(ctx, ['stop', name]);
      await docker(ctx, ['logs', '--timestamps', name]);
      return { dir: ctx.config.incident.dir, container: name, stopped: false, imageId: '', files: [], missing: [] };
    }
    const found = await inspectContainer(ctx, name);
    if (!found)
      return ctx.fail({
        reason: 'task-error',
        message: `no container named ${name}: there is nothing to collect, and no incident folder was created`,
        hint: 'set container.name to the container of the incident',
      });
    const at = new Date();
    const dir = await createFolder(ctx, at);
    const files: string[] = [];
    const missing: { what: string; why: string }[] = [];
    const save = async (file: string, data: string) => {
      try {
        await writeNewFile(path.join(dir, file), data, 0o600);
        files.push(file);
      } catch (error) {
        missing.push({ what: file, why: `cannot be written: ${messageOf(error)}` });
      }
    };
    const state = (c: Record<string, unknown> | undefined) =>
      String((c?.['State'] as { Status?: string } | undefined)?.Status ?? 'gone');

    // The state as found, before anything changes it.
    await save('inspect.json', `${JSON.stringify(maskContainerEnv(ctx.redact(found)), null, 2)}\n`);
    let stopped: IncidentSummary['stop'] = stop ? 'already-stopped' : 'not-stopped';
    if (stop && state(found) !== 'exited' && state(found) !== 'created') {
      const result = await docker(ctx, ['stop', name], { nothrow: true, silent: true });
      stopped = result.exitCode === 0 ? 'stopped' : 'stop-failed';
      if (result.exitCode !== 0) missing.push({ what: 'stop', why: lastLine(result.stderr) });
      else ctx.progress(`stopped ${name} (kept: docker start ${name} restarts it)`);
    }

    const logs = await docker(ctx, ['logs', '--timestamps', name], { nothrow: true, silent: true });
    if (logs.exitCode === 0) {
      await save('logs-stdout.txt', ctx.redact(logs.stdout));
      await save('logs-stderr.txt', ctx.redact(logs.stderr));
    } else missing.push({ what: 'logs', why: lastLine(logs.stderr) });

    const imageId = String(found['Image'] ?? '');
    const imageRef = String((found['Config'] as { Image?: string } | undefined)?.Image ?? imageId);
    const image = imageId === '' ? undefined : await inspectImage(ctx, imageId);
    if (image)
      await save(
        'image.json',
        `${JSON.stringify({ id: image.id, ref: imageRef, repoTags: image.repoTags, repoDigests: image.repoDigests }, null, 2)}\n`,
      );
    else missing.push({ what: 'image', why: `the image ${imageId || '(none)'} is no longer on this host` });

    const scan = image ? await scanExactImage(ctx, dir, imageId, files, missing) : undefined;
    const checks: Check[] = verifyContainer(found, ctx.config.container);
    const after = await inspectContainer(ctx, name);
    const summary: IncidentSummary = {
      at: at.toISOString(),
      container: name,
      containerId: String(found['Id'] ?? ''),
      stateBefore: state(found),
      stateAfter: state(after),
      stop: stopped,
      imageId,
      imageRef,
      digests: image?.repoDigests ?? [],
      files: [...files, 'summary.md'],
      missing,
      scan,
      checks,
    };
    await save('summary.md', ctx.redact(formatIncidentSummary(summary)));
    const shown = path.relative(ctx.projectDir, dir) || dir;
    if (missing.length > 0)
      return ctx.fail({
        reason: 'task-error',
        message: `incident recorded in ${shown}, but ${missing.map((m) => `${m.what} could not be collected (${m.why})`).join('; ')}`,
        hint: `see ${path.join(shown, 'summary.md')}`,
      });
    ctx.progress(`incident recorded in ${shown}: ${files.join(', ')}`);
    return { dir, container: name, stopped: stopped === 'stopped', imageId, files, missing: [] };
  },
});

/** `incidents/<UTC time>` (`-2`, `-3`… when taken): a new 0700 directory, never reached through a link. */
async function createFolder(ctx: TaskContext, at: Date): Promise<string> {
  const { kindOf, makeNewDirectory } = await import('../lib/util/safe-files.js');
  const base = ctx.config.incident.dir;
  const shown = path.relative(ctx.projectDir, base) || base;
  const kind = await kindOf(base);
  if (kind === 'symlink' || (kind !== 'missing' && kind !== 'directory'))
    return ctx.fail({
      reason: 'task-error',
      message: `refusing ${shown}: it is ${kind === 'symlink' ? 'a symlink' : 'not a directory'}, and incident evidence is never written through one`,
      hint: 'replace it with a real directory, or set incident.dir',
    });
  if (kind === 'missing') await mkdir(base, { recursive: true, mode: 0o700 });
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let n = 1; n < 100; n++) {
    const dir = path.join(base, n === 1 ? stamp : `${stamp}-${n}`);
    if (await makeNewDirectory(dir, 0o700)) return dir;
  }
  return ctx.fail(`cannot create a new incident folder in ${shown}: 99 names for ${stamp} are taken`);
}

/** Trivy on the container's image id, its report kept in the folder; a scanner problem is recorded, not thrown. */
async function scanExactImage(
  ctx: TaskContext,
  dir: string,
  imageId: string,
  files: string[],
  missing: { what: string; why: string }[],
): Promise<IncidentSummary['scan']> {
  const { failureHeadline } = await import('../lib/render/failure.js');
  const { scanImageId } = await import('../lib/scan/image-scan.js');
  const { trivyCommand } = await import('../lib/scan/run.js');
  const { messageOf } = await import('../lib/util/errors.js');
  const { restrictFile } = await import('../lib/util/safe-files.js');
  const { scan } = ctx.config;
  const outputFile = path.join(dir, 'trivy-image.json');
  try {
    const trivy = await trivyCommand(ctx, dir);
    const options = {
      severities: [...scan.severity],
      ignoreUnfixed: scan.ignoreUnfixed,
      ...(scan.ignoreFile ? { ignoreFile: scan.ignoreFile } : {}),
      timeout: scan.timeout,
      skipDbUpdate: scan.skipDbUpdate,
    };
    const json = await scanImageId(ctx, {
      trivy,
      imageId,
      repository: ctx.config.image.name,
      purpose: 'incident',
      options,
      outputFile,
    });
    await restrictFile(outputFile, 0o600);
    files.push('trivy-image.json');
    const { parseTrivyReport, countBySeverity } = await import('../lib/scan/parse.js');
    const parsed = parseTrivyReport(json);
    if (!parsed.ok) {
      missing.push({ what: 'scan', why: `the Trivy report cannot be read: ${parsed.problem}` });
      return undefined;
    }
    return { counts: countBySeverity(parsed.report.findings), findings: parsed.report.findings };
  } catch (error) {
    if (error instanceof TaskFailure && error.failure.reason === 'aborted') throw error;
    missing.push({
      what: 'scan',
      why: error instanceof TaskFailure ? failureHeadline(error.failure) : messageOf(error),
    });
    return undefined;
  }
}

/** Environment values of secret-looking names in `Config.Env` become `***` (the image may set its own). */
function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? 'no error message'
  ).replace(/^Error( response from daemon)?:\s*/i, '');
}
