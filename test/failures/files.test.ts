/**
 * Nothing is written outside the project: a reports/ or .cloudy/ that is a symlink to another
 * directory (as root, /etc) is refused with exit 2, and that directory is left exactly as it was.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, trivyFixtures, useProjects } from '../helpers/rig.js';
import { expectFailure } from './helpers.js';

const Files = suite('failures: files outside the project');
const project = useProjects(Files);
let outside = '';
Files.before.each(() => {
  // Stands for /etc: a directory outside the project with files of the same names in it.
  outside = mkdtempSync(path.join(os.tmpdir(), 'cloudy-outside-'));
  for (const f of ['trivy-image.json', 'scan-summary.json', 'state.json', 'history.jsonl']) {
    writeFileSync(path.join(outside, f), 'precious\n');
  }
});
Files.after.each(() => rmSync(outside, { recursive: true, force: true }));

/** Every file in the outside directory, with its content: must be unchanged. */
const snapshot = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => `${f}=${readFileSync(path.join(dir, f), 'utf8')}`);
const untouched = () =>
  ['history.jsonl', 'scan-summary.json', 'state.json', 'trivy-image.json'].map((f) => `${f}=precious\n`);

const scanEnv = { env: { TRIVY_STANDIN_REPORT: path.join(trivyFixtures, 'sl-micro-rancher5.4.json.golden') } };

Files('reports/ as a symlink: the scan refuses (exit 2) before Trivy writes anything', async () => {
  const p = project();
  symlinkSync(outside, path.join(p.dir, 'reports'));
  const r = await runCli(p, ['security-scan'], scanEnv);
  expectFailure(
    r,
    2,
    `[security-scan] FAILED after Ns: refusing to write through the symlink ${p.dir}/reports (cloudy-tasks writes only into real directories of the project); replace it with a directory`,
  );
  assert.equal(snapshot(outside), untouched());
  assert.not.ok(
    p.calls().some((c) => c.cmd === 'trivy' && c.argv[0] !== '--version'),
    'Trivy never scanned (its version is asked before the run)',
  );
});

Files('.cloudy/ as a symlink: the run is refused (exit 2) before any task, nothing written there', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks: { hello: { run: 'echo hello' } } }) } });
  symlinkSync(outside, path.join(p.dir, '.cloudy'));
  const r = await runCli(p, ['hello']);
  expectFailure(
    r,
    2,
    `cloudy-tasks: refusing to write through the symlink ${p.dir}/.cloudy (cloudy-tasks writes only into real directories of the project); replace it with a directory`,
  );
  assert.not.match(r.stdout, 'hello', 'no task ran');
  assert.equal(snapshot(outside), untouched());
});

Files('a symlinked history file is not appended through; the run itself succeeds', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ tasks: { hello: { run: 'echo hello' } } }) } });
  mkdirSync(path.join(p.dir, '.cloudy'));
  symlinkSync(path.join(outside, 'history.jsonl'), path.join(p.dir, '.cloudy', 'history.jsonl'));
  const r = await runCli(p, ['hello']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(snapshot(outside), untouched());
});

Files('a reports directory outside the project is refused when the config loads', async () => {
  const p = project({ files: { '.cloudyrc.json': JSON.stringify({ scan: { reportsDir: outside } }) } });
  const r = await runCli(p, ['security-scan'], scanEnv);
  expectFailure(
    r,
    2,
    `cloudy-tasks: .cloudyrc.json: scan.reportsDir: expected a directory inside the project, got ${JSON.stringify(outside)} (reports are written only inside the project; use a relative path such as "reports")`,
  );
  assert.equal(p.calls(), []);
});

Files.run();
