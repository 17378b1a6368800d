/**
 * `help <task>` as text: a built-in's options say what they do (the words of `--help`), and on a
 * terminal every row wraps under its own column instead of being cut mid-word by the terminal.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTaskHelp, type TaskHelp } from '../../lib/render/task-help.js';

const H = suite('task help');

const deploy: TaskHelp = {
  name: 'deploy-secure',
  description: 'Run the scanned image with hardening flags, verify it, roll back on failure; nothing when up to date',
  source: 'built-in',
  deps: ['docker', 'security-scan'],
  before: ['preflight', 'docker', 'security-scan'],
  params: undefined,
  commands: undefined,
};
const optionHelp = new Map([
  ['--force', 'rebuild, rescan and redeploy even when nothing changed'],
  ['--adopt', 'deploy-secure: take over a container it did not start'],
]);

H("a built-in's options carry --help's words, without the task prefix", () => {
  const text = formatTaskHelp(deploy, { optionHelp });
  assert.match(text, /^ {2}--force {2}rebuild, rescan and redeploy even when nothing changed$/m);
  assert.match(text, /^ {2}--adopt {2}take over a container it did not start$/m);
  assert.match(formatTaskHelp(deploy), /^ {2}--adopt {2}\(see cloudy-tasks --help\)$/m, 'without the table');
});

H('into a pipe: one line a row', () => {
  const lines = formatTaskHelp(deploy, { optionHelp }).split('\n');
  assert.is(lines[0], `deploy-secure: ${deploy.description}`);
  assert.ok(lines.some((l) => l.length > 100));
});

H('on an 80-column terminal: nothing past column 79, continued under its own column, no word lost', () => {
  const piped = formatTaskHelp(deploy, { optionHelp });
  const lines = formatTaskHelp(deploy, { optionHelp, columns: 80 }).split('\n');
  for (const l of lines) assert.ok(l.length < 80, `${l.length}: ${l}`);
  assert.is(lines[0], 'deploy-secure: Run the scanned image with hardening flags, verify it, roll back');
  assert.is(lines[1], '  on failure; nothing when up to date');
  const runs = lines.findIndex((l) => /^ {2}runs {10}/.test(l));
  assert.match(lines[runs]!, /^ {2}runs {10}docker run with the hardening flags/);
  assert.match(lines[runs + 1]!, /^ {16}\S/, 'a continued row starts under its text');
  const words = (t: string) => t.split(/\s+/).filter(Boolean);
  assert.equal(words(lines.join('\n')), words(piped));
});

H.run();
