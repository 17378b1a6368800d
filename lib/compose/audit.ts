/**
 * compose-audit's judgement: what in the effective compose config weakens the guide's
 * hardening, per service, with the same check ids (and CIS Docker Benchmark 1.6.0 ids) as the
 * inspect checks that deploy-secure runs on a container, so a finding here names the check that
 * would fail on the running container. Pure: ./run.ts gets the config from compose.
 */
import { type Check, check, listText, passIf } from '../hardening/checks/common.js';
import {
  isAppArmorUnconfined,
  isSeccompUnconfined,
  noNewPrivilegesValue,
  normalizeCapability,
  parseNumericUser,
  SAFE_CAPABILITIES,
  SELINUX_DISABLED,
  SYSTEMPATHS_UNCONFINED,
} from '../hardening/options.js';
import { mounts, namespaces, network, ports, runtime } from './audit-exposure.js';
import type { EffectiveConfig, EffectiveService } from './effective.js';

/** A check of one service's effective config. */
export type ComposeFinding = Check & { readonly service: string };

export interface AuditContext {
  /** Compose v2 applies `deploy.resources.limits`; v1 ignores them without `--compatibility`. */
  readonly appliesDeployResources: boolean;
  /** `docker-compose 1.29.2`, for the messages. */
  readonly tool: string;
}

/** The security guide's compose snippet has `seccomp:unconfined`: say so where it is found. */
export const GUIDE_SECCOMP_NOTE = "the security guide's own compose file has seccomp:unconfined";

/** Every check for every service, in service order then a fixed check order. */
export function auditCompose(config: EffectiveConfig, ctx: AuditContext): ComposeFinding[] {
  return config.services.flatMap((s) =>
    [
      ...identity(s),
      ...privileges(s),
      ...limits(s, ctx),
      ...network(s, config),
      ...namespaces(s),
      ...mounts(s),
      ...ports(s),
      ...runtime(s),
    ].map((c) => ({ ...c, service: s.name })),
  );
}

function identity(s: EffectiveService): Check[] {
  const user = s.user?.trim();
  const parsed = user === undefined ? undefined : parseNumericUser(user);
  const status =
    user === undefined
      ? 'warn'
      : user === 'root' || user.startsWith('root:') || parsed?.uid === 0
        ? 'fail'
        : parsed === undefined
          ? 'warn'
          : 'pass';
  return [
    check(
      'non-root-user',
      '4.1',
      'Runs as a non-root numeric user',
      'user: a numeric non-zero uid such as 1001:1001',
      user === undefined ? "(absent: the image's USER applies)" : user,
      status,
    ),
    check(
      'read-only-rootfs',
      '5.13',
      'Root filesystem is read-only',
      'read_only: true',
      String(s.readOnly),
      passIf(s.readOnly),
    ),
  ];
}

function privileges(s: EffectiveService): Check[] {
  const drop = s.capDrop.map(normalizeCapability);
  const extra = s.capAdd.filter((c) => !SAFE_CAPABILITIES.includes(normalizeCapability(c)));
  const opts = listText(s.securityOpt);
  const nnp = s.securityOpt.map(noNewPrivilegesValue).filter((v) => v !== undefined);
  const seccompOff = s.securityOpt.filter(isSeccompUnconfined);
  const seccompActual =
    seccompOff.length > 0
      ? `${seccompOff.join(', ')} turns the syscall filter off (${GUIDE_SECCOMP_NOTE})`
      : s.privileged
        ? 'privileged: true (seccomp is off for privileged containers)'
        : opts;
  return [
    check(
      'capabilities',
      '5.4',
      'All capabilities dropped, only allowlisted ones added',
      `cap_drop: [ALL], cap_add within [${SAFE_CAPABILITIES.join(', ')}]`,
      `cap_drop: [${s.capDrop.join(', ')}] cap_add: [${s.capAdd.join(', ')}]`,
      passIf(drop.includes('ALL') && extra.length === 0 && !s.privileged),
    ),
    check(
      'not-privileged',
      '5.5',
      'Not running privileged',
      'privileged: false',
      String(s.privileged),
      passIf(!s.privileged),
    ),
    check(
      'no-new-privileges',
      '5.26',
      'no-new-privileges set',
      'security_opt: [no-new-privileges:true] (the last such entry wins)',
      opts,
      passIf(nnp.at(-1) === true),
    ),
    check(
      'seccomp',
      '5.22',
      'Default seccomp profile not disabled',
      'no seccomp:unconfined, not privileged',
      seccompActual,
      passIf(seccompOff.length === 0 && !s.privileged),
    ),
    check(
      'apparmor',
      '5.2',
      'AppArmor profile not disabled',
      'no apparmor:unconfined',
      opts,
      passIf(!s.securityOpt.some(isAppArmorUnconfined)),
    ),
    check(
      'selinux',
      '5.3',
      'SELinux labelling not disabled',
      'no label:disable',
      opts,
      passIf(!s.securityOpt.some((o) => SELINUX_DISABLED.test(o.trim()))),
    ),
    check(
      'systempaths',
      '-',
      '/proc and /sys stay masked',
      'no systempaths=unconfined',
      opts,
      passIf(!s.securityOpt.some((o) => SYSTEMPATHS_UNCONFINED.test(o.trim()))),
    ),
  ];
}

function limits(s: EffectiveService, ctx: AuditContext): Check[] {
  const limit = (
    id: string,
    cis: string,
    title: string,
    key: string,
    own: number | undefined,
    deployed: number | undefined,
    deployKey: string,
  ): { check: Check; effective: number | undefined } => {
    if (own !== undefined) return { check: check(id, cis, title, key, `${key} ${own}`, 'pass'), effective: own };
    if (deployed === undefined)
      return { check: check(id, cis, title, key, '(absent: unlimited)', 'fail'), effective: undefined };
    // Only deploy.resources: compose v2 applies it, compose v1 silently does not.
    return ctx.appliesDeployResources
      ? {
          check: check(id, cis, title, key, `only ${deployKey} ${deployed}; compose v1 would ignore it`, 'warn'),
          effective: deployed,
        }
      : {
          check: check(
            id,
            cis,
            title,
            key,
            `only ${deployKey}: ignored by ${ctx.tool} (no --compatibility), so no limit applies`,
            'fail',
          ),
          effective: undefined,
        };
  };
  const memory = limit(
    'memory',
    '5.11',
    'Memory limited',
    'mem_limit',
    s.memLimit,
    s.deployLimits.memory,
    'deploy.resources.limits.memory',
  );
  const swapOk = memory.effective !== undefined && s.memswapLimit === memory.effective;
  return [
    memory.check,
    check(
      'memory-swap',
      '5.11',
      'Swap capped at the memory limit',
      'memswap_limit = mem_limit',
      s.memswapLimit === undefined
        ? '(absent: as much swap again as memory)'
        : `memswap_limit ${s.memswapLimit}, memory ${memory.effective ?? 'unlimited'}`,
      passIf(swapOk),
    ),
    limit('cpus', '5.12', 'CPU limited', 'cpus', s.nanoCpus, s.deployLimits.nanoCpus, 'deploy.resources.limits.cpus')
      .check,
    limit(
      'pids-limit',
      '5.29',
      'PIDs limit set',
      'pids_limit',
      s.pidsLimit,
      s.deployLimits.pids,
      'deploy.resources.limits.pids',
    ).check,
  ];
}
