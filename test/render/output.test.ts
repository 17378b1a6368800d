/**
 * The per-event path to the terminal: redaction copies nothing that has nothing to mask, and
 * buffered writes keep the order of lines across stdout and stderr.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRedactor, noSecrets, redactValue } from '../../lib/render/redact.js';
import { bufferedSink } from '../../lib/render/sink.js';

const O = suite('render output');

O('redactValue returns the same object when nothing is masked, and copies only the path to a secret', () => {
  const redact = makeRedactor({ API_TOKEN: 'tok-secret-1234', PLAIN: 'tok-secret-1234-not' });
  const untouched = { a: { b: ['x', 1, null] }, c: 'text' };
  assert.is(redactValue(untouched, redact), untouched);
  const shared = { keep: { deep: ['x'] } };
  const event = { task: 't', output: { token: 'key=tok-secret-1234', other: shared, list: ['ok', 'tok-secret-1234'] } };
  const masked = redactValue(event, redact);
  assert.equal(masked, { task: 't', output: { token: 'key=***', other: shared, list: ['ok', '***'] } });
  assert.is(masked.output.other, shared, 'an unchanged branch is not copied');
  assert.is.not(masked.output, event.output);
  assert.is(event.output.token, 'key=tok-secret-1234', 'the original is not changed');
  const cyclic: Record<string, unknown> = { s: 'tok-secret-1234' };
  cyclic['self'] = cyclic;
  assert.is((redactValue(cyclic, redact) as { s: string }).s, '***');
});

O('an environment without secrets gets the identity redactor', () => {
  assert.is(makeRedactor({ HOME: '/root', SHORT_KEY: 'abc' }), noSecrets);
  const value = { a: 'b' };
  assert.is(redactValue(value, noSecrets), value);
});

O('buffered writes: few writes, lines in event order across both streams, all flushed', async () => {
  const writes: [string, string][] = [];
  const stream = (name: string) =>
    ({ write: (text: string) => writes.push([name, text]) }) as unknown as NodeJS.WritableStream;
  const sink = bufferedSink(stream('out'), stream('err'));
  for (let i = 0; i < 1000; i++) sink.out(`line ${i}`);
  sink.err('failed');
  sink.out('after');
  assert.is(writes.length, 2, 'nothing pending for the other stream stays behind');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(
    writes.map(([name]) => name),
    ['out', 'err', 'out'],
  );
  const all = writes.map(([, text]) => text).join('');
  assert.is(all.split('\n').length, 1003);
  assert.ok(all.startsWith('line 0\nline 1\n') && all.endsWith('failed\nafter\n'));
  sink.out('last');
  sink.flush();
  assert.equal(writes.at(-1), ['out', 'last\n']);
});

O.run();
