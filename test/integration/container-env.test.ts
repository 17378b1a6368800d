/**
 * container.env and container.envFile on the real engine (issue 14): the deployed container has
 * both, the IMAGE (its config and history) has neither, and no value of the env file is in the
 * run's stdout, stderr, --json events, the reports or .cloudy/. A changed env file redeploys, and
 * --explain names the file by its hash, not its values.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { called, cleanup, type Deployment, deployment, run } from '../helpers/deployment.js';
import { docker, ensureDocker, ensureTestImages, inspect } from '../helpers/docker.js';

const Env = suite('container.env and container.envFile (real engine)');
let d: Deployment;
const secret = `s3-${randomBytes(8).toString('hex')}`;
const plainInFile = `pf-${randomBytes(8).toString('hex')}`;
const rotated = `s4-${randomBytes(8).toString('hex')}`;

/** Every file under `dir` (recursively), as text. */
function textsUnder(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    const stats = statSync(file);
    out += stats.isDirectory() ? textsUnder(file) : readFileSync(file, 'utf8');
  }
  return out;
}

Env.before(() => {
  ensureDocker();
  ensureTestImages();
  // `.env.app`: the example's .dockerignore keeps `.env.*` out of the build context (preflight
  // refuses an env file the build would send).
  d = deployment({}, { env: { APP_MODE: 'integration' }, envFile: '.env.app' });
  writeFileSync(
    path.join(d.project.dir, '.env.app'),
    `# secrets for the app\nAPP_DB_PASSWORD=${secret}\nFROM_FILE=${plainInFile}\n`,
    { mode: 0o600 },
  );
});
Env.after(() => cleanup(d));

Env('the container has both; the image has neither; no env-file value in any output or report', async () => {
  const text = await run(d, ['deploy-secure']);
  assert.is(text.code, 0, `${text.stdout}\n${text.stderr}`);
  const container = inspect(d.name) as { Config: { Env: string[] }; Image: string };
  assert.ok(container.Config.Env.includes('APP_MODE=integration'), JSON.stringify(container.Config.Env));
  assert.ok(container.Config.Env.includes(`APP_DB_PASSWORD=${secret}`));
  assert.ok(container.Config.Env.includes(`FROM_FILE=${plainInFile}`));

  const image = JSON.stringify(inspect(container.Image, 'image'));
  const history = docker(['image', 'history', '--no-trunc', '--format', '{{.CreatedBy}}', container.Image]).stdout;
  for (const value of [secret, plainInFile, 'APP_MODE', 'integration'])
    assert.not.ok(image.includes(value) || history.includes(value), `${value} is in the image`);

  // The docker run line carries the file's path, never its content.
  const runCall = text.dockerCalls.find((argv) => argv[0] === 'run') ?? [];
  assert.ok(runCall.includes('--env-file') && runCall.includes('APP_MODE=integration'), runCall.join(' '));

  const json = await run(d, ['deploy-secure', '--json', '--explain', '--force', '--verbose']);
  assert.is(json.code, 0, json.stderr);
  const everything = [
    text.stdout,
    text.stderr,
    json.stdout,
    json.stderr,
    JSON.stringify(text.dockerCalls),
    JSON.stringify(json.dockerCalls),
    textsUnder(path.join(d.project.dir, 'reports')),
    textsUnder(path.join(d.project.dir, '.cloudy')),
  ].join('\n');
  assert.not.ok(everything.includes(secret), 'the secret value is in an output or a report');
  assert.not.ok(everything.includes(plainInFile), 'a value of the env file is in an output or a report');
});

Env('a changed env file redeploys; --explain names the file and its hash, not the values', async () => {
  writeFileSync(path.join(d.project.dir, '.env.app'), `APP_DB_PASSWORD=${rotated}\nFROM_FILE=${plainInFile}\n`);
  const r = await run(d, ['deploy-secure', '--explain']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(called(r.dockerCalls, 'run'), 'a new container');
  assert.not.ok(called(r.dockerCalls, 'build'), 'the image is not rebuilt');
  assert.match(
    r.explain['deploy-secure'] ?? '',
    /container\.envFile .*\.env\.app \(sha256:[0-9a-f]{12}\) → .*\.env\.app \(sha256:[0-9a-f]{12}\)/,
  );
  assert.not.ok(`${r.stdout}${r.stderr}`.includes(rotated));
  const env = (inspect(d.name) as { Config: { Env: string[] } }).Config.Env;
  assert.ok(env.includes(`APP_DB_PASSWORD=${rotated}`));
  const again = await run(d, ['deploy-secure', '--explain']);
  assert.match(again.explain['deploy-secure'] ?? '', /^up to date/, 'and then it is up to date');
});

Env.run();
