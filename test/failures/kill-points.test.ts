/**
 * Kill points of a redeploy (real engine): the tool is SIGKILLed the moment it starts each docker
 * step of a stop-first replace. Each time, the next run must end with the service running and
 * healthy, and no child the dead run left (its docker commands, each in its own process group)
 * may still be alive once the next run has started its tasks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLEAN_REPORT, cleanup, type Deployment, deploy, deployment } from '../helpers/deployment.js';
import { ensureDocker, ensureTestImages, inspect } from '../helpers/docker.js';
import { collect, startCli } from '../helpers/rig.js';

const Kill = suite('failures: SIGKILL at each docker step of a redeploy (real engine)');
const made: Deployment[] = [];
Kill.before(() => {
  ensureDocker();
  ensureTestImages();
});
Kill.after(() => made.forEach(cleanup));

/** Pids whose parent is `pid` (from /proc): the tool's direct children. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** The steps of a stop-first replace, as the line view prints each command. */
const STEPS: readonly [string, RegExp][] = [
  ['docker rename (old → -previous)', /\$ docker rename \S+ \S+-previous/],
  ['docker stop (the old one)', /\$ docker stop /],
  ['docker run -d (the new one)', /\$ docker run /],
  ['a health poll', /\$ docker run [\s\S]*\$ docker container inspect /],
];

for (const [step, line] of STEPS) {
  Kill(`SIGKILL at ${step}: the next run restores the service and no child of the dead run is left`, async () => {
    const d = deployment({ deploy: { order: 'stop-first' } });
    made.push(d);
    assert.is((await deploy(d)).code, 0);
    // --verbose: every command is printed, health polls included.
    const run = startCli(d.project, ['deploy-secure', '--force', '--verbose'], {
      fakeDocker: false,
      env: { TRIVY_STANDIN_REPORT: CLEAN_REPORT },
    });
    const done = collect(run, 300_000);
    let out = '';
    let left: number[] = [];
    let matched = false;
    await new Promise<void>((resolve) =>
      run.stdout!.on('data', (chunk: Buffer) => {
        out += String(chunk);
        if (!matched && line.test(out.slice(Math.max(0, out.indexOf('[deploy-secure]'))))) {
          matched = true;
          // A moment for the step's docker command to start, so it is among the children killed with us.
          setTimeout(() => {
            left = childrenOf(run.pid!);
            run.kill('SIGKILL');
            resolve();
          }, 60);
        }
      }),
    );
    await done;
    // The next run: its first task starting means it holds the lock, after any recovery.
    const next = startCli(d.project, ['deploy-secure', '--json'], {
      fakeDocker: false,
      env: { TRIVY_STANDIN_REPORT: CLEAN_REPORT },
    });
    const nextDone = collect(next, 300_000);
    await new Promise<void>((resolve) => {
      let text = '';
      next.stdout!.on('data', (chunk: Buffer) => {
        text += String(chunk);
        if (text.includes('"task-started"')) resolve();
      });
    });
    const survivors = left.filter(alive);
    assert.equal(survivors, [], `children of the killed run (${left.join(', ')}) still alive: ${survivors.join(', ')}`);
    const r = await nextDone;
    assert.is(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr}`);
    const service = inspect(d.name);
    assert.ok(service?.State?.Running, 'the service runs');
    assert.is(service.State.Health?.Status, 'healthy');
    assert.is(inspect(`${d.name}-previous`), undefined, 'no leftover');
    assert.is(inspect(`${d.name}-next`), undefined, 'no leftover');
  });
}

Kill.run();
