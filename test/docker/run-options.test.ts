/**
 * The `docker run` option values docker refuses only at container creation (--tmpfs, --ulimit,
 * json-file --log-opt), checked the way docker and the kernel check them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { logOptProblem, tmpfsProblem, ulimitProblem } from '../../lib/docker/run-options.js';
import { DEFAULT_HARDENING } from '../../lib/hardening/policy.js';

const R = suite('run options');

R('tmpfs: the defaults and the usual options pass; a relative path, an unknown option or a bad size do not', () => {
  for (const ok of [
    ...DEFAULT_HARDENING.tmpfs,
    '/run',
    '/tmp:size=50%',
    '/cache:rw,mode=1777,uid=1001,gid=1001,size=1g,noatime',
  ])
    assert.is(tmpfsProblem(ok), undefined, ok);
  assert.match(tmpfsProblem('tmp') ?? '', 'not an absolute path');
  assert.match(tmpfsProblem('/tmp:noexe') ?? '', '"noexe" is not a tmpfs mount option');
  assert.match(tmpfsProblem('/tmp:size=lots') ?? '', 'size=lots is not a valid size');
  assert.match(tmpfsProblem('/tmp:mode=999') ?? '', 'mode=999 is not a valid mode');
  assert.match(tmpfsProblem('/tmp:colour=red') ?? '', '"colour" is not a tmpfs option');
});

R('ulimit: soft[:hard] whole numbers, soft not above hard (docker compares them as numbers)', () => {
  for (const ok of ['1024', '1024:1024', '100:200', '-1', '-1:-1']) assert.is(ulimitProblem(ok), undefined, ok);
  assert.ok(ulimitProblem('a:b'));
  assert.ok(ulimitProblem('1024:'));
  assert.match(ulimitProblem('200:100') ?? '', 'soft limit is above the hard one');
});

R('json-file log options: max-size a size, max-file >= 1, compress a boolean; the rest free text', () => {
  for (const [k, v] of Object.entries(DEFAULT_HARDENING.logOpts)) assert.is(logOptProblem(k, v), undefined, k);
  assert.ok(logOptProblem('max-size', '10x'));
  assert.ok(logOptProblem('max-size', '0'));
  assert.ok(logOptProblem('max-file', '0'));
  assert.ok(logOptProblem('compress', 'yes'));
  assert.is(logOptProblem('tag', '{{.Name}}'), undefined);
});

R.run();
