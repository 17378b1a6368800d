/** Binding `--name value` words to a task's declared parameters (pure). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bindParams, type ParamSpecs, type ParamWord } from '../../lib/engine/params.js';
import { deepMerge } from '../../lib/util/deep-merge.js';

const P = suite('task parameters');

const specs: ParamSpecs = {
  tag: { type: 'string', description: 'tag', default: 'latest' },
  count: { type: 'number', description: 'n', required: true },
  dry: { type: 'boolean', description: 'dry' },
};
const word = (name: string, inline?: string, next?: string): ParamWord => ({ task: 't', name, inline, next });

P('values from inline and next words, defaults and false for the rest', () => {
  const w = [word('count', undefined, '3')];
  const r = bindParams('t', specs, w);
  assert.equal(r.problems, []);
  assert.equal(r.values, { count: 3, tag: 'latest', dry: false });
  assert.ok(r.consumed.has(w[0]!), 'the next word was taken as the value');
  const b = bindParams('t', specs, [word('count', '-1'), word('dry', undefined, 'docker'), word('tag', 'v2')]);
  assert.equal(b.values, { count: -1, dry: true, tag: 'v2' });
  assert.is(b.consumed.size, 0, 'a boolean never takes the next word');
  assert.equal(bindParams('t', specs, [word('count', '1'), word('no-dry')]).values['dry'], false);
});

P('problems: unknown (with a suggestion among params and globals), missing, bad, repeated', () => {
  const kinds = (words: ParamWord[]) => bindParams('t', specs, words, ['force']).problems.map((p) => p.kind);
  assert.equal(kinds([]), ['missing']);
  assert.equal(kinds([word('count', 'x')]), ['bad-value']);
  assert.equal(kinds([word('count')]), ['needs-value']);
  assert.equal(kinds([word('count', '1'), word('count', '2')]), ['repeated']);
  assert.equal(kinds([word('count', '1'), word('dry', 'yes')]), ['bad-value']);
  const unknown = bindParams('t', specs, [word('count', '1'), word('forc')], ['force']).problems[0];
  assert.equal(unknown, {
    kind: 'unknown',
    task: 't',
    option: '--forc',
    known: ['tag', 'count', 'dry'],
    suggestion: 'force',
  });
});

P('deepMerge: objects key by key, lists and values replace, inputs untouched', () => {
  const base = { image: { name: 'a', keep: 2 }, container: { ports: ['1:1', '2:2'] }, tasks: { x: 1 } };
  const merged = deepMerge(base, { image: { name: 'b' }, container: { ports: ['3:3'] } });
  assert.equal(merged, { image: { name: 'b', keep: 2 }, container: { ports: ['3:3'] }, tasks: { x: 1 } });
  assert.equal(base.image, { name: 'a', keep: 2 });
});

P.run();
