import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  emptyState,
  readState,
  type State,
  statePath,
  writeJsonAtomic,
  writeStateAtomic,
} from '../../lib/store/state.js';
import { spawnFixture } from '../fixtures/spawn-fixture.js';
import { generationOf, makeVersion } from '../fixtures/state-writer.js';

interface Context {
  dir: string;
}

const StateFile = suite<Context>('state', { dir: '' });

StateFile.before.each(async (context) => {
  context.dir = await mkdtemp(path.join(tmpdir(), 'cloudy-state-'));
});

StateFile.after.each(async (context) => {
  await rm(context.dir, { recursive: true, force: true });
});

const sample: State = {
  version: 1,
  baseImages: {
    'node:20-alpine': { digest: 'sha256:aaa', checkedAt: '2024-05-01T03:00:00.000Z' },
    'gone.example.com/x:1': { digest: null, checkedAt: '2024-05-01T03:00:01.000Z' },
  },
  lastRebuild: {
    at: '2024-05-01T03:10:00.000Z',
    imageId: 'sha256:bbb',
    baseDigests: { 'node:20-alpine': 'sha256:aaa' },
  },
};

StateFile('statePath is .cloudy/state.json under the project', () => {
  assert.is(statePath('/srv/app'), path.join('/srv/app', '.cloudy', 'state.json'));
});

StateFile('a missing state file reads as the empty state', async ({ dir }) => {
  const result = await readState(statePath(dir));
  assert.equal(result, { ok: true, state: emptyState() });
});

StateFile('write then read round-trips, creating .cloudy', async ({ dir }) => {
  const file = statePath(dir);
  await writeStateAtomic(file, sample);
  assert.equal(await readState(file), { ok: true, state: sample });
  assert.equal(await readdir(path.dirname(file)), ['state.json'], 'no temp file is left after a write');
});

StateFile('corrupt JSON is a problem naming the file and the fix', async ({ dir }) => {
  const file = statePath(dir);
  await writeStateAtomic(file, sample);
  await writeFile(file, '{"version": 1, "baseImag');
  const result = await readState(file);
  if (result.ok) return assert.unreachable('corrupt JSON must not read as a state');
  assert.match(result.problem, `The state file ${file} is not valid JSON`);
  assert.match(result.problem, `Delete ${file} to start from an empty state`);
});

StateFile('valid JSON of the wrong shape names the field', async ({ dir }) => {
  const file = statePath(dir);
  const cases: [unknown, string][] = [
    [[], 'the top level must be an object'],
    [{ version: 2, baseImages: {} }, '"version" is 2'],
    [{ version: 1 }, '"baseImages" must be an object'],
    [
      { version: 1, baseImages: { 'node:20': { digest: 5, checkedAt: 'x' } } },
      'baseImages["node:20"].digest must be a string or null',
    ],
    [{ version: 1, baseImages: { 'node:20': { digest: null } } }, 'baseImages["node:20"].checkedAt must be a string'],
    [
      { version: 1, baseImages: {}, lastRebuild: { at: 'x', imageId: 'y', baseDigests: { a: 1 } } },
      'lastRebuild.baseDigests["a"] must be a string or null',
    ],
  ];
  for (const [content, expected] of cases) {
    await writeJsonAtomic(file, content);
    const result = await readState(file);
    if (result.ok) return assert.unreachable(`${JSON.stringify(content)} must be rejected`);
    assert.match(result.problem, `The state file ${file} is invalid: ${expected}`);
  }
});

StateFile('an unreadable state file is a problem, not a throw', async ({ dir }) => {
  const file = statePath(dir);
  await writeStateAtomic(file, sample);
  const result = await readState(path.dirname(file)); // a directory: EISDIR
  if (result.ok) return assert.unreachable('reading a directory must fail');
  assert.match(result.problem, 'Cannot read the state file');
});

StateFile('files respect the umask: 077 gives a 0600 file in a 0700 directory', async ({ dir }) => {
  const file = statePath(dir);
  const previous = process.umask(0o077);
  try {
    await writeStateAtomic(file, sample);
  } finally {
    process.umask(previous);
  }
  assert.is((await stat(file)).mode & 0o777, 0o600);
  assert.is((await stat(path.dirname(file))).mode & 0o777, 0o700);
});

StateFile('leftover temp files do not affect reads; old ones are swept on the next write', async ({ dir }) => {
  const file = statePath(dir);
  await writeStateAtomic(file, sample);
  const fresh = path.join(path.dirname(file), '.state.json.99999.aaaaaaaaaaaa.tmp');
  const old = path.join(path.dirname(file), '.state.json.99998.bbbbbbbbbbbb.tmp');
  await writeFile(fresh, '{"version": 1, "baseIm');
  await writeFile(old, 'garbage');
  const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
  await utimes(old, twoHoursAgo, twoHoursAgo);
  assert.equal(await readState(file), { ok: true, state: sample });

  await writeStateAtomic(file, emptyState());
  const names = (await readdir(path.dirname(file))).sort();
  assert.equal(names, ['.state.json.99999.aaaaaaaaaaaa.tmp', 'state.json'], 'only the old debris is removed');
  assert.equal(await readState(file), { ok: true, state: emptyState() });
});

StateFile('a writer SIGKILLed at random moments always leaves one complete version', async ({ dir }) => {
  const file = statePath(dir);
  const rounds = 8;
  const seen = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const writer = spawnFixture('./state-writer.ts', [file]);
    try {
      assert.is(await writer.nextLine(), 'ready');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 250));
    } finally {
      await writer.kill();
    }
    const text = await readFile(file, 'utf8');
    let parsed: State;
    try {
      parsed = JSON.parse(text) as State;
    } catch (error) {
      return assert.unreachable(
        `round ${round}: state file is not complete JSON (${String(error)}), ${text.length} chars`,
      );
    }
    const generation = generationOf(parsed);
    if (generation === null) return assert.unreachable(`round ${round}: state file has no images`);
    assert.equal(parsed, makeVersion(generation), `round ${round}: file equals version ${generation}`);
    const read = await readState(file);
    assert.ok(read.ok, `round ${round}: readState accepts the file despite any leftover temp files`);
    seen.add(generation);
  }
  // Several distinct versions show the kills landed at different points of the loop.
  assert.ok(seen.size > 1, `kills landed on distinct versions: ${[...seen].join(', ')}`);
});

StateFile.run();
