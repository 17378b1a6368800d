/**
 * Type-level tests of task parameters, checked by `tsc --noEmit` (never executed). Each
 * `@ts-expect-error` must stay an error, or tsc reports the unused directive.
 */
import { defineConfig } from '../../lib/config/input.js';
import { defineTask } from '../../lib/engine/task.js';

export const greet = defineTask({
  name: 'greet',
  description: 'typed parameters',
  params: {
    who: { type: 'string', description: 'whom to greet', required: true },
    times: { type: 'number', description: 'how often', default: 1 },
    loud: { type: 'boolean', description: 'shout' },
    mood: { type: 'string', description: 'how', choices: ['happy', 'grumpy'] },
    note: { type: 'string', description: 'optional' },
  },
  run: (ctx) => {
    const who: string = ctx.params.who;
    const times: number = ctx.params.times;
    const loud: boolean = ctx.params.loud;
    const mood: 'happy' | 'grumpy' | undefined = ctx.params.mood;
    // @ts-expect-error: an optional parameter without a default may be undefined
    const note: string = ctx.params.note;
    // @ts-expect-error: `times` is a number, not a string
    const wrong: string = ctx.params.times;
    // @ts-expect-error: `whom` is not a parameter of this task
    void ctx.params.whom;
    return `${who} ${times} ${loud} ${mood} ${note} ${wrong}`;
  },
});

export const badDefault = defineTask({
  name: 'bad-default',
  description: 'a default of the wrong type',
  // @ts-expect-error: a number parameter's default is a number
  params: { count: { type: 'number', description: 'n', default: 'three' } },
  run: () => undefined,
});

export const badType = defineTask({
  name: 'bad-type',
  description: 'a type that does not exist',
  // @ts-expect-error: parameters are string, number or boolean
  params: { count: { type: 'integer', description: 'n' } },
  run: () => undefined,
});

export const noParams = defineTask({
  name: 'no-params',
  description: 'declares none',
  // @ts-expect-error: a task without params has none to read
  run: (ctx) => ctx.params.anything,
});

// The config takes such tasks, and `default` names a task to run when none is given.
export const config = defineConfig({ default: 'greet', tasks: { greet } });

// The README's "Task parameters" example, as written there (kept compiling here).
export const release = defineTask({
  name: 'release',
  description: 'Tag and push a release',
  params: {
    tag: { type: 'string', description: 'the version to tag, e.g. 1.4.2', required: true },
    retries: { type: 'number', description: 'push attempts', default: 3 },
    channel: { type: 'string', description: 'where', choices: ['beta', 'stable'], default: 'beta' },
    'dry-push': { type: 'boolean', description: 'tag but do not push' },
  },
  run: async (ctx) => {
    const tag: string = ctx.params.tag; // required: always a string
    const retries: number = ctx.params.retries; // defaulted: always a number
    const skip: boolean = ctx.params['dry-push']; // ctx.params.tga would be a compile error
    await ctx.$`git tag v${tag}`;
    for (let i = 0; !skip && i < retries; i++) if ((await ctx.$.nothrow`git push origin v${tag}`).exitCode === 0) break;
  },
});
