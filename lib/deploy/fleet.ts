/**
 * The fleet deploy (`deploy.hosts`): the local deploy (./deploy.ts: leftovers, ownership,
 * converge, safe replace, verification, rollback) run against each host's own Docker engine over
 * its API (`docker --host URL` / `--context NAME`), never a home-made orchestrator.
 *
 * 1. push the scanned image and learn its digest; every host runs `repo@sha256:…`, never a tag;
 * 2. prepare every host before changing any: pull by digest, check that the pulled image is the
 *    scanned image id, take the fleet lock (./fleet-lock.ts). A failure here changes nothing;
 * 3. deploy `deploy.parallel` hosts at a time (default 1), in the configured order; the first
 *    failure (that host is rolled back by the local deploy's own rollback) starts no new host;
 * 4. hosts already updated stay on the new version and the failure says so per host, unless
 *    `deploy.rollbackAll`: then their replaced containers were kept (stopped) and are put back;
 * 5. release the locks, whatever happened (critical commands: also after SIGINT/SIGTERM).
 */
import { randomBytes } from 'node:crypto';
import { pushImage } from '../docker/push.js';
import { fleetTarget } from '../docker/target.js';
import type { TaskContext } from '../engine/task.js';
import { type Failure, type FleetHostOutcome, TaskFailure } from '../failure.js';
import { type Deployment, deploy, type FleetHostDeployment } from './deploy.js';
import { type Engine, engineFor } from './engine.js';
import { acquireLock, type LockClaim, lockMarkerName, releaseLock } from './fleet-lock.js';
import { rollback } from './rollback.js';

interface Host {
  readonly host: string;
  readonly engine: Engine;
}

/** What one host's deploy ended with. */
type HostResult =
  | { readonly ok: true; readonly deployed: FleetHostDeployment; readonly kept?: string; readonly newId?: string }
  | { readonly ok: false; readonly failure: Failure };

/** The engine of each fleet host, with progress lines prefixed by the host. */
export function fleetHosts(ctx: TaskContext): Host[] {
  return ctx.config.deploy.hosts.map((host) => {
    const hostCtx: TaskContext = { ...ctx, progress: (message) => ctx.progress(`${host}: ${message}`) };
    return { host, engine: engineFor(hostCtx, fleetTarget(host)) };
  });
}

export async function deployFleet(ctx: TaskContext, imageId: string): Promise<Deployment> {
  const { config } = ctx;
  const name = config.container.name;
  // Checked at load time (lib/config/consistency.ts): a fleet needs a registry.
  if (!config.image.registry) return ctx.fail({ reason: 'task-error', message: 'deploy.hosts needs image.registry' });
  const pushed = await pushImage(ctx, imageId, config.image.registry);
  const hosts = fleetHosts(ctx);
  if (ctx.flags.dryRun) return dryRun(ctx, hosts, imageId, pushed.ref, pushed.repository);

  const claim: LockClaim = { token: randomBytes(12).toString('hex'), startedAt: new Date().toISOString() };
  const locked: Host[] = [];
  try {
    for (const h of hosts) {
      const problem = await prepare(h, imageId, pushed.ref, claim);
      if (problem === 'locked') locked.push(h);
      else {
        if (problem.reason === 'fleet-locked') throw new TaskFailure(problem);
        throw new TaskFailure({
          reason: 'fleet-failed',
          host: h.host,
          cause: problem,
          hosts: hosts.map((o) => ({
            host: o.host,
            state: o === h ? 'failed' : 'not-started',
            ...(o === h ? { detail: 'nothing was changed on any host (the fleet stops before the first deploy)' } : {}),
          })),
        });
      }
    }
    return await rollOut(ctx, hosts, imageId, pushed.ref);
  } finally {
    for (const h of locked) await releaseLock(h.engine, name, claim);
  }
}

/** Pull by digest, prove it is the scanned image, take the lock: 'locked', or what went wrong. */
async function prepare(h: Host, imageId: string, ref: string, claim: LockClaim): Promise<'locked' | Failure> {
  const { engine } = h;
  engine.ctx.progress(`pulling ${ref}`);
  try {
    await engine.docker(['pull', ref], { silent: true });
    const pulled = await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref], { silent: true });
    if (pulled.stdout.trim() !== imageId)
      return {
        reason: 'task-error',
        message: `${ref} on ${h.host} is image ${pulled.stdout.trim().slice(0, 19)}, not the scanned ${imageId.slice(0, 19)}`,
        hint: 'the registry serves another image under that digest; check image.registry',
      };
    return (await acquireLock(engine, engine.ctx.config.container.name, ref, claim)) ?? 'locked';
  } catch (error) {
    if (error instanceof TaskFailure) return error.failure;
    throw error;
  }
}

/** Step 3 and 4: the hosts in batches of deploy.parallel; stop at the first failure. */
async function rollOut(ctx: TaskContext, hosts: readonly Host[], imageId: string, ref: string): Promise<Deployment> {
  const { parallel, rollbackAll } = ctx.config.deploy;
  const results = new Map<Host, HostResult>();
  for (let i = 0; i < hosts.length; i += parallel) {
    const batch = hosts.slice(i, i + parallel);
    const settled = await Promise.all(batch.map((h) => deployOne(h, imageId, ref, rollbackAll)));
    for (const [j, h] of batch.entries()) results.set(h, settled[j]!);
    if (settled.some((r) => !r.ok)) break;
    const next = hosts[i + parallel];
    if (ctx.signal.aborted && next) {
      // Interrupted between batches: the next host is where the fleet stopped, unchanged.
      const signal = ctx.signal.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
      results.set(next, { ok: false, failure: { reason: 'aborted', signal } });
      break;
    }
  }
  const failed = hosts.find((h) => results.get(h)?.ok === false);
  if (!failed) {
    // Every host verified: the containers kept for a rollback are not needed any more.
    for (const h of hosts) {
      const r = results.get(h);
      if (r?.ok && r.kept) await h.engine.docker(['rm', '-f', r.kept], { critical: true, nothrow: true });
    }
    const deployed = hosts.map((h) => (results.get(h) as Extract<HostResult, { ok: true }>).deployed);
    return {
      container: ctx.config.container.name,
      imageId,
      replaced: deployed.some((d) => d.replaced),
      upToDate: deployed.every((d) => d.upToDate),
      checks: [],
      engine: 'fleet',
      hosts: deployed,
    };
  }
  const outcomes: FleetHostOutcome[] = [];
  for (const h of hosts) outcomes.push(await outcomeOf(h, results.get(h), rollbackAll));
  const cause = (results.get(failed) as Extract<HostResult, { ok: false }>).failure;
  throw new TaskFailure({ reason: 'fleet-failed', host: failed.host, cause, hosts: outcomes });
}

async function deployOne(h: Host, imageId: string, ref: string, keepPrevious: boolean): Promise<HostResult> {
  try {
    const d = await deploy(h.engine, imageId, { runRef: ref, keepPrevious });
    const deployed = { host: h.host, replaced: d.replaced, upToDate: d.upToDate, checks: d.checks };
    return { ok: true, deployed, ...(d.kept ? { kept: d.kept } : {}) };
  } catch (error) {
    if (error instanceof TaskFailure) return { ok: false, failure: error.failure };
    throw error;
  }
}

/** One host's line of the failure; with rollbackAll, the updated hosts are put back first. */
async function outcomeOf(h: Host, r: HostResult | undefined, rollbackAll: boolean): Promise<FleetHostOutcome> {
  if (!r) return { host: h.host, state: 'not-started' };
  if (!r.ok) {
    const f = r.failure;
    const detail =
      f.reason === 'deploy-failed'
        ? `rollback: ${f.rollback}`
        : `its running container was not replaced (${f.reason === 'aborted' ? 'interrupted' : 'failed before the replace'})`;
    return { host: h.host, state: 'failed', detail };
  }
  if (r.deployed.upToDate || !rollbackAll)
    return { host: h.host, state: r.deployed.upToDate ? 'up-to-date' : 'updated' };
  const name = h.engine.ctx.config.container.name;
  const current = await h.engine.inspect(name, { critical: true });
  const outcome = await rollback(h.engine, {
    name,
    oldId: r.kept,
    newId: current?.['Id'] as string | undefined,
  });
  return { host: h.host, state: 'rolled-back', detail: outcome };
}

/** --dry-run: the plan per host, as the commands a real run starts with. */
async function dryRun(
  ctx: TaskContext,
  hosts: readonly Host[],
  imageId: string,
  ref: string,
  repository: string,
): Promise<Deployment> {
  const name = ctx.config.container.name;
  const claim: LockClaim = { token: 'dry-run', startedAt: new Date().toISOString() };
  const deployed: FleetHostDeployment[] = [];
  for (const h of hosts) {
    h.engine.ctx.progress(
      `plan: pull, lock, deploy, verify, unlock (a real run uses ${repository}@<the pushed digest>, shown here as the tag)`,
    );
    await h.engine.docker(['pull', ref]);
    await acquireLock(h.engine, name, ref, claim);
    const d = await deploy(h.engine, imageId, { runRef: ref });
    await h.engine.docker(['rm', '-f', lockMarkerName(name)]);
    deployed.push({ host: h.host, replaced: d.replaced, upToDate: d.upToDate, checks: d.checks });
  }
  return {
    container: name,
    imageId,
    replaced: false,
    upToDate: false,
    checks: [],
    engine: 'fleet',
    hosts: deployed,
  };
}
