/**
 * Shell words without a shell (lib/engine/words.ts): the argv built for the direct path is the
 * argv bash builds from the same command, and anything with shell syntax is left to bash.
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { quote as zxQuote } from 'zx/core';
import { type Arg, commandLine, directArgv, quote } from '../../lib/engine/words.js';

const W = suite('words');

/** A template call's pieces and values, as `ctx.$` receives them. */
const t = (pieces: TemplateStringsArray, ...values: Arg[]) => ({ pieces: [...pieces], values });

/** The argv bash builds for the quoted command line (printed NUL-separated by a child node). */
function bashArgv(pieces: readonly string[], values: readonly Arg[]): string[] {
  const printer = `${quote(process.execPath)} -e ${quote('process.stdout.write(process.argv.slice(1).join("\\0"))')}`;
  const line = commandLine(pieces, values);
  // `set --` makes bash split the line into words exactly as for a command, then prints them.
  const r = spawnSync('bash', ['-c', `set -- ${line}; ${printer} "$@"`], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout === '' ? [] : r.stdout.split('\0');
}

W('plain commands are split into the argv bash would build', () => {
  const cases = [
    t`docker inspect ${'name with spaces'}`,
    t`docker run --name=${'x; touch /tmp/pwned'} --label ${'a=b'}   image:1.0`,
    t`docker build ${['--build-arg', 'A=1 2', '']} -f ${'Dockerfile'}`,
    t`mytool -v${['a', 'b']}x tail`,
    t`git rev-parse --short HEAD`,
    t`npm run lint -- --max-warnings=0`,
    t`echo-like ${''} ${[]} end`,
    t`tool ${42} a${'$(x)'}b`,
  ];
  for (const { pieces, values } of cases) {
    const argv = directArgv(pieces, values);
    assert.ok(argv, `${pieces.join('…')} is plain`);
    assert.equal(argv, bashArgv(pieces, values), commandLine(pieces, values));
  }
});

W('shell syntax, assignments, builtins and keywords go to bash', () => {
  const shell = [
    'echo hi',
    'cd /tmp',
    'exit 3',
    'true --help',
    'A=1 cmd',
    'ls *.ts',
    'ls ~',
    'a | b',
    'a && b',
    'a; b',
    'a > f',
    'cmd $HOME',
    'cmd "quoted"',
    "cmd 'quoted'",
    'cmd `x`',
    'cmd {a,b}',
    'cmd # comment',
    'cmd\nother',
    'cmd \\x',
    'if true',
    'time cmd',
    ': nothing',
    '[ -f x ]',
    '',
    '   ',
  ];
  for (const line of shell) assert.is(directArgv([line], []), undefined, JSON.stringify(line));
  assert.is(directArgv(['', ' run'], ['']), undefined, 'an empty command word');
  assert.is(directArgv(['', '=x cmd'], ['A']), undefined, 'an assignment built from a value');
});

W('true and false alone are started directly; plain lines too', () => {
  assert.equal(directArgv(['true'], []), ['true']);
  assert.equal(directArgv(['false'], []), ['false']);
  assert.equal(directArgv(['  npm   run  build '], []), ['npm', 'run', 'build']);
  assert.equal(directArgv(['docker ps -a --format=table'], []), ['docker', 'ps', '-a', '--format=table']);
});

W("quote is zx's quote: what is shown is what zx runs", () => {
  const values = [
    '',
    'plain',
    'a b',
    "it's",
    '$HOME',
    '`id`',
    'x; rm -rf /',
    'tab\there',
    'nl\nx',
    'back\\slash',
    '\u00e9t\u00e9',
    '--flag=v',
    '\0',
  ];
  for (const value of values) assert.is(quote(value), zxQuote(value), JSON.stringify(value));
});

W('quote keeps safe words as they are and ANSI-C quotes the rest (as zx did)', () => {
  assert.is(quote('abc-1.2/x@y:z=w'), 'abc-1.2/x@y:z=w');
  assert.is(quote(''), "$''");
  assert.is(quote("it's\n\t\\"), "$'it\\'s\\n\\t\\\\'");
  assert.is(commandLine(['docker run ', ' ', ''], ['a b', ['c', 'd e']]), "docker run $'a b' c $'d e'");
});

W.run();
