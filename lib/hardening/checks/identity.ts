/**
 * Inspect checks on who the container runs as and what it may do: user, read-only root and
 * tmpfs, capabilities and security options, host namespaces and devices, and the seed's
 * `security.*` labels held against those settings: the privilege-related checks, which change
 * together when the policy's privilege fields do.
 */

import { at, bool, list, record, show, str, strings } from '../../util/json-path.js';
import {
  allowingDefaultAction,
  inlineSeccompProfile,
  isAppArmorUnconfined,
  isSeccompUnconfined,
  noNewPrivilegesValue,
  normalizeCapability,
} from '../options.js';
import type { HardeningPolicy } from '../policy.js';
import type { Check } from './common.js';
import { check, hc, listText, passIf, shorten, userIsNonRoot } from './common.js';

export function identityChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const user = str(at(c, 'Config', 'User')) ?? '';
  const userOk = userIsNonRoot(user) && user.trim() === policy.user.trim();
  const readOnly = bool(hc(c, 'ReadonlyRootfs')) ?? false;

  const tmpfs = record(hc(c, 'Tmpfs'));
  const mounted = Object.entries(tmpfs).map(([path, options]) => `${path}:${str(options) ?? ''}`);
  const tmpfsOk = policy.tmpfs.every((spec) => {
    const [path = '', options = ''] = splitOnce(spec, ':');
    const actual = str(tmpfs[path]);
    return actual !== undefined && sameOptions(actual, options);
  });
  return [
    check(
      'non-root-user',
      '4.1',
      'Runs as a non-root numeric user',
      policy.user,
      user === '' ? '"" (image default, root)' : user,
      passIf(userOk),
    ),
    check(
      'read-only-rootfs',
      '5.13',
      'Root filesystem is read-only',
      'true',
      String(readOnly),
      passIf(readOnly && policy.readOnly),
    ),
    check('tmpfs', '-', 'Writable tmpfs for scratch paths', listText(policy.tmpfs), listText(mounted), passIf(tmpfsOk)),
  ];
}

export function privilegeChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const privileged = bool(hc(c, 'Privileged')) ?? false;
  const capDrop = strings(hc(c, 'CapDrop')).map(normalizeCapability);
  const allowed = new Set(policy.capAdd.map(normalizeCapability));
  const extraCaps = strings(hc(c, 'CapAdd')).filter((cap) => !allowed.has(normalizeCapability(cap)));
  // Privileged mode ignores --cap-drop (observed CapBnd 0000003ffeffffff with CapDrop ["ALL"]).
  const capsOk = capDrop.includes('ALL') && extraCaps.length === 0 && !privileged;
  const capsActual =
    `CapDrop=${show(hc(c, 'CapDrop'))} CapAdd=${show(hc(c, 'CapAdd'))}` +
    (privileged ? ' Privileged=true (all capabilities)' : '');

  const securityOpt = strings(hc(c, 'SecurityOpt'));
  const optsText =
    securityOpt.length === 0 ? show(hc(c, 'SecurityOpt')) : listText(securityOpt.map((o) => shorten(o, 40)));
  // The engine turns seccomp off for privileged containers without saying so in SecurityOpt
  // (observed Seccomp: 0 in /proc/1/status).
  // A custom profile that allows every unlisted syscall is as good as none.
  const allowAll = securityOpt.map((o) => allowingDefaultAction(inlineSeccompProfile(o))).find((a) => a !== undefined);
  const seccompOff = securityOpt.some(isSeccompUnconfined) || privileged || allowAll !== undefined;

  // The engine applies the LAST no-new-privileges entry (observed: `:true` then `:false` runs with
  // NoNewPrivs 0), so an earlier `:true` proves nothing.
  const nnpValues = securityOpt.map(noNewPrivilegesValue).filter((v) => v !== undefined);
  const nnpOn = nnpValues.at(-1) === true;

  const apparmor = str(at(c, 'AppArmorProfile')) ?? '';
  const apparmorOff = apparmor === 'unconfined' || securityOpt.some(isAppArmorUnconfined);
  return [
    check(
      'capabilities',
      '5.4',
      'All capabilities dropped, only allowlisted ones added',
      `CapDrop=["ALL"] CapAdd within [${policy.capAdd.join(', ')}]`,
      capsActual,
      passIf(capsOk),
    ),
    check('not-privileged', '5.5', 'Not running privileged', 'false', String(privileged), passIf(!privileged)),
    check(
      'no-new-privileges',
      '5.26',
      'no-new-privileges set',
      'last no-new-privileges entry in SecurityOpt is true',
      optsText,
      passIf(nnpOn),
    ),
    check(
      'seccomp',
      '5.22',
      'Default seccomp profile not disabled',
      'no seccomp=unconfined, no allow-by-default profile, not privileged',
      `${allowAll ? `custom profile with defaultAction ${allowAll}` : optsText}${privileged ? ' Privileged=true' : ''}`,
      passIf(!seccompOff),
    ),
    // "" means the host has no AppArmor (or it was not applied): nothing to judge from inspect.
    check(
      'apparmor',
      '5.2',
      'AppArmor profile not disabled',
      'a profile, not "unconfined"',
      show(apparmor),
      apparmorOff ? 'fail' : apparmor === '' ? 'skip' : 'pass',
    ),
  ];
}

export function namespaceChecks(c: unknown): Check[] {
  const namespace = (id: string, cis: string, what: string, field: string): Check => {
    const mode = str(hc(c, field)) ?? '';
    // container:<id> joins another container's namespace: not the host's, but not isolated either.
    const status = mode === 'host' ? 'fail' : mode.startsWith('container:') ? 'warn' : 'pass';
    return check(id, cis, `Host ${what} namespace not shared`, `${field} not "host"`, show(mode), status);
  };
  const privileged = bool(hc(c, 'Privileged')) ?? false;
  const devices = list(hc(c, 'Devices')).map((d) => str(at(d, 'PathOnHost')) ?? show(d));
  const cgroupParent = str(hc(c, 'CgroupParent')) ?? '';
  return [
    namespace('host-pid', '5.16', 'PID', 'PidMode'),
    namespace('host-ipc', '5.17', 'IPC', 'IpcMode'),
    namespace('host-uts', '5.21', 'UTS', 'UTSMode'),
    namespace('host-userns', '5.31', 'user', 'UsernsMode'),
    check(
      'no-devices',
      '5.18',
      'No host devices',
      'Devices=[]',
      `Devices=[${devices.join(', ')}]${privileged ? ' Privileged=true (all devices)' : ''}`,
      passIf(devices.length === 0 && !privileged),
    ),
    check(
      'cgroup-parent',
      '5.25',
      'cgroup parent not overridden',
      '""',
      show(cgroupParent),
      passIf(cgroupParent === ''),
    ),
  ];
}

/**
 * The seed's `security.*` labels only state a claim. Each is held against the setting it names: a
 * label claiming what the container does not deliver fails; one understating it warns.
 */
export function labelChecks(c: unknown): Check[] {
  const labels = record(at(c, 'Config', 'Labels'));
  const label = (id: string, key: string, safeValue: 'true' | 'false', isSafe: boolean, setting: string): Check => {
    const raw = str(labels[key]);
    const title = `Label ${key} matches the settings`;
    if (raw === undefined) return check(id, '-', title, `absent, or consistent with ${setting}`, '(absent)', 'skip');
    const value = raw.trim().toLowerCase();
    const claimsSafe = value === safeValue;
    const status =
      value !== 'true' && value !== 'false' ? 'warn' : claimsSafe ? passIf(isSafe) : isSafe ? 'warn' : 'pass';
    return check(id, '-', title, `${key}=${raw} backed by ${setting}`, `${key}=${raw}, ${setting}`, status);
  };
  const user = str(at(c, 'Config', 'User')) ?? '';
  const readOnly = bool(hc(c, 'ReadonlyRootfs')) ?? false;
  const privileged = bool(hc(c, 'Privileged')) ?? false;
  return [
    label('label-non-root', 'security.non-root', 'true', userIsNonRoot(user), `User=${show(user)}`),
    label('label-read-only', 'security.read-only', 'true', readOnly, `ReadonlyRootfs=${readOnly}`),
    label('label-privileged', 'security.privileged', 'false', !privileged, `Privileged=${privileged}`),
  ];
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + separator.length)];
}

/** tmpfs options compare as a set: the engine keeps them as typed, order is not meaningful. */
function sameOptions(a: string, b: string): boolean {
  const set = (s: string): string =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '')
      .sort()
      .join(',');
  return set(a) === set(b);
}
