/**
 * The capability allowlist and the parsers for the policy's small string settings as the engine
 * reads them: capability names, `--security-opt` entries (seccomp, AppArmor, SELinux, systempaths,
 * no-new-privileges with Go's bool parsing), numeric `--user` and `--restart`. The refusal of
 * unsafe policies (./refuse.ts) and the inspect checks (./checks/) read these values the same way
 * through this one module.
 */

/**
 * Capabilities `capAdd` may contain. A subset of Docker's 14 defaults that cannot bypass file
 * permissions or reach the kernel/network stack in bulk. Left out on purpose, although Docker
 * grants them by default: DAC_OVERRIDE (reads/writes any file on a mounted volume), NET_RAW (packet
 * spoofing, CVE-2020-14386), MKNOD, SETFCAP, SETPCAP, SYS_CHROOT, AUDIT_WRITE. Everything else
 * (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, …) is refused.
 */
export const SAFE_CAPABILITIES: readonly string[] = Object.freeze([
  'NET_BIND_SERVICE',
  'CHOWN',
  'FOWNER',
  'FSETID',
  'SETUID',
  'SETGID',
  'KILL',
]);

/** The engine stores `--cap-add net_bind_service` as `CAP_NET_BIND_SERVICE` and `all` as `ALL`. */
export function normalizeCapability(cap: string): string {
  return cap.trim().toUpperCase().replace(/^CAP_/, '');
}

/** The engine stores security options as typed, with either separator. */
const SECCOMP_UNCONFINED = /^seccomp[:=]unconfined$/i;
const APPARMOR_UNCONFINED = /^apparmor[:=]unconfined$/i;
export const SELINUX_DISABLED = /^label[:=]disable$/i;
export const SYSTEMPATHS_UNCONFINED = /^systempaths[:=]unconfined$/i;
const NO_NEW_PRIVILEGES = /^no-new-privileges(?:[:=](.*))?$/i;
/** The engine parses the value with Go's strconv.ParseBool; anything else is refused at `docker run`. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export const isSeccompUnconfined = (opt: string): boolean => SECCOMP_UNCONFINED.test(opt.trim());
export const isAppArmorUnconfined = (opt: string): boolean => APPARMOR_UNCONFINED.test(opt.trim());

/**
 * The value of a `no-new-privileges[:|=bool]` security option: `true`/`false`, `'invalid'` for a
 * value the engine would refuse, or undefined when `opt` is some other option. Bare
 * `no-new-privileges` means true. With several such entries the engine applies the LAST one
 * (observed on Engine 20.10: `:true` then `:false` runs with NoNewPrivs 0).
 */
export function noNewPrivilegesValue(opt: string): boolean | 'invalid' | undefined {
  const match = NO_NEW_PRIVILEGES.exec(opt.trim());
  if (match === null) return undefined;
  const value = match[1];
  if (value === undefined) return true;
  return GO_TRUE.has(value) ? true : GO_FALSE.has(value) ? false : 'invalid';
}

/** True for an entry that turns no-new-privileges on (`no-new-privileges`, `:true`, `=1`, …). */
export const isNoNewPrivileges = (opt: string): boolean => noNewPrivilegesValue(opt) === true;

/** `uid[:gid]` when both parts are numeric; undefined for names, which scratch images cannot resolve. */
export function parseNumericUser(user: string): { readonly uid: number; readonly gid: number | undefined } | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  if (match === null) return undefined;
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}

/** `--restart` value as the engine stores it in `HostConfig.RestartPolicy`. */
export function parseRestart(
  restart: string,
): { readonly name: string; readonly maximumRetryCount: number } | undefined {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(restart.trim());
  if (match === null || (match[2] !== undefined && match[1] !== 'on-failure')) return undefined;
  return { name: match[1]!, maximumRetryCount: match[2] === undefined ? 0 : Number(match[2]) };
}

/** libseccomp default actions that let an unlisted syscall run (LOG allows it and logs). */
const ALLOWING_ACTIONS = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

/**
 * The `defaultAction` of a seccomp profile when it lets every syscall it does not list run
 * (`SCMP_ACT_ALLOW`, `SCMP_ACT_LOG`), else undefined. Such a profile filters nothing that matters:
 * with one, `unshare -U -r` inside the container gave uid 0.
 */
export function allowingDefaultAction(profile: unknown): string | undefined {
  const action = (profile as { defaultAction?: unknown } | null)?.defaultAction;
  return typeof action === 'string' && ALLOWING_ACTIONS.has(action) ? action : undefined;
}

/**
 * The profile a `seccomp=<profile>` entry of `HostConfig.SecurityOpt` carries: the docker CLI reads
 * the file and stores its JSON inline. Undefined for other entries and for `unconfined`.
 */
export function inlineSeccompProfile(opt: string): unknown {
  const match = /^seccomp[:=](\{.*\})$/is.exec(opt.trim());
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as unknown;
  } catch {
    return undefined;
  }
}
