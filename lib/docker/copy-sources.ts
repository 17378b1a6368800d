/**
 * Which build-context files a build can read: the sources of COPY and ADD without `--from`, in
 * every stage (the legacy builder builds them all). Docker's own build cache keys a COPY on
 * exactly these files, so a file no instruction copies (a README, the cloudy-tasks config) cannot
 * change the image and must not make it look changed. Conservative where the Dockerfile is not
 * plain: a source with a variable, a heredoc, or a `RUN --mount` that binds the context makes
 * every file count. Pure.
 */
import type { DockerfileModel } from './dockerfile.js';

/** Context paths (`/`-separated, no leading `./`) a build reads, or `all`. */
export function contextSources(model: DockerfileModel): readonly string[] | 'all' {
  const sources: string[] = [];
  for (const stage of model.stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword === 'RUN') {
        if (ins.flags.some((f) => f.name === 'mount' && bindsContext(f.value))) return 'all';
        continue;
      }
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      if (ins.flags.some((f) => f.name === 'from')) continue;
      const args = ins.json ?? ins.args;
      for (const raw of args.slice(0, -1)) {
        if (raw.includes('$') || raw.startsWith('<<')) return 'all';
        if (ins.keyword === 'ADD' && /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) continue; // a URL, not a context file
        const source = normalise(raw);
        if (source === '') return 'all';
        sources.push(source);
      }
    }
  }
  return [...new Set(sources)];
}

/** `--mount=…` without `from=` binds the build context (bind is the default type). */
function bindsContext(spec: string): boolean {
  const fields = Object.fromEntries(
    spec.split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return eq === -1 ? [kv.trim(), ''] : [kv.slice(0, eq).trim(), kv.slice(eq + 1).trim()];
    }),
  );
  return (fields['type'] === undefined || fields['type'] === 'bind') && fields['from'] === undefined;
}

function normalise(source: string): string {
  let s = source.replace(/\\/g, '/');
  while (s.startsWith('./') || s.startsWith('/')) s = s.startsWith('./') ? s.slice(2) : s.slice(1);
  s = s.replace(/\/+$/, '').replace(/\/\.(?=\/|$)/g, '');
  return s === '.' ? '' : s;
}

/** The files of `files` (the context listing) that `sources` read. */
export function selectFiles(files: readonly string[], sources: readonly string[] | 'all'): string[] {
  if (sources === 'all') return [...files];
  const matchers = sources.map(matcher);
  return files.filter((file) => matchers.some((m) => m(file)));
}

/** A source matches a file when it names it, or a directory above it (literally or by pattern). */
function matcher(source: string): (file: string) => boolean {
  if (!/[*?[]/.test(source)) return (file) => file === source || file.startsWith(`${source}/`);
  const re = globToRegExp(source);
  return (file) => {
    const parts = file.split('/');
    for (let n = parts.length; n >= 1; n--) if (re.test(parts.slice(0, n).join('/'))) return true;
    return false;
  };
}

/**
 * Go's filepath.Match, which Docker uses for COPY sources: `*` and `?` never cross `/`,
 * `[…]` is a class (`[^…]` or `[!…]` negated). `**` crosses `/` here, which only widens the
 * set (BuildKit accepts it).
 */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^[!^]/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
