/**
 * A secret-looking build arg goes to `docker build` by name only: its value reaches docker through
 * the child's environment, never the argv (which `ps` shows for the whole build), the printed
 * command, the JSON events or the state under .cloudy/. Preflight warns that build args end up
 * in the image history. Uses the recording docker stand-in, which also records named variables.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';

const BuildArgs = suite('build args: secrets by name only');
const project = useProjects(BuildArgs);
const SECRET = 'npm_s3cr3t_value_4242';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

BuildArgs('the value is in docker’s environment, not its argv, output or state; preflight warns', async () => {
  const p = project({
    files: { '.cloudyrc.json': JSON.stringify({ image: { buildArgs: { NPM_TOKEN: SECRET, APP_MODE: 'prod' } } }) },
  });
  const r = await runCli(p, ['docker', '--json'], { env: { FAKE_DOCKER_ENV: 'NPM_TOKEN' } });
  assert.is(r.code, 0, r.stderr);
  const build = p.calls().find((c) => c.argv[0] === 'build') as
    | { argv: string[]; env?: Record<string, string> }
    | undefined;
  assert.ok(build, 'docker build ran');
  const at = build.argv.indexOf('NPM_TOKEN');
  assert.is(build.argv[at - 1], '--build-arg', 'passed by name');
  assert.ok(build.argv.includes('APP_MODE=prod'), 'a plain build arg keeps its value');
  assert.not.ok(build.argv.join(' ').includes(SECRET), 'never in the argv');
  assert.equal(build.env, { NPM_TOKEN: SECRET }, 'docker reads it from its own environment');
  assert.not.ok(`${r.stdout}${r.stderr}`.includes(SECRET), 'never printed');
  for (const file of filesUnder(path.join(p.dir, '.cloudy')))
    assert.not.ok(readFileSync(file, 'utf8').includes(SECRET), `never stored (${path.relative(p.dir, file)})`);
  assert.match(r.stdout, 'image.buildArgs.NPM_TOKEN looks like a secret: build args are kept in the image history');
});

BuildArgs('a changed secret still rebuilds: its hash is part of the build inputs', async () => {
  const config = (value: string) => ({
    '.cloudyrc.json': JSON.stringify({ image: { buildArgs: { NPM_TOKEN: value } } }),
  });
  const p = project({ files: config(SECRET) });
  const builds = () => p.calls().filter((c) => c.argv[0] === 'build').length;
  assert.is((await runCli(p, ['docker'])).code, 0);
  assert.is((await runCli(p, ['docker'])).code, 0);
  assert.is(builds(), 1, 'unchanged: no second build');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(p.dir, '.cloudyrc.json'), config(`${SECRET}-rotated`)['.cloudyrc.json']);
  const third = await runCli(p, ['docker']);
  assert.is(third.code, 0, third.stderr);
  assert.is(builds(), 2, 'a rotated secret rebuilds');
});

BuildArgs.run();
