/**
 * The terminal view as a person sees it, on the real engine: a successful deploy-secure on a
 * 100-column terminal ends with one result line under each ✔ (the image id and size, the scan
 * counts, the container running that image with its checks count), and audit shows its table.
 * The final screen is rebuilt from the raw pty stream by a terminal emulator (test/helpers/screen.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLEAN_REPORT, cleanup, type Deployment, deployment } from '../helpers/deployment.js';
import { ensureDocker, ensureTestImages, inspect } from '../helpers/docker.js';
import { runInTerminal } from '../helpers/screen.js';

const T = suite('terminal view (real engine, pty)');
const made: Deployment[] = [];
T.before(() => {
  ensureDocker();
  ensureTestImages();
});
T.after(() => made.forEach(cleanup));

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes.
const plain = (raw: string) => raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

T('a successful deploy-secure ends with the container, the image id, the scan counts and the checks', async () => {
  const d = deployment();
  made.push(d);
  const screen = await runInTerminal(d.project, ['deploy-secure'], {
    cols: 100,
    fakeDocker: false,
    env: { TRIVY_STANDIN_REPORT: CLEAN_REPORT },
  });
  const text = screen.lines.join('\n');
  assert.is(screen.code, 0, text);
  const image = inspect(`${d.image}:latest`, 'image') as { Id: string; Size: number };
  d.images.add(image.Id);
  const short = image.Id.slice(0, 'sha256:'.length + 12);
  const resultOf = (task: string) => {
    const at = screen.lines.findIndex((l) => new RegExp(`^✔ ${task} \\[\\d+(\\.\\d)?m?s\\]$`).test(l));
    assert.ok(at >= 0, `✔ ${task} with its duration in:\n${text}`);
    return screen.lines[at + 1] ?? '';
  };
  assert.match(resultOf('preflight'), /^ {2}› no problems found$/);
  assert.match(resultOf('docker'), new RegExp(`^ {2}› ${short}, \\d+(\\.\\d+)? [kM]B \\(${d.image}:latest\\)$`));
  assert.match(
    resultOf('security-scan'),
    /^ {2}› CRITICAL 0, HIGH 0, MEDIUM 0, LOW 0, UNKNOWN 0; none at or above HIGH$/,
  );
  // The warning's name may be cut at the terminal's width (with …): the counts come first.
  assert.match(
    resultOf('deploy-secure'),
    new RegExp(`^ {2}› ${d.name} running ${short}, healthy, \\d+ checks passed(, 1 warning.*)?$`),
  );
  assert.match(screen.lines.at(-1) ?? '', /^✔ 4 tasks succeeded in \d+(\.\d)?m?s$/);
  // Nothing of the build log is left on the final screen, and no poll of the health wait.
  assert.not.match(text, 'Step 1/');
  assert.not.match(text, 'docker container inspect');
  // A waiting task showed the still square, and spun only once its dependency had finished.
  const stream = plain(screen.raw);
  assert.match(stream, '◼ deploy-secure');
  const spun = stream.search(new RegExp(`${SPINNER.source} deploy-secure`));
  assert.ok(spun > stream.indexOf('✔ security-scan'), 'deploy-secure spun before security-scan finished');
});

T('a successful audit shows its table below the view, fitted to the terminal', async () => {
  const d = made[0] ?? deployment();
  if (!made.includes(d)) made.push(d);
  const screen = await runInTerminal(d.project, ['audit'], { cols: 100, fakeDocker: false });
  const text = screen.lines.join('\n');
  assert.is(screen.code, 0, text);
  assert.match(text, new RegExp(`^✔ audit \\[.*\\]\\n {2}› ${d.name}: \\d+ checks passed`, 'm'));
  const header = screen.lines.findIndex((l) => /^CHECK +CIS +EXPECTED +ACTUAL +RESULT$/.test(l));
  assert.ok(header > 0, text);
  assert.is(screen.lines[header - 1], `audit of ${d.name}:`);
  const rows = screen.lines.slice(header + 1).filter((l) => /(PASS|WARN|SKIP|FAIL)$/.test(l));
  assert.ok(rows.length >= 30, `${rows.length} rows:\n${text}`);
  assert.ok(
    rows.some((l) => /^read-only-rootfs +5\.13 +true +true +PASS$/.test(l)),
    text,
  );
  assert.ok(
    rows.some((l) => /^non-root-user +4\.1 +1001:1001 +1001:1001 +PASS$/.test(l)),
    text,
  );
  assert.equal(screen.wrapped, [], `no table row wraps at 100 columns:\n${text}`);
  assert.match(screen.lines.at(-1) ?? '', /^✔ 1 task succeeded in /);
});

T.run();
