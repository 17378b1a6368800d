/**
 * Notifications for scheduled runs, against a real HTTP server on 127.0.0.1: one POST with the
 * run-finished event for a failing run under notify.on ['failure'], none for a passing one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';

const Notify = suite('notify webhook');
const project = useProjects(Notify);
let server: Server;
let received: { path: string; type: string; body: Record<string, unknown> }[] = [];
let url = '';

Notify.before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += String(d);
    });
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        type: req.headers['content-type'] ?? '',
        body: JSON.parse(body) as Record<string, unknown>,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
Notify.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
Notify.before.each(() => {
  received = [];
});

const config = (on: readonly string[]) => ({
  '.cloudyrc.json': JSON.stringify({
    notify: { webhook: url, on },
    tasks: { ok: { run: 'true' }, broken: { run: 'echo "token tok-webhook-secret-42 rejected" >&2; exit 3' } },
  }),
});
const env = 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\nAPI_TOKEN=tok-webhook-secret-42\n';

Notify('a failing run posts exactly one run-finished event, with secrets masked', async () => {
  const p = project({ env, files: config(['failure']) });
  const r = await runCli(p, ['broken']);
  assert.is(r.code, 1, r.stderr);
  assert.is(received.length, 1);
  const [post] = received;
  assert.is(post!.path, '/hook');
  assert.is(post!.type, 'application/json');
  const event = post!.body;
  assert.is(event['type'], 'run-finished');
  assert.is(event['outcome'], 'failed');
  assert.is(event['exitCode'], 1);
  assert.equal(event['tasks'], ['broken']);
  assert.equal(event['counts'], { succeeded: 0, failed: 1, skipped: 0 });
  const failures = event['failures'] as { task: string; error: string }[];
  assert.is(failures[0]?.task, 'broken');
  assert.match(failures[0]?.error ?? '', 'token *** rejected');
  assert.not.match(JSON.stringify(event), 'tok-webhook-secret-42');
});

Notify('a passing run under notify.on [failure] posts nothing; under [always] it posts', async () => {
  const p = project({ env, files: config(['failure']) });
  assert.is((await runCli(p, ['ok'])).code, 0);
  assert.is(received.length, 0);
  const q = project({ env, files: config(['always']) });
  assert.is((await runCli(q, ['ok'])).code, 0);
  assert.is(received.length, 1);
  assert.is(received[0]!.body['outcome'], 'succeeded');
});

Notify('a webhook that cannot be reached is a warning, never the run result', async () => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const p = project({
    env,
    files: {
      '.cloudyrc.json': JSON.stringify({
        notify: { webhook: `http://127.0.0.1:${port}/none`, on: ['always'] },
        tasks: { ok: { run: 'true' } },
      }),
    },
  });
  const r = await runCli(p, ['ok']);
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^cloudy-tasks: warning: the run-finished notification was not sent: the webhook could not be reached \(ECONNREFUSED\)$/m,
  );
});

Notify.run();
