/**
 * Custom seccomp profiles (`securityOpt: ['seccomp=profile.json']`): the docker CLI reads the file
 * and sends it to the engine, which applies it as given. A profile whose default action lets every
 * unlisted syscall through filters nothing that matters (with one, `unshare -U -r` inside the
 * container gave uid 0), yet `docker inspect` shows a seccomp profile: so it is read and judged here,
 * before anything runs. Reads the file system; the rest of the policy code is pure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allowingDefaultAction } from './options.js';

const SECCOMP_FILE = /^seccomp[:=](.+)$/i;

/** Problems with the seccomp profiles named in `securityOpt`, one line each (`[]`: none). */
export function seccompProfileProblems(securityOpt: readonly string[], projectDir: string): string[] {
  const problems: string[] = [];
  securityOpt.forEach((opt, i) => {
    const value = SECCOMP_FILE.exec(opt.trim())?.[1];
    // unconfined is refused by ./refuse.ts; an inline JSON profile is judged by the checks.
    if (value === undefined || value.toLowerCase() === 'unconfined' || value.startsWith('{')) return;
    const at = `container.securityOpt[${i}]`;
    const file = path.resolve(projectDir, value);
    let profile: unknown;
    try {
      profile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      const why = error instanceof SyntaxError ? 'it is not JSON' : 'it cannot be read';
      problems.push(`${at}: the seccomp profile ${value} (${file}) cannot be used: ${why}; fix the path or the file`);
      return;
    }
    const action = allowingDefaultAction(profile);
    if (typeof (profile as { defaultAction?: unknown } | null)?.defaultAction !== 'string') {
      problems.push(
        `${at}: the seccomp profile ${value} has no defaultAction; start from Docker's default profile (defaultAction SCMP_ACT_ERRNO)`,
      );
    } else if (action !== undefined) {
      problems.push(
        `${at}: the seccomp profile ${value} has defaultAction ${action}, which allows every syscall it does not list (CIS 5.22); use a deny-by-default profile (SCMP_ACT_ERRNO), e.g. Docker's default`,
      );
    }
  });
  return problems;
}
