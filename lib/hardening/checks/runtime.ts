/**
 * Inspect checks on how the container is run and what it runs: memory, swap, CPU and PID limits,
 * ulimits and log rotation, the restart policy, running/health state and the image id: the
 * engine's stored numbers and states against the policy's limits (docker unit parsing, restart
 * and health semantics).
 */

import { parseCpus, parseMemory } from '../../docker/units.js';
import { at, bool, list, num, record, show, str, strings } from '../../util/json-path.js';
import { parseRestart } from '../options.js';
import type { HardeningPolicy } from '../policy.js';
import type { Check } from './common.js';
import { check, hc, listText, passIf } from './common.js';

export function resourceChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const memory = num(hc(c, 'Memory')) ?? 0;
  const swap = num(hc(c, 'MemorySwap')) ?? 0;
  const nanoCpus = num(hc(c, 'NanoCpus')) ?? 0;
  const pids = num(hc(c, 'PidsLimit')) ?? 0;
  const reservation = num(hc(c, 'MemoryReservation')) ?? 0;
  const cpuShares = num(hc(c, 'CpuShares')) ?? 0;
  const wantReservation = parseMemory(policy.memoryReservation);
  const wantMemory = parseMemory(policy.memory);
  const wantSwap = parseMemory(policy.memorySwap);
  const wantCpus = parseCpus(policy.cpus);
  // 0, -1, null and absent all mean "no limit"; show the stored value so the user can compare.
  const shown = (field: string, n: number, prefix = ''): string =>
    n > 0 ? `${prefix}${n}` : `${prefix}${show(hc(c, field))} (unlimited)`;
  return [
    check(
      'memory',
      '5.11',
      'Memory limited',
      `${policy.memory} (${show(wantMemory)})`,
      shown('Memory', memory),
      passIf(memory > 0 && memory === wantMemory),
    ),
    check(
      'memory-swap',
      '5.11',
      'Swap capped at the memory limit',
      `${policy.memorySwap} (${show(wantSwap)}) = Memory`,
      shown('MemorySwap', swap),
      passIf(swap > 0 && swap === wantSwap && swap === memory),
    ),
    check(
      'cpus',
      '5.12',
      'CPU limited',
      `${policy.cpus} (NanoCpus ${show(wantCpus)})`,
      shown('NanoCpus', nanoCpus, 'NanoCpus '),
      passIf(nanoCpus > 0 && nanoCpus === wantCpus),
    ),
    // No CIS id: the guide promises "resource reservations"; these prove the engine applied them.
    check(
      'memory-reservation',
      '-',
      'Memory reservation (soft minimum) set',
      `${policy.memoryReservation} (${show(wantReservation)})`,
      shown('MemoryReservation', reservation),
      passIf(reservation > 0 && reservation === wantReservation),
    ),
    check(
      'cpu-shares',
      '-',
      'CPU weight set',
      String(policy.cpuShares),
      shown('CpuShares', cpuShares),
      passIf(cpuShares === policy.cpuShares),
    ),
    // Engine 20.10 stores --pids-limit 0 and -1 as null.
    check(
      'pids-limit',
      '5.29',
      'PIDs limit set',
      String(policy.pidsLimit),
      shown('PidsLimit', pids),
      passIf(pids > 0 && pids === policy.pidsLimit),
    ),
  ];
}

export function ulimitAndLogChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const ulimits = list(hc(c, 'Ulimits')).map((u) => ({
    name: str(at(u, 'Name')) ?? '',
    soft: num(at(u, 'Soft')),
    hard: num(at(u, 'Hard')),
  }));
  const ulimitsOk = Object.entries(policy.ulimits).every(([name, value]) => {
    const match = /^(-?\d+)(?::(-?\d+))?$/.exec(value.trim());
    const soft = match === null ? undefined : Number(match[1]);
    const hard = match === null ? undefined : Number(match[2] ?? match[1]);
    return ulimits.some((u) => u.name === name && u.soft === soft && u.hard === hard);
  });
  const ulimitsExpected = Object.entries(policy.ulimits).map(([name, value]) => `${name}=${value}`);
  // [] means the daemon's defaults apply (nofile was 100000 on the test host).
  const ulimitsActual = ulimits.map((u) => `${u.name}=${show(u.soft)}:${show(u.hard)}`);

  const logType = str(at(c, 'HostConfig', 'LogConfig', 'Type')) ?? '';
  const logConfig = record(at(c, 'HostConfig', 'LogConfig', 'Config'));
  const logOptsOk = Object.entries(policy.logOpts).every(([key, value]) => logConfig[key] === value);
  // json-file grows without bound unless max-size is set; the local driver rotates by default.
  const rotates = logType !== 'json-file' || typeof logConfig['max-size'] === 'string';
  const logActual = `${logType === '' ? '(absent)' : logType} {${Object.entries(logConfig)
    .map(([k, v]) => `${k}=${str(v) ?? show(v)}`)
    .join(', ')}}`;
  return [
    check(
      'ulimits',
      '5.19',
      'ulimits set as configured',
      listText(ulimitsExpected),
      listText(ulimitsActual),
      passIf(ulimitsOk),
    ),
    check(
      'log-rotation',
      '-',
      'Container logs rotated',
      listText(Object.entries(policy.logOpts).map(([k, v]) => `${k}=${v}`)),
      logActual,
      passIf(logOptsOk && rotates),
    ),
  ];
}

export function lifecycleChecks(c: unknown, policy: HardeningPolicy, expectedImageId: string | undefined): Check[] {
  return [restartCheck(c, policy), ...runtimeChecks(c, policy), imageCheck(c, expectedImageId)];
}

function restartCheck(c: unknown, policy: HardeningPolicy): Check {
  const name = str(at(c, 'HostConfig', 'RestartPolicy', 'Name')) ?? '';
  const count = num(at(c, 'HostConfig', 'RestartPolicy', 'MaximumRetryCount')) ?? 0;
  const want = parseRestart(policy.restart);
  const actual = name === 'on-failure' ? `on-failure:${count}` : name === '' ? '"" (no)' : name;
  const title = 'Restart policy as configured (CIS prefers on-failure:5)';
  // "" is the engine's zero value for "no".
  const matches =
    want !== undefined &&
    want.name === (name === '' ? 'no' : name) &&
    (want.name !== 'on-failure' || want.maximumRetryCount === count);
  if (!matches) return check('restart-policy', '5.15', title, policy.restart, actual, 'fail');
  // What was configured, but CIS 5.15 wants a bounded on-failure. docker-bench passes
  // unless-stopped/always because it only tests MaximumRetryCount > 5; we do not.
  const unbounded =
    want.name === 'always' ||
    want.name === 'unless-stopped' ||
    (want.name === 'on-failure' && (count === 0 || count > 5));
  return check('restart-policy', '5.15', title, policy.restart, actual, unbounded ? 'warn' : 'pass');
}

function runtimeChecks(c: unknown, policy: HardeningPolicy): Check[] {
  const state = at(c, 'State');
  const running = (bool(at(state, 'Running')) ?? false) && !(bool(at(state, 'Restarting')) ?? false);
  const stateText = `${str(at(state, 'Status')) ?? '(absent)'} ExitCode=${num(at(state, 'ExitCode')) ?? 0} RestartCount=${num(at(c, 'RestartCount')) ?? 0}`;

  const test = strings(at(c, 'Config', 'Healthcheck', 'Test'));
  const configured = test.length > 0 && test[0] !== 'NONE';
  const health = str(at(state, 'Health', 'Status'));
  const streak = num(at(state, 'Health', 'FailingStreak')) ?? 0;
  const healthText = !configured
    ? 'no Healthcheck configured'
    : `${health ?? '(no State.Health)'}${streak > 0 ? ` FailingStreak=${streak}` : ''}`;
  return [
    check('running', '-', 'Container running, not restarting', 'running', stateText, passIf(running)),
    check(
      'health',
      '5.27',
      'Health check configured and healthy',
      `healthy (within ${policy.healthTimeoutSeconds}s of start)`,
      healthText,
      passIf(configured && health === 'healthy'),
    ),
  ];
}

function imageCheck(c: unknown, expectedImageId: string | undefined): Check {
  const imageId = str(at(c, 'Image')) ?? '';
  const configImage = str(at(c, 'Config', 'Image')) ?? '';
  const title = 'Runs the built image, not a floating tag';
  if (expectedImageId !== undefined) {
    const want = expectedImageId.trim().replace(/^sha256:/, '');
    const got = imageId.replace(/^sha256:/, '');
    // Short ids (docker prints 12 hex digits) are accepted; shorter prefixes are too ambiguous.
    const ok = want !== '' && (got === want || (want.length >= 12 && got.startsWith(want)));
    return check('image-id', '5.28', title, `sha256:${want}`, show(imageId), passIf(ok));
  }
  const lastSegment = configImage.slice(configImage.lastIndexOf('/') + 1);
  const pinned = configImage.startsWith('sha256:') || configImage.includes('@sha256:');
  const floating = !pinned && (!lastSegment.includes(':') || lastSegment.endsWith(':latest'));
  return check(
    'image-id',
    '5.28',
    title,
    'an image id, digest or version tag',
    show(configImage),
    floating ? 'warn' : 'pass',
  );
}
