/**
 * The build fingerprint: which files count, what changes it and what does not, how a change is
 * described, and that an unchanged context is not read again (counted, not timed).
 */
import {
  chmodSync,
  type Dirent,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../lib/config/resolve.js';
import { stageImagesOf } from '../../lib/docker/build-record.js';
import { contextSources, selectFiles } from '../../lib/docker/copy-sources.js';
import { parseDockerfile } from '../../lib/docker/dockerfile.js';
import {
  type BuildInputs,
  buildInputs,
  describeChanges,
  fingerprintOf,
  readContextInputs,
} from '../../lib/docker/fingerprint.js';
import { FileHashCache } from '../../lib/store/file-hashes.js';

const Fp = suite('build fingerprint');
let dir = '';
Fp.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cloudy-fp-'));
});
Fp.after.each(() => rmSync(dir, { recursive: true, force: true }));

const DOCKERFILE =
  'FROM busybox:1 AS build\nCOPY app/ /src/\nFROM scratch\nCOPY --from=build /src /app\nCOPY conf/*.toml /etc/\n';

function write(files: Record<string, string>): void {
  for (const [f, c] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), c);
  }
}

/** Age every file so the hash cache trusts it (it refuses entries hashed within a second of their mtime). */
function age(): void {
  const past = new Date(Date.now() - 60_000);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }) as Dirent[]) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      utimesSync(p, past, past);
    }
  };
  walk(dir);
  utimesSync(dir, past, past);
}

async function inputs(
  buildArgs: Record<string, string> = {},
  cacheFile = path.join(dir, '.cloudy', 'hashes.json'),
): Promise<{ inputs: BuildInputs; hashed: number }> {
  const config = resolveConfig({ image: { buildArgs } }, dir);
  const cache = await FileHashCache.open(cacheFile);
  const context = await readContextInputs(config, cache);
  await cache.save();
  return { inputs: buildInputs(context, { 'busybox:1': 'sha256:base1' }), hashed: cache.hashed };
}

Fp('only files COPY/ADD read count: a README or the tool config never changes the fingerprint', async () => {
  write({
    Dockerfile: DOCKERFILE,
    'app/main.sh': 'echo',
    'conf/a.toml': 'a',
    'conf/b.txt': 'b',
    'README.md': 'x',
    '.cloudyrc.json': '{}',
  });
  const before = await inputs();
  assert.equal(Object.keys(before.inputs.files).sort(), ['app/main.sh', 'conf/a.toml']);
  write({ 'README.md': 'changed', '.cloudyrc.json': '{"container":{"memory":"1g"}}', 'conf/b.txt': 'changed' });
  assert.is(fingerprintOf((await inputs()).inputs), fingerprintOf(before.inputs));
  write({ 'app/main.sh': 'echo changed' });
  const after = await inputs();
  assert.is.not(fingerprintOf(after.inputs), fingerprintOf(before.inputs));
  assert.equal(describeChanges(before.inputs, after.inputs), ['app/main.sh changed']);
});

Fp('BUILD_DATE, VCS_REF and VERSION are labels, not inputs; other build args are', async () => {
  write({ Dockerfile: DOCKERFILE, 'app/main.sh': 'echo' });
  const a = await inputs({ BUILD_DATE: '2026-01-01T00:00:00Z', VCS_REF: 'abc', VERSION: '1.0', GO: '1.21' });
  const b = await inputs({ BUILD_DATE: '2026-06-01T00:00:00Z', VCS_REF: 'def', VERSION: '1.1', GO: '1.21' });
  assert.is(fingerprintOf(a.inputs), fingerprintOf(b.inputs));
  const c = await inputs({ GO: '1.22' });
  assert.equal(describeChanges(a.inputs, c.inputs), ['build arg GO 1.21 → 1.22']);
});

Fp('a mode change, an added and a removed file, the Dockerfile and a base image are each named', async () => {
  write({ Dockerfile: DOCKERFILE, 'app/a.sh': 'a', 'app/b.sh': 'b' });
  const before = (await inputs()).inputs;
  chmodSync(path.join(dir, 'app/a.sh'), 0o755);
  rmSync(path.join(dir, 'app/b.sh'));
  write({ 'app/c.sh': 'c', Dockerfile: `${DOCKERFILE}USER 1001\n` });
  const after = { ...(await inputs()).inputs, baseImages: { 'busybox:1': 'sha256:base2' } };
  assert.equal(describeChanges(before, after), [
    'Dockerfile changed',
    'app/a.sh (mode 644 → 755) changed',
    'app/c.sh added',
    'app/b.sh removed',
    'base image busybox:1 digest changed (sha256:base1 → sha256:base2)',
  ]);
});

Fp('an unchanged context is stat-ed but not read: the second check hashes no file', async () => {
  const files: Record<string, string> = { Dockerfile: 'FROM scratch\nCOPY . /\n' };
  for (let i = 0; i < 200; i++) files[`src/d${i % 10}/f${i}.txt`] = `content ${i}`;
  write(files);
  age();
  const first = await inputs();
  assert.is(first.hashed, 200, 'every file read once');
  const second = await inputs();
  assert.is(second.hashed, 0, 'nothing read again');
  assert.is(fingerprintOf(second.inputs), fingerprintOf(first.inputs));
  // A file rewritten with new content and the same size and a restored mtime is the one case a
  // stat cannot see; any real edit changes the mtime, and that file alone is read again.
  writeFileSync(path.join(dir, 'src/d3/f3.txt'), 'content X');
  const third = await inputs();
  assert.is(third.hashed, 1);
  assert.equal(describeChanges(second.inputs, third.inputs), ['src/d3/f3.txt changed']);
});

Fp('a freshly written file is hashed again next time (racily clean), then trusted', async () => {
  write({ Dockerfile: 'FROM scratch\nCOPY a.txt /\n', 'a.txt': 'one' });
  assert.is((await inputs()).hashed, 1);
  assert.is((await inputs()).hashed, 1, 'mtime within a second of hashing: not trusted yet');
  age();
  assert.is((await inputs()).hashed, 1, 'new mtime: read once more');
  assert.is((await inputs()).hashed, 0);
});

const Sources = suite('build fingerprint: COPY/ADD sources');
const cases: readonly { name: string; dockerfile: string; want: readonly string[] | 'all' }[] = [
  {
    name: 'COPY and ADD sources, --from skipped',
    dockerfile: 'FROM a\nCOPY --chown=1:1 x y/ /d/\nADD z.tar /\nCOPY --from=a /p /q\n',
    want: ['x', 'y', 'z.tar'],
  },
  { name: 'JSON form', dockerfile: 'FROM a\nCOPY ["./app/", "/app/"]\n', want: ['app'] },
  { name: 'COPY . copies everything', dockerfile: 'FROM a\nCOPY . /app\n', want: 'all' },
  { name: 'a variable in a source: everything', dockerfile: 'FROM a\nARG D=app\nCOPY $D /app\n', want: 'all' },
  {
    name: 'RUN --mount binding the context: everything',
    dockerfile: 'FROM a\nRUN --mount=target=/src make\n',
    want: 'all',
  },
  {
    name: 'RUN --mount=type=cache is not the context',
    dockerfile: 'FROM a\nRUN --mount=type=cache,target=/c make\nCOPY m /\n',
    want: ['m'],
  },
  {
    name: 'ADD from a URL is not a context file',
    dockerfile: 'FROM a\nADD https://example.com/x /x\nCOPY k /\n',
    want: ['k'],
  },
];
for (const c of cases) Sources(c.name, () => assert.equal(contextSources(parseDockerfile(c.dockerfile)), c.want));

Sources('wildcards follow filepath.Match: * stays within a directory; a directory source takes its tree', () => {
  const files = ['app/a.go', 'app/sub/b.go', 'conf/x.toml', 'conf/deep/y.toml', 'top.md'];
  assert.equal(selectFiles(files, ['conf/*.toml']), ['conf/x.toml']);
  assert.equal(selectFiles(files, ['app']), ['app/a.go', 'app/sub/b.go']);
  assert.equal(selectFiles(files, ['c*']), ['conf/x.toml', 'conf/deep/y.toml']);
  assert.equal(selectFiles(files, 'all'), files);
});

Sources('stage images of a legacy build: produced ones and cache hits, never the base or the final image', () => {
  const output = [
    'Step 1/6 : FROM cloudy-local/busybox:1 AS build',
    ' ---> 798dba368f88',
    'Step 2/6 : COPY app/ /src/',
    ' ---> Using cache',
    ' ---> 1111aaaa2222',
    'Step 3/6 : RUN make',
    ' ---> Running in a944be90c333',
    'Removing intermediate container a944be90c333',
    ' ---> 74306e4c7cb7',
    'Step 4/6 : FROM scratch',
    ' ---> ',
    'Step 5/6 : COPY --from=build /x /x',
    ' ---> a4ad10e83712',
    'Step 6/6 : LABEL a=b',
    ' ---> 014c81376c92',
    'Successfully built 014c81376c92',
  ].join('\n');
  assert.equal(stageImagesOf(output), { produced: ['74306e4c7cb7'], used: ['74306e4c7cb7'] });
  const cached = output.replace(' ---> Running in a944be90c333', ' ---> Using cache');
  assert.equal(stageImagesOf(cached), { produced: [], used: ['74306e4c7cb7'] });
});

Fp.run();
Sources.run();
