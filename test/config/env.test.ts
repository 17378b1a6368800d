import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUmask } from '../../lib/config/env.js';
import { makeRedactor, redactValue } from '../../lib/render/redact.js';

const Env = suite('env policy');

Env('UMASK must be octal, mask all group and other bits, and leave the owner its access', () => {
  const cases: [string, number | undefined][] = [
    ['077', 0o077],
    ['0077', 0o077],
    ['027', undefined],
    ['022', undefined],
    ['777', undefined],
    ['0377', undefined],
    ['177', undefined],
    ['0o77', undefined],
    ['88', undefined],
    ['', undefined],
    ['077; rm -rf /', undefined],
  ];
  for (const [input, expected] of cases) assert.is(parseUmask(input), expected, `UMASK=${input}`);
});

Env('secret-looking values are masked wherever they appear', () => {
  const redact = makeRedactor({
    API_TOKEN: 's3cr3t-value',
    DB_PASSWORD: 'hunter22',
    GOTELEMETRY: 'off',
    SHORT_KEY: 'ab',
  });
  assert.is(redact('curl -H "Bearer s3cr3t-value" and hunter22 and off'), 'curl -H "Bearer ***" and *** and off');
  // Too short to mask safely: left alone rather than garbling every "ab".
  assert.is(redact('ab'), 'ab');
  assert.equal(redactValue({ a: ['x hunter22'], b: { c: 'hunter22' }, n: 1 }, redact), {
    a: ['x ***'],
    b: { c: '***' },
    n: 1,
  });
});

Env.run();
