/**
 * Image retention and base-image digests on the real engine (and a real local registry): after
 * deploys of changed code at most `image.keep` of the project's images are left, with the stage
 * images only removed generations used; an image someone tagged is kept; a base image whose
 * digest moved makes exactly the build run again, and --explain names it.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  called,
  cleanup,
  type Deployment,
  deployment,
  projectImages,
  recordedStageImages,
  run,
} from '../helpers/deployment.js';
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
import { makeProject } from '../helpers/rig.js';

const Retention = suite('image retention and base image digests (real engine, local registry)');
const made: Deployment[] = [];
let registry: LocalRegistry | undefined;
const extraImages: string[] = [];
Retention.before(() => {
  ensureDocker();
  ensureTestImages();
});
Retention.after(() => {
  made.forEach(cleanup);
  removeImages(extraImages);
  registry?.stop();
});

const change = (d: Deployment, n: number) =>
  appendFileSync(path.join(d.project.dir, 'app', 'service.sh'), `# generation ${n}\n`);

Retention('after 5 deploys of changed code at most image.keep of the project images are left', async () => {
  const d = deployment({ image: { keep: 2 } });
  made.push(d);
  const deployedImages: string[] = [];
  const stagesOf = new Map<string, string[]>();
  for (let n = 1; n <= 5; n++) {
    change(d, n);
    const r = await run(d, ['deploy-secure']);
    assert.is(r.code, 0, `deploy ${n}: ${r.stderr}`);
    deployedImages.push(inspect(d.name).Image);
    stagesOf.set(deployedImages.at(-1)!, recordedStageImages(d).byImage.get(deployedImages.at(-1)!) ?? []);
    if (n === 2) {
      // Someone tags generation 1 for themselves: it must survive retention.
      docker(['tag', deployedImages[0]!, `${d.image}:keep-me`], { check: true });
    }
  }
  const left = projectImages(d);
  const running = inspect(d.name).Image as string;
  assert.ok(left.includes(running), 'the running image is kept');
  assert.ok(left.includes(deployedImages[3]!), 'the previous generation is kept');
  const untagged = left.filter((id) => id !== deployedImages[0]);
  assert.ok(untagged.length <= 2, `at most image.keep (2) generations: ${untagged.length} (${left.join(', ')})`);
  assert.ok(left.includes(deployedImages[0]!), 'the generation someone tagged was spared');
  const { byImage } = recordedStageImages(d);
  assert.ok(byImage.size <= 3, `removed generations are forgotten (${byImage.size} left)`);
  for (const id of deployedImages.slice(1, 3)) {
    assert.is(inspect(id, 'image'), undefined, `generation ${id.slice(0, 19)} was removed`);
    // The build stage of each generation ran again (app/ changed), so each produced its own
    // stage image; with the generation, it is gone too (legacy builder).
    const stages = stagesOf.get(id) ?? [];
    assert.ok(stages.length > 0, `generation ${id.slice(0, 19)} recorded its stage images`);
    for (const stage of stages) assert.is(inspect(stage, 'image'), undefined, `stage image ${stage} removed`);
  }
  for (const stage of stagesOf.get(running) ?? [])
    assert.ok(inspect(stage, 'image'), 'the running generation keeps its stage image');
  docker(['rmi', `${d.image}:keep-me`]);
});

Retention(
  'a base image whose digest moved (pushed and pulled from a registry) rebuilds; --explain names it',
  async () => {
    registry = startRegistry();
    const base = `${registry.addr}/${uniqueName('cloudy-base')}:1`;
    const push = (variant: string) => {
      const p = makeProject({ dockerfile: `FROM cloudy-local/busybox:1\nRUN echo ${variant} > /variant\n`, env: null });
      try {
        docker(['build', '-q', '-t', base, p.dir], { check: true, env: { DOCKER_BUILDKIT: '0' } });
      } finally {
        p.cleanup();
      }
      docker(['push', base], { check: true });
      extraImages.push(inspect(base, 'image').Id as string);
    };
    push('one');
    const d = deployment({ image: { buildArgs: { BUILDER_IMAGE: base } } });
    made.push(d);
    const first = await run(d, ['docker']);
    assert.is(first.code, 0, first.stderr);
    const same = await run(d, ['docker', '--explain']);
    assert.not.ok(called(same.dockerCalls, 'build'));
    assert.match(same.explain['docker'] ?? '', /^up to date/);
    const oldId = inspect(base, 'image').Id as string;
    push('two');
    docker(['rmi', base], { check: true });
    docker(['pull', base], { check: true });
    extraImages.push(inspect(base, 'image').Id as string);
    const moved = await run(d, ['docker', '--explain']);
    assert.is(moved.code, 0, moved.stderr);
    assert.ok(called(moved.dockerCalls, 'build'), 'rebuilt on the new base');
    assert.match(
      moved.explain['docker'] ?? '',
      new RegExp(`^ran: base image ${base.replace(/[.]/g, '\\.')} digest changed \\(${oldId.slice(0, 19)} → sha256:`),
    );
    // A scheduled no-cache rebuild records what it built: the next docker task reuses that image.
    const rebuilt = await run(d, ['update-base-images', 'rebuild-no-cache']);
    assert.is(rebuilt.code, 0, rebuilt.stderr);
    const rebuiltId = inspect(`${d.image}:latest`, 'image').Id as string;
    const after = await run(d, ['docker', '--explain']);
    assert.not.ok(called(after.dockerCalls, 'build'), 'no cached build after the no-cache one');
    assert.match(after.explain['docker'] ?? '', /^up to date/);
    assert.is(inspect(`${d.image}:latest`, 'image').Id, rebuiltId);
    extraImages.push(base);
  },
);

Retention.run();
