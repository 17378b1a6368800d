/**
 * Type-level tests, checked by `tsc --noEmit` in `npm test` (never executed). Each
 * `@ts-expect-error` must stay an error: if a change makes the line compile, tsc reports the
 * unused directive and the test command fails.
 */
import { defineTask, type TaskOutput } from '../../lib/engine/task.js';
import deploySecure from '../../tasks/deploy-secure.js';
import dockerTask from '../../tasks/docker.js';

const build = defineTask({
  name: 'build',
  description: 'outputs an image id',
  run: () => ({ imageId: 'sha256:abc', tags: ['x:1'] }),
});

// Dependency outputs arrive typed, keyed by the dependency's name.
export const ok = defineTask({
  name: 'ok',
  description: 'uses outputs',
  deps: [build, dockerTask],
  run: (_ctx, deps) => {
    const id: string = deps.build.imageId;
    const tags: readonly string[] = deps.build.tags;
    const ref: string = deps.docker.ref;
    return `${id} ${tags.join(',')} ${ref}`;
  },
});
// The output type is inferred from run.
export const out: string = null as unknown as TaskOutput<typeof ok>;

export const wrongField = defineTask({
  name: 'wrong-field',
  description: 'reads a field the dependency does not output',
  deps: [build],
  // @ts-expect-error: `imagId` is not a field of build's output
  run: (_ctx, deps) => deps.build.imagId,
});

export const undeclared = defineTask({
  name: 'undeclared',
  description: 'reads a dependency it did not declare',
  deps: [build],
  // @ts-expect-error: `docker` is not among the dependencies
  run: (_ctx, deps) => deps.docker.imageId,
});

export const notATask = defineTask({
  name: 'not-a-task',
  description: 'a string where a task reference belongs',
  // @ts-expect-error: dependencies are task references, not names
  deps: ['build'],
  run: () => undefined,
});

export const plainObject = defineTask({
  name: 'plain-object',
  description: 'an object that looks like a task but was not made by defineTask',
  // @ts-expect-error: only defineTask() values are tasks
  deps: [{ name: 'build', description: '', deps: [], run: () => undefined }],
  run: () => undefined,
});

export const badProvider = defineTask({
  name: 'bad-provider',
  description: 'claims to stand in for docker but outputs something else',
  provides: dockerTask,
  // @ts-expect-error: a provider must output what the provided task outputs
  run: () => ({ imageId: 'sha256:abc' }),
});

export const deployOutput = defineTask({
  name: 'after-deploy',
  description: 'uses the deploy output',
  deps: [deploySecure],
  run: (_ctx, deps) => {
    const replaced: boolean = deps['deploy-secure'].replaced;
    // A smoke test can tell "nothing changed" from "just redeployed".
    const upToDate: boolean = deps['deploy-secure'].upToDate;
    void upToDate;
    // @ts-expect-error: deploy-secure outputs `container`, not `containerName`
    return deps['deploy-secure'].containerName ?? replaced;
  },
});
