/**
 * Fixtures are element [0] of real `docker inspect` output from Engine 20.10.24 (cgroup v1, no
 * AppArmor), captured from a throwaway FROM-scratch busybox image with USER 1001:1001, an
 * exec-form HEALTHCHECK, 1001-owned /app/{data,config,logs} and the seed's security.* labels:
 * - hardened: exactly runArgs(DEFAULT_HARDENING, <image id>, name)
 * - seed-flags: the guide's original docker run line (no network flag), image without HEALTHCHECK, tag :latest
 * - no-flags: plain `docker run -d` of the hardened image by its :latest tag
 * - seccomp-unconfined / privileged / docker-sock: the hardened line plus
 *   `--security-opt seccomp:unconfined` / `--privileged` / `-v /var/run/docker.sock:/var/run/docker.sock`
 * - user-network (+ .network): the hardened line on `networkCreateArgs` network with internal: true
 * - ports-caps: user-network plus `--cap-add net_bind_service -p 127.0.0.1:18080:8080 -p 18081:8081/udp`
 * The hardened-line fixtures were captured before runArgs added `--memory-reservation 256m
 * --cpu-shares 1024`; their HostConfig.MemoryReservation/CpuShares carry what Engine 20.10 records
 * for those flags (268435456 and 1024, read from a container created with them).
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Check, type CheckStatus, failingChecks, verifyContainer } from '../../lib/hardening/checks/index.js';
import { DEFAULT_HARDENING, type HardeningPolicy } from '../../lib/hardening/policy.js';
import { formatChecksTable } from '../../lib/render/checks.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests mutate deep fixture paths, which is what a typed view would forbid.
type Json = Record<string, any>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/inspect/${name}.json`, import.meta.url), 'utf8')) as Json;

const ids = (checks: readonly Check[], status: CheckStatus): string[] =>
  checks
    .filter((c) => c.status === status)
    .map((c) => c.id)
    .sort();
const failed = (checks: readonly Check[]): string[] =>
  failingChecks(checks)
    .map((c) => c.id)
    .sort();
const byId = (checks: readonly Check[], id: string): Check => {
  const found = checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
};
const userNetwork = (name: string, internal = true): HardeningPolicy => ({
  ...DEFAULT_HARDENING,
  network: { mode: 'network', name, internal, icc: false, masquerade: false },
});

const real = suite('verifyContainer on real inspect output');

real('hardened: nothing fails; only the restart policy warns', () => {
  const checks = verifyContainer(fixture('hardened'), DEFAULT_HARDENING);
  assert.equal(failed(checks), [], formatChecksTable(checks));
  assert.equal(
    ids(checks, 'warn'),
    ['restart-policy'],
    'unless-stopped is what the policy asks for, but CIS 5.15 wants on-failure:5',
  );
  // apparmor: the test host has none (AppArmorProfile ""); network-isolation: network none.
  assert.equal(ids(checks, 'skip'), ['apparmor', 'network-isolation']);
  assert.is(new Set(checks.map((c) => c.id)).size, checks.length, 'ids are unique');
  for (const c of checks) assert.match(c.cis, /^(-|[45]\.\d+)$/, c.id);
});

real('hardened: the CIS ids of the main checks', () => {
  const checks = verifyContainer(fixture('hardened'), DEFAULT_HARDENING);
  const cis = Object.fromEntries(checks.map((c) => [c.id, c.cis]));
  assert.equal(
    {
      user: cis['non-root-user'],
      ro: cis['read-only-rootfs'],
      caps: cis['capabilities'],
      priv: cis['not-privileged'],
      nnp: cis['no-new-privileges'],
      seccomp: cis['seccomp'],
      pids: cis['pids-limit'],
      net: cis['network'],
      sock: cis['docker-socket'],
      health: cis['health'],
      restart: cis['restart-policy'],
      image: cis['image-id'],
    },
    {
      user: '4.1',
      ro: '5.13',
      caps: '5.4',
      priv: '5.5',
      nnp: '5.26',
      seccomp: '5.22',
      pids: '5.29',
      net: '5.30',
      sock: '5.32',
      health: '5.27',
      restart: '5.15',
      image: '5.28',
    },
  );
});

real('seed flags: fails exactly the gaps the audit observed', () => {
  const checks = verifyContainer(fixture('seed-flags'), DEFAULT_HARDENING);
  // No --network (docker0), no --pids-limit (null), no --memory-swap (2 x memory), no --tmpfs
  // (Tmpfs absent), LogConfig.Config {}, Ulimits [], no HEALTHCHECK in the image, and none of the
  // "resource reservations" the guide claims (MemoryReservation 0, CpuShares 0).
  assert.equal(
    failed(checks),
    [
      'cpu-shares',
      'health',
      'log-rotation',
      'memory-reservation',
      'memory-swap',
      'network',
      'pids-limit',
      'tmpfs',
      'ulimits',
    ].sort(),
    formatChecksTable(checks),
  );
  assert.equal(ids(checks, 'warn'), ['image-id', 'restart-policy'], ':latest tag and unless-stopped');
  assert.is(byId(checks, 'memory-swap').actual, '1073741824');
  assert.is(byId(checks, 'pids-limit').actual, 'null (unlimited)');
  assert.is(byId(checks, 'health').actual, 'no Healthcheck configured');
  assert.match(byId(checks, 'network').actual, /NetworkMode="default" Networks=\[bridge\]/);
});

real('no flags: fails read-only, caps, nnp, limits, network, volumes, restart and the read-only label', () => {
  const checks = verifyContainer(fixture('no-flags'), DEFAULT_HARDENING);
  assert.equal(
    failed(checks),
    [
      'capabilities',
      'cpu-shares',
      'cpus',
      'label-read-only',
      'log-rotation',
      'memory',
      'memory-reservation',
      'memory-swap',
      'network',
      'no-new-privileges',
      'pids-limit',
      'read-only-rootfs',
      'restart-policy',
      'tmpfs',
      'ulimits',
      'volumes',
    ].sort(),
    formatChecksTable(checks),
  );
  // The image's USER 1001:1001 applies without --user, and Docker's default seccomp profile is on.
  assert.is(byId(checks, 'non-root-user').status, 'pass');
  assert.is(byId(checks, 'seccomp').status, 'pass');
});

real('seccomp:unconfined fails 5.22 only', () => {
  const checks = verifyContainer(fixture('seccomp-unconfined'), DEFAULT_HARDENING);
  assert.equal(failed(checks), ['seccomp']);
  assert.is(byId(checks, 'seccomp').cis, '5.22');
});

real('the seccomp=unconfined spelling fails too', () => {
  const f = fixture('hardened');
  f.HostConfig.SecurityOpt = ['no-new-privileges:true', 'seccomp=unconfined'];
  assert.equal(failed(verifyContainer(f, DEFAULT_HARDENING)), ['seccomp']);
});

real('privileged fails 5.5, and caps, seccomp, devices and the label with it', () => {
  const checks = verifyContainer(fixture('privileged'), DEFAULT_HARDENING);
  // Observed: CapDrop still ["ALL"] but CapBnd full, Seccomp 0, the engine adds label=disable.
  assert.equal(failed(checks), ['capabilities', 'label-privileged', 'no-devices', 'not-privileged', 'seccomp']);
  assert.is(byId(checks, 'not-privileged').cis, '5.5');
});

real('docker.sock mount fails 5.32; the extra mount makes volumes warn', () => {
  const checks = verifyContainer(fixture('docker-sock'), DEFAULT_HARDENING);
  assert.equal(failed(checks), ['docker-socket']);
  assert.is(byId(checks, 'docker-socket').actual, '/var/run/docker.sock:/var/run/docker.sock');
  assert.is(byId(checks, 'volumes').status, 'warn');
});

real('user-defined network with its network inspect passes, ICC/NAT/internal drift fails', () => {
  const net = fixture('user-network.network');
  const policy = userNetwork(String(net['Name']));
  assert.equal(failed(verifyContainer(fixture('user-network'), policy, { networkInspect: net })), []);
  assert.is(
    byId(verifyContainer(fixture('user-network'), policy, { networkInspect: net }), 'network-isolation').status,
    'pass',
  );
  assert.is(byId(verifyContainer(fixture('user-network'), policy), 'network-isolation').status, 'skip');

  const iccOn = structuredClone(net);
  iccOn['Options'] = { 'com.docker.network.bridge.enable_ip_masquerade': 'false' };
  assert.equal(failed(verifyContainer(fixture('user-network'), policy, { networkInspect: iccOn })), [
    'network-isolation',
  ]);
  assert.equal(
    failed(verifyContainer(fixture('user-network'), userNetwork(String(net['Name']), false), { networkInspect: net })),
    ['network-isolation'],
  );
  assert.equal(failed(verifyContainer(fixture('user-network'), DEFAULT_HARDENING)), ['network'], 'policy says none');
  assert.equal(failed(verifyContainer(fixture('hardened'), policy)), ['network'], 'policy says the user network');
});

real('ports and CAP_-prefixed caps compare against the policy', () => {
  const net = fixture('user-network.network');
  const allowed: HardeningPolicy = {
    ...userNetwork(String(net['Name'])),
    capAdd: ['NET_BIND_SERVICE'],
    ports: ['127.0.0.1:18080:8080', '18081:8081/udp'],
  };
  const checks = verifyContainer(fixture('ports-caps'), allowed, { networkInspect: net });
  assert.equal(failed(checks), [], formatChecksTable(checks));
  assert.is(byId(checks, 'port-interface').status, 'warn', '18081 is bound to all interfaces');

  const strict = verifyContainer(fixture('ports-caps'), userNetwork(String(net['Name'])), { networkInspect: net });
  assert.equal(failed(strict), ['capabilities', 'published-ports']);
});

real('published ports: PASS only when none, WARN when the configured ones are published (CIS 5.9)', () => {
  const net = fixture('user-network.network');
  const configured: HardeningPolicy = {
    ...userNetwork(String(net['Name'])),
    capAdd: ['NET_BIND_SERVICE'],
    ports: ['127.0.0.1:18080:8080', '18081:8081/udp'],
  };
  const withPorts = byId(
    verifyContainer(fixture('ports-caps'), configured, { networkInspect: net }),
    'published-ports',
  );
  assert.is(withPorts.status, 'warn', withPorts.actual);
  assert.is(withPorts.cis, '5.9');
  assert.is(byId(verifyContainer(fixture('hardened'), DEFAULT_HARDENING), 'published-ports').status, 'pass');
  // Requested with no network to publish from: the engine publishes nothing, and audit says so.
  const noNetwork = fixture('ports-caps');
  noNetwork['NetworkSettings']['Ports'] = {};
  const unpublished = byId(verifyContainer(noNetwork, configured, { networkInspect: net }), 'published-ports');
  assert.match(unpublished.actual, 'requested, but the engine publishes none');
});

real('a custom seccomp profile that allows every unlisted syscall fails like seccomp=unconfined', () => {
  const f = fixture('hardened');
  f['HostConfig']['SecurityOpt'] = [
    'no-new-privileges:true',
    'seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}',
  ];
  const allowAll = byId(verifyContainer(f, DEFAULT_HARDENING), 'seccomp');
  assert.is(allowAll.status, 'fail');
  assert.match(allowAll.actual, 'defaultAction SCMP_ACT_ALLOW');
  f['HostConfig']['SecurityOpt'] = [
    'no-new-privileges:true',
    'seccomp={"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}',
  ];
  assert.is(byId(verifyContainer(f, DEFAULT_HARDENING), 'seccomp').status, 'pass');
});

real('image id: compared when given, short ids accepted', () => {
  const f = fixture('hardened');
  const id = String(f['Image']);
  for (const given of [id, id.slice('sha256:'.length), id.slice('sha256:'.length, 'sha256:'.length + 12)]) {
    assert.is(
      byId(verifyContainer(f, DEFAULT_HARDENING, { expectedImageId: given }), 'image-id').status,
      'pass',
      given,
    );
  }
  for (const given of ['sha256:0123456789ab', id.slice(7, 10), '']) {
    assert.is(
      byId(verifyContainer(f, DEFAULT_HARDENING, { expectedImageId: given }), 'image-id').status,
      'fail',
      given,
    );
  }
});

real.run();

const mutated = suite('verifyContainer on mutated copies');

mutated('label lies are detected', () => {
  const readOnlyLie = fixture('hardened');
  readOnlyLie.HostConfig.ReadonlyRootfs = false;
  assert.equal(failed(verifyContainer(readOnlyLie, DEFAULT_HARDENING)), ['label-read-only', 'read-only-rootfs']);

  const rootLie = fixture('hardened');
  rootLie.Config.User = '0:0';
  assert.equal(failed(verifyContainer(rootLie, DEFAULT_HARDENING)), ['label-non-root', 'non-root-user']);

  const privilegedLie = fixture('hardened');
  privilegedLie.HostConfig.Privileged = true;
  assert.ok(failed(verifyContainer(privilegedLie, DEFAULT_HARDENING)).includes('label-privileged'));

  const understated = fixture('hardened');
  understated.Config.Labels['security.privileged'] = 'true';
  assert.is(byId(verifyContainer(understated, DEFAULT_HARDENING), 'label-privileged').status, 'warn');

  const unlabelled = fixture('hardened');
  unlabelled.Config.Labels = {};
  const checks = verifyContainer(unlabelled, DEFAULT_HARDENING);
  assert.equal(
    ['label-non-root', 'label-read-only', 'label-privileged'].map((id) => byId(checks, id).status),
    ['skip', 'skip', 'skip'],
  );
});

mutated('null, absent and [] are read as unset, never thrown on', () => {
  const f = fixture('hardened');
  delete f.HostConfig.Tmpfs;
  f.HostConfig.CapAdd = [];
  f.HostConfig.SecurityOpt = null;
  f.HostConfig.PidsLimit = -1;
  f.HostConfig.Ulimits = null;
  f.HostConfig.LogConfig = null;
  delete f.Mounts;
  f.Config.Labels = null;
  const checks = verifyContainer(f, DEFAULT_HARDENING);
  assert.equal(failed(checks), ['log-rotation', 'no-new-privileges', 'pids-limit', 'tmpfs', 'ulimits', 'volumes']);
  assert.is(byId(checks, 'pids-limit').actual, '-1 (unlimited)');
  assert.is(byId(checks, 'capabilities').status, 'pass');
});

mutated('unreadable input gives one failing check; a one-element array is unwrapped', () => {
  for (const bad of [null, undefined, 'x', 42, []]) {
    const checks = verifyContainer(bad, DEFAULT_HARDENING);
    assert.is(checks.length, 1);
    assert.is(checks[0]!.id, 'inspect');
    assert.is(checks[0]!.status, 'fail');
  }
  assert.equal(failed(verifyContainer([fixture('hardened')], DEFAULT_HARDENING)), []);
  assert.ok(failed(verifyContainer({}, DEFAULT_HARDENING)).length > 10, 'an empty object proves nothing');
});

mutated('no-new-privileges: the last entry decides, as on the engine', () => {
  // Observed on Engine 20.10: `--security-opt no-new-privileges:true --security-opt no-new-privileges:false`
  // is stored as typed and runs with NoNewPrivs 0; the reverse order runs with NoNewPrivs 1.
  const table: ReadonlyArray<readonly [readonly string[], CheckStatus]> = [
    [['no-new-privileges:true', 'no-new-privileges:false'], 'fail'],
    [['no-new-privileges', 'no-new-privileges=false'], 'fail'],
    [['no-new-privileges:true', 'no-new-privileges:0'], 'fail'],
    [['no-new-privileges=false'], 'fail'],
    [['no-new-privileges:false', 'no-new-privileges:true'], 'pass'],
    [['no-new-privileges:true', 'apparmor=docker-default'], 'pass'],
    [['no-new-privileges=1'], 'pass'],
  ];
  for (const [opts, status] of table) {
    const f = fixture('hardened');
    f.HostConfig.SecurityOpt = [...opts];
    assert.is(byId(verifyContainer(f, DEFAULT_HARDENING), 'no-new-privileges').status, status, opts.join(' '));
  }
});

mutated('capabilities: either spelling; anything beyond the policy fails', () => {
  const f = fixture('hardened');
  f.HostConfig.CapDrop = ['all'];
  f.HostConfig.CapAdd = ['CAP_NET_BIND_SERVICE'];
  assert.is(
    byId(verifyContainer(f, { ...DEFAULT_HARDENING, capAdd: ['net_bind_service'] }), 'capabilities').status,
    'pass',
  );
  assert.is(byId(verifyContainer(f, DEFAULT_HARDENING), 'capabilities').status, 'fail');
  f.HostConfig.CapDrop = ['NET_RAW'];
  assert.is(
    byId(verifyContainer(f, { ...DEFAULT_HARDENING, capAdd: ['NET_BIND_SERVICE'] }), 'capabilities').status,
    'fail',
  );
});

mutated('host namespaces, devices and sensitive/shared mounts fail', () => {
  const f = fixture('hardened');
  Object.assign(f.HostConfig, {
    PidMode: 'host',
    IpcMode: 'host',
    UTSMode: 'host',
    UsernsMode: 'host',
    NetworkMode: 'host',
    CgroupParent: '/custom',
  });
  f.HostConfig.Devices = [{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }];
  f.Mounts.push({ Type: 'bind', Source: '/etc', Destination: '/host-etc', Mode: '', RW: true, Propagation: 'rshared' });
  f.NetworkSettings.Networks = { host: {} };
  assert.equal(failed(verifyContainer(f, DEFAULT_HARDENING)), [
    'cgroup-parent',
    'host-ipc',
    'host-network',
    'host-pid',
    'host-userns',
    'host-uts',
    'mount-propagation',
    'network',
    'no-devices',
    'sensitive-mounts',
  ]);
  const joined = fixture('hardened');
  joined.HostConfig.PidMode = 'container:abc';
  assert.is(byId(verifyContainer(joined, DEFAULT_HARDENING), 'host-pid').status, 'warn');
});

mutated('health: unhealthy, starting or disabled fail; crash loop fails running', () => {
  for (const status of ['unhealthy', 'starting']) {
    const f = fixture('hardened');
    f.State.Health.Status = status;
    assert.equal(failed(verifyContainer(f, DEFAULT_HARDENING)), ['health'], status);
  }
  const disabled = fixture('hardened');
  disabled.Config.Healthcheck = { Test: ['NONE'] };
  assert.is(byId(verifyContainer(disabled, DEFAULT_HARDENING), 'health').actual, 'no Healthcheck configured');

  // Observed crash-loop variant: exited, ExitCode 127, RestartCount 5, unhealthy.
  const loop = fixture('hardened');
  Object.assign(loop.State, { Status: 'exited', Running: false, ExitCode: 127 });
  loop.State.Health.Status = 'unhealthy';
  loop.RestartCount = 5;
  const checks = verifyContainer(loop, DEFAULT_HARDENING);
  assert.equal(failed(checks), ['health', 'running']);
  assert.is(byId(checks, 'running').actual, 'exited ExitCode=127 RestartCount=5');
});

mutated('restart policy: mismatch fails, unbounded warns, on-failure:5 passes', () => {
  const f = fixture('hardened');
  assert.is(
    byId(verifyContainer(f, { ...DEFAULT_HARDENING, restart: 'on-failure:5' }), 'restart-policy').status,
    'fail',
  );
  f.HostConfig.RestartPolicy = { Name: 'on-failure', MaximumRetryCount: 5 };
  assert.is(
    byId(verifyContainer(f, { ...DEFAULT_HARDENING, restart: 'on-failure:5' }), 'restart-policy').status,
    'pass',
  );
  f.HostConfig.RestartPolicy = { Name: 'always', MaximumRetryCount: 0 };
  assert.is(byId(verifyContainer(f, { ...DEFAULT_HARDENING, restart: 'always' }), 'restart-policy').status, 'warn');
});

mutated.run();

const format = suite('formatChecksTable / failingChecks');

format('aligned columns, RESULT words, escaped control characters', () => {
  const checks: Check[] = [
    { id: 'a', cis: '5.5', title: 't', expected: 'false', actual: 'true', status: 'fail' },
    { id: 'longer-id', cis: '-', title: 't', expected: 'x', actual: 'evil\u001b[2Jlabel\nnext', status: 'pass' },
    { id: 'w', cis: '5.15', title: 't', expected: 'on-failure:5', actual: 'always', status: 'warn' },
    { id: 's', cis: '5.2', title: 't', expected: 'p', actual: '""', status: 'skip' },
  ];
  const table = formatChecksTable(checks);
  const lines = table.split('\n');
  assert.is(lines.length, 5);
  assert.match(lines[0]!, /^CHECK\s+CIS\s+EXPECTED\s+ACTUAL\s+RESULT$/);
  assert.equal(
    lines.slice(1).map((l) => l.split(/\s+/).at(-1)),
    ['FAIL', 'PASS', 'WARN', 'SKIP'],
  );
  const resultColumn = lines[0]!.indexOf('RESULT');
  for (const l of lines) assert.is(l.search(/(PASS|FAIL|WARN|SKIP|RESULT)$/), resultColumn, l);
  assert.is(lines[1]!.indexOf('5.5'), lines[0]!.indexOf('CIS'));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that no escape survives.
  assert.not.match(table, /\u001b/);
  assert.match(table, /evil\\x1b\[2Jlabel\\x0anext/);
  assert.equal(
    failingChecks(checks).map((c) => c.id),
    ['a'],
  );
});

format.run();
