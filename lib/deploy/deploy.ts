/**
 * `deploy-secure` as a function of an engine: converge, replace, record, retain. The task file
 * (tasks/deploy-secure.ts) checks the scan and calls this; a fleet deploy calls it once per
 * engine (`engineFor(ctx, hostTarget(url))`).
 *
 * 1. repair what an interrupted deploy left (./leftovers.ts);
 * 2. converge: when the service already runs this image with these settings, healthy and
 *    passing every check, do nothing (./converge.ts) — unless `--force`;
 * 3. replace, start-first when no host port is published (./replace.ts), rolling back on failure;
 * 4. record the deploy (./record.ts) and remove old image generations (./retention.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LABELS, labelArgs, ownerLabels } from '../docker/labels.js';
import type { Check } from '../hardening/checks/index.js';
import { networkCreateArgs, runArgs } from '../hardening/run-args.js';
import { parseVolume } from '../hardening/volumes.js';
import { messageOf } from '../util/errors.js';
import { assess, type Desired } from './converge.js';
import type { Engine } from './engine.js';
import { nextName, previousName, settleLeftovers } from './leftovers.js';
import { readDeployRecord, writeDeployRecord } from './record.js';
import { replaceContainer, replaceOrder } from './replace.js';
import { pruneImages } from './retention.js';
import { type RunSpecFiles, runSettings, runSpecHash } from './run-spec.js';

/** The typed output of `deploy-secure`. */
export interface Deployment {
  readonly container: string;
  readonly imageId: string;
  /** True when a running container was replaced (false on a first deploy and when up to date). */
  readonly replaced: boolean;
  /** True when nothing was changed: the service already was this deployment. */
  readonly upToDate: boolean;
  readonly checks: Check[];
  /** The engine deployed to (`local`, a host URL, `context:<name>`; `fleet` for a fleet). */
  readonly engine: string;
  /** A fleet deploy (deploy.hosts): each host's deployment, in the configured order. */
  readonly hosts?: readonly FleetHostDeployment[];
}

/** One host of a fleet deploy (lib/deploy/fleet.ts). */
export interface FleetHostDeployment {
  /** As configured in deploy.hosts. */
  readonly host: string;
  readonly replaced: boolean;
  readonly upToDate: boolean;
  readonly checks: Check[];
}

export interface DeployOptions {
  /** The image reference `docker run` uses (a fleet host's `repo@sha256:…`); default `imageId`. */
  readonly runRef?: string;
  /** Keep the replaced container, stopped, for a later rollback (see ReplaceRequest.keepPrevious). */
  readonly keepPrevious?: boolean;
}

export async function deploy(
  engine: Engine,
  imageId: string,
  options: DeployOptions = {},
): Promise<Deployment & { kept?: string }> {
  const { ctx } = engine;
  const policy = ctx.config.container;
  const name = policy.name;
  const files = envFileDigest(engine);
  const runSpec = runSpecHash(policy, files);
  const labels = {
    ...ownerLabels(ctx.projectDir, ctx.config.image.name),
    [LABELS.runSpec]: runSpec,
    [LABELS.service]: name,
  };
  const networkInspect = await ensureNetwork(engine);
  const base = { container: name, imageId, engine: engine.target.label };
  if (ctx.flags.dryRun) {
    ctx.explain({ upToDate: false, why: 'dry run: the running container is not checked' });
    // The engine is not asked what runs, so the plan is a first start: say how a replace differs,
    // so that the printed `docker run --name` is not pasted over a running service.
    ctx.progress(
      replaceOrder(policy, ctx.config.deploy.order) === 'start-first'
        ? `shown as a first start; when ${name} runs, the deploy starts ${nextName(name)} beside it and swaps names once it is verified`
        : `shown as a first start; when ${name} runs, the deploy renames it to ${previousName(name)} and stops it first (${
            policy.ports.length > 0 ? 'a host port is published' : 'deploy.order: stop-first'
          })`,
    );
    await engine.docker(runArgs(policy, options.runRef ?? imageId, name, labels));
    return { ...base, replaced: false, upToDate: false, checks: [] };
  }

  const { oldId, current } = await settleLeftovers(engine, name);
  const record = await readDeployRecord(ctx.projectDir, engine.target.label, name);
  const desired: Desired = { imageId, runSpec, settings: runSettings(policy, files) };
  const assessment = await assess(engine, name, desired, record, networkInspect, current);
  if (assessment.upToDate && !ctx.flags.force) {
    ctx.explain({ upToDate: true, why: assessment.why });
    ctx.progress(`no restart: ${assessment.why}`);
    return { ...base, replaced: false, upToDate: true, checks: assessment.checks };
  }
  const why = ctx.flags.force ? `--force (${assessment.why})` : assessment.why;
  ctx.explain({ upToDate: false, why });
  const order = replaceOrder(policy, ctx.config.deploy.order);
  ctx.progress(oldId ? `replacing ${name} (${order}): ${why}` : `starting ${name}: ${why}`);
  const previousImage = oldId
    ? ((current ?? (await engine.inspect(oldId)))?.['Image'] as string | undefined)
    : undefined;
  await ensureVolumes(engine);
  const { newId, checks, kept } = await replaceContainer(engine, {
    name,
    imageId,
    labels,
    oldId,
    order,
    ...(options.runRef ? { runRef: options.runRef } : {}),
    ...(options.keepPrevious ? { keepPrevious: true } : {}),
  });

  const after = new Date().toISOString();
  await writeDeployRecord(ctx.projectDir, engine.target.label, name, {
    containerId: newId,
    imageId,
    runSpec,
    settings: desired.settings,
    at: after,
    ...(previousImage ? { previousImageId: previousImage } : {}),
  }).catch((error: unknown) => ctx.progress(`could not record the deploy (${messageOf(error)})`));
  // Committed: removing old images is housekeeping, and never fails the deploy.
  try {
    const retention = await pruneImages(engine, { deployed: imageId, previous: previousImage });
    if (retention.removed.length > 0)
      ctx.progress(
        `removed ${retention.removed.length} old image generation${retention.removed.length === 1 ? '' : 's'} (image.keep ${ctx.config.image.keep})`,
      );
    for (const s of retention.spared) ctx.progress(`kept old image ${s.imageId.slice(0, 19)}: ${s.why}`);
  } catch (error) {
    ctx.progress(`old images were not removed (${messageOf(error)}); the next deploy tries again`);
  }
  return { ...base, replaced: oldId !== undefined, upToDate: false, checks, ...(kept ? { kept } : {}) };
}

/**
 * Create the user-defined network (ICC and masquerading off) when configured and missing;
 * returns its inspect document for the network checks (undefined for `network: none`).
 */
async function ensureNetwork(engine: Engine): Promise<unknown> {
  const policy = engine.ctx.config.container;
  const args = networkCreateArgs(policy, ownerLabels(engine.ctx.projectDir, engine.ctx.config.image.name));
  if (!args || policy.network.mode !== 'network') return undefined;
  if (!engine.ctx.flags.dryRun) {
    const found = await engine.docker(['network', 'inspect', policy.network.name], { nothrow: true, silent: true });
    if (found.exitCode === 0) return (JSON.parse(found.stdout) as unknown[])[0];
  }
  await engine.docker(args);
  if (engine.ctx.flags.dryRun) return undefined;
  const created = await engine.docker(['network', 'inspect', policy.network.name], { nothrow: true, silent: true });
  return created.exitCode === 0 ? (JSON.parse(created.stdout) as unknown[])[0] : undefined;
}

/**
 * Create the named volumes with the project's labels before the first container uses them
 * (`docker run -v` would create them unlabelled). An existing volume is left as it is: never
 * relabelled, never recreated, never removed.
 */
async function ensureVolumes(engine: Engine): Promise<void> {
  const { ctx } = engine;
  const names = ctx.config.container.volumes.map(parseVolume).flatMap((v) => (v && !v.bind ? [v.source] : []));
  if (names.length === 0) return;
  const found = await engine.docker(['volume', 'inspect', '--format', '{{.Name}}', ...names], {
    nothrow: true,
    silent: true,
  });
  const existing = new Set(found.stdout.split('\n').filter(Boolean));
  for (const volume of names.filter((n) => !existing.has(n))) {
    await engine.docker(
      ['volume', 'create', ...labelArgs(ownerLabels(ctx.projectDir, ctx.config.image.name)), volume],
      { silent: true },
    );
  }
}

/**
 * The env file's content hash for the run spec: a changed file must redeploy, and only the hash
 * (never a value) may reach the container's label or the deploy record. Checked at load time; a
 * file removed since then fails the deploy before anything is touched.
 */
function envFileDigest(engine: Engine): RunSpecFiles {
  const file = engine.ctx.config.container.envFile;
  if (file === undefined) return {};
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    return engine.ctx.fail({
      reason: 'task-error',
      message: `container.envFile ${file} cannot be read (${messageOf(error)})`,
      hint: 'restore the file or change container.envFile',
    });
  }
  return { envFileSha256: `sha256:${createHash('sha256').update(content).digest('hex')}` };
}
