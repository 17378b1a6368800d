/**
 * Shell words, without a shell: how a command is shown (quoted as bash needs it typed) and when
 * it can be started directly, with no bash in between. Pure: no I/O.
 *
 * A bash process costs a few milliseconds per command; most commands tasks run (`docker inspect
 * ${name}`, a Make recipe line like `npm run lint`) use no shell feature at all. For those, the
 * argv bash would build is built here and the program is spawned directly. "No shell feature" is
 * decided conservatively: the literal text may hold only letters, digits, spaces, tabs and
 * `_ @ % + = : , . / -`; the command word must not be an assignment (`A=1 cmd`), a bash builtin
 * or keyword (`cd`, `exit`, `if`: those only exist inside bash). Anything else (quotes, `$`,
 * globs, `~`, `#`, pipes, redirections, `;`, `&&`, newlines, braces, backslashes) goes to bash.
 * Interpolated values are single words either way: bash sees them quoted, the direct path
 * passes them as argv entries.
 */

/** One value in a command template: a word, or a list of words. */
export type Arg = string | number | readonly (string | number)[];

/**
 * Quote one word for bash: as is when it is made of safe characters only, else ANSI-C quoting
 * (`$'...'`). The same rules as zx's `quote` (zx 8), so logs and `--dry-run` output look as before.
 */
export function quote(arg: string): string {
  if (arg === '') return `$''`;
  if (/^[\w/.\-@:=]+$/.test(arg)) return arg;
  return `$'${arg
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\f/g, '\\f')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\v/g, '\\v')
    .replace(/\0/g, '\\0')}'`;
}

/** The command line bash runs: literal pieces as written, every value quoted into its words. */
export function commandLine(pieces: readonly string[], values: readonly Arg[], quoteWord = quote): string {
  let text = pieces[0] ?? '';
  values.forEach((value, i) => {
    text += Array.isArray(value) ? value.map((v) => quoteWord(String(v))).join(' ') : quoteWord(String(value));
    text += pieces[i + 1] ?? '';
  });
  return text;
}

/** Literal text with no meaning to bash beyond splitting words on blanks. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./ \t-]*$/;

/** Names that bash runs itself (builtins and reserved words): never spawned directly. */
const BASH_ONLY = new Set(
  (
    '! : . [ [[ ]] { } alias bg bind break builtin caller case cd command compgen complete compopt continue ' +
    'coproc declare dirs disown do done echo elif else enable esac eval exec exit export false fc fg fi for ' +
    'function getopts hash help history if in jobs kill let local logout mapfile popd printf pushd pwd read ' +
    'readarray readonly return select set shift shopt source suspend test then time times trap true type ' +
    'typeset ulimit umask unalias unset until wait while'
  ).split(' '),
);

/**
 * The argv bash would run for this command, when it needs no shell; undefined when it does
 * (or when in doubt). `true` and `false` without arguments are the one exception to the
 * builtin rule: /usr/bin/true and false behave exactly like them.
 */
export function directArgv(pieces: readonly string[], values: readonly Arg[]): string[] | undefined {
  for (const piece of pieces) if (!PLAIN.test(piece)) return undefined;
  const words: string[] = [];
  let word = '';
  /** A word has begun (a value, even an empty one, begins a word). */
  let open = false;
  let literalEqualsInFirst = false;
  const close = () => {
    if (open) words.push(word);
    word = '';
    open = false;
  };
  const literal = (text: string) => {
    for (const ch of text) {
      if (ch === ' ' || ch === '\t') close();
      else {
        if (ch === '=' && words.length === 0) literalEqualsInFirst = true;
        word += ch;
        open = true;
      }
    }
  };
  literal(pieces[0] ?? '');
  values.forEach((value, i) => {
    if (Array.isArray(value)) {
      value.forEach((item, j) => {
        if (j > 0) close();
        word += String(item);
        open = true;
      });
    } else {
      word += String(value);
      open = true;
    }
    literal(pieces[i + 1] ?? '');
  });
  close();
  const command = words[0];
  if (command === undefined || command === '' || literalEqualsInFirst) return undefined;
  if (BASH_ONLY.has(command) && !((command === 'true' || command === 'false') && words.length === 1)) return undefined;
  return words;
}
