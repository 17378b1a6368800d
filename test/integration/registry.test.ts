/**
 * update-base-images and rebuild-no-cache against a real local registry (Debian's
 * docker-registry on 127.0.0.1): digests before/after, changed detection, --if-changed, the
 * rebuilt image sitting on the new base, and the errors a scheduled job meets.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  docker,
  ensureDocker,
  ensureTestImages,
  inspect,
  type LocalRegistry,
  removeImages,
  startRegistry,
  uniqueName,
} from '../helpers/docker.js';
import { makeProject, type Project, runCli } from '../helpers/rig.js';

interface Update {
  image: string;
  before: string | null;
  after: string | null;
  changed: boolean;
}

const Registry = suite('scheduled updates (real registry)');
let registry: LocalRegistry;
let project: Project;
let base: string;
let appImage: string;
/** Every image id the suite made: older generations lose their tags but are still ours. */
const made = new Set<string>();

/** Push a base image under `base`; `variant` makes its content (and digest) differ. */
function pushBase(variant: string): string {
  const dir = makeProject({ dockerfile: `FROM cloudy-local/busybox:1\nRUN echo ${variant} > /variant\n`, env: null });
  try {
    docker(['build', '-q', '-t', base, dir.dir], { check: true, env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    dir.cleanup();
  }
  docker(['push', base], { check: true });
  made.add(inspect(base, 'image').Id as string);
  return inspect(base, 'image').RootFS.Layers.at(-1) as string;
}

function outputOf(stdout: string, task: string): unknown {
  const event = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; task: string; output?: unknown })
    .find((e) => e.task === task && e.type === 'task-succeeded');
  const imageId = (event?.output as { imageId?: unknown } | undefined)?.imageId;
  if (typeof imageId === 'string' && imageId.startsWith('sha256:')) made.add(imageId);
  return event?.output;
}

const run = (args: string[]) => runCli(project, [...args, '--json'], { fakeDocker: false, timeoutMs: 300_000 });

Registry.before(() => {
  ensureDocker();
  ensureTestImages();
  registry = startRegistry();
  const name = uniqueName('cloudy-base');
  base = `${registry.addr}/${name}:1`;
  appImage = uniqueName('cloudy-app');
  // The final stage is FROM the base so the test can see which base the rebuild sits on.
  project = makeProject({
    dockerfile: `ARG BASE=${base}\nFROM \${BASE}\nUSER 1001:1001\nHEALTHCHECK CMD ["/bin/true"]\n`,
    files: {
      '.cloudyrc.json': JSON.stringify({ image: { name: appImage }, baseImages: [], scan: { requireScratch: false } }),
    },
  });
});

Registry.after(() => {
  made.delete(inspect('cloudy-local/busybox:1', 'image')?.Id as string);
  removeImages([base, `${appImage}:latest`, ...made]);
  project.cleanup();
  registry.stop();
});

Registry('digests: changed on first sight, unchanged next time, changed after a push', async () => {
  const firstLayer = pushBase('one');
  const first = await run(['update-base-images']);
  assert.is(first.code, 0, first.stderr);
  const [u1] = (outputOf(first.stdout, 'update-base-images') as { images: Update[] }).images;
  assert.is(u1?.image, base, 'the Dockerfile FROM (ARG resolved) is found');
  assert.ok(u1?.changed && u1.before === null && u1.after?.startsWith('sha256:'));

  const second = await run(['update-base-images']);
  const [u2] = (outputOf(second.stdout, 'update-base-images') as { images: Update[] }).images;
  assert.equal([u2?.changed, u2?.before], [false, u1!.after]);

  const newLayer = pushBase('two');
  assert.is.not(newLayer, firstLayer);
  const pushedDigest = (inspect(base, 'image').RepoDigests as string[])[0]!.split('@')[1];
  docker(['rmi', base]); // the pull must fetch it from the registry
  const third = await run(['update-base-images']);
  const [u3] = (outputOf(third.stdout, 'update-base-images') as { images: Update[] }).images;
  assert.is(u3?.changed, true);
  assert.is(u3?.before, u1!.after);
  assert.is(u3?.after, pushedDigest, 'the new digest is reported');
  const state = JSON.parse(readFileSync(path.join(project.dir, '.cloudy', 'state.json'), 'utf8')) as {
    baseImages: Record<string, { digest: string }>;
  };
  assert.is(state.baseImages[base]?.digest, pushedDigest);
});

Registry('rebuild-no-cache --if-changed rebuilds only when a base digest changed, on the new base', async () => {
  const job = ['update-base-images', 'rebuild-no-cache', '--if-changed'];
  const first = await run(job);
  assert.is(first.code, 0, first.stderr);
  assert.is(
    (outputOf(first.stdout, 'rebuild-no-cache') as { rebuilt: boolean }).rebuilt,
    true,
    'never rebuilt before: rebuilds',
  );

  const same = await runCli(project, job, { fakeDocker: false, timeoutMs: 300_000 });
  assert.is(same.code, 0, same.stderr);
  assert.match(same.stdout, 'no base image changed since the last rebuild');
  const json = await run(job);
  assert.is((outputOf(json.stdout, 'rebuild-no-cache') as { rebuilt: boolean }).rebuilt, false);

  // The tag moved to another build since the last rebuild: that image must not be passed off as
  // the no-cache rebuild, so the job rebuilds although no base digest changed.
  docker(['tag', 'cloudy-local/busybox:1', `${appImage}:latest`], { check: true });
  const moved = await run(job);
  const afterMove = outputOf(moved.stdout, 'rebuild-no-cache') as { rebuilt: boolean; imageId: string };
  assert.is(afterMove.rebuilt, true, 'rebuilt because the tag no longer names the last rebuild');
  assert.is.not(afterMove.imageId, inspect('cloudy-local/busybox:1', 'image').Id);

  const newLayer = pushBase('three');
  docker(['rmi', base]);
  const changed = await run(job);
  assert.is(changed.code, 0, changed.stderr);
  const rebuilt = outputOf(changed.stdout, 'rebuild-no-cache') as { rebuilt: boolean; imageId: string };
  assert.is(rebuilt.rebuilt, true);
  const layers = inspect(rebuilt.imageId, 'image').RootFS.Layers as string[];
  assert.ok(layers.includes(newLayer), 'the rebuilt image contains the new base layer');

  const history = readFileSync(path.join(project.dir, '.cloudy', 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { outcome: string; digestsChanged: unknown[] });
  assert.ok(history.length >= 4);
  assert.is(history.at(-1)?.outcome, 'succeeded');
  assert.is(history.at(-1)?.digestsChanged.length, 1);
});

Registry('an unknown image and an unreachable registry fail with one clear line and keep the state', async () => {
  const stateFile = path.join(project.dir, '.cloudy', 'state.json');
  const before = readFileSync(stateFile, 'utf8');
  const missing = makeProject({
    files: {
      '.cloudyrc.json': JSON.stringify({
        baseImages: [`${registry.addr}/does-not-exist-${process.pid}:1`],
        scan: { requireScratch: false },
      }),
    },
    dockerfile: null,
  });
  try {
    const r = await runCli(missing, ['update-base-images'], { fakeDocker: false, timeoutMs: 120_000 });
    assert.is(r.code, 1);
    assert.match(r.stderr, /image not found|manifest unknown/);
  } finally {
    missing.cleanup();
  }
  const cfg = JSON.parse(readFileSync(path.join(project.dir, '.cloudyrc.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    path.join(project.dir, '.cloudyrc.json'),
    JSON.stringify({ ...cfg, baseImages: ['127.0.0.1:9/nothing-listens-here:1'] }),
  );
  try {
    const r = await runCli(project, ['update-base-images'], { fakeDocker: false, timeoutMs: 120_000 });
    assert.is(r.code, 1);
    assert.match(r.stderr, 'registry unreachable');
    assert.is(readFileSync(stateFile, 'utf8'), before, 'state file left intact');
  } finally {
    writeFileSync(path.join(project.dir, '.cloudyrc.json'), JSON.stringify(cfg));
  }
});

Registry.run();
