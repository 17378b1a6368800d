import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCpus, parseMemory } from '../../lib/docker/units.js';
import { DEFAULT_HARDENING, type HardeningPolicy } from '../../lib/hardening/policy.js';
import { refuseUnsafe } from '../../lib/hardening/refuse.js';
import { networkCreateArgs, runArgs } from '../../lib/hardening/run-args.js';
import { hostPathRisk, parseVolume, resolveBindSources } from '../../lib/hardening/volumes.js';
import { HARDENED_RUN_FLAGS } from '../helpers/docker.js';

const IMAGE = 'sha256:41625eafc3098ebe89ab53cd879f95997823fa65083865bf73ca2dbe1613e2c4';
const policy = (patch: Partial<Record<keyof HardeningPolicy, unknown>> & Record<string, unknown>): HardeningPolicy =>
  ({ ...DEFAULT_HARDENING, ...patch }) as HardeningPolicy;

const run = suite('runArgs');

run('default policy gives the hardened docker run line, in a fixed order', () => {
  assert.equal(runArgs(DEFAULT_HARDENING, IMAGE, 'cloudy-mc-codeface'), [
    'run',
    '-d',
    '--name',
    'cloudy-mc-codeface',
    // The flag set observed to hold on a real engine (shared with the integration tests).
    ...HARDENED_RUN_FLAGS,
    '-v',
    'cloudy_data:/app/data',
    '-v',
    'cloudy_config:/app/config',
    '-v',
    'cloudy_logs:/app/logs',
    IMAGE,
  ]);
});

run('every configured value is exactly one argv element, right after its flag', () => {
  const p = policy({
    capAdd: ['NET_BIND_SERVICE', 'CHOWN'],
    ports: ['127.0.0.1:8080:8080'],
    securityOpt: ['no-new-privileges:true', 'apparmor=docker-default'],
    ulimits: { nofile: '1024:1024', nproc: '64' },
    network: { mode: 'network', name: 'cloudy_net', internal: true, icc: false, masquerade: false },
  });
  const args = runArgs(p, IMAGE, 'c');
  const pairs = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
  assert.equal(pairs('--cap-add'), ['NET_BIND_SERVICE', 'CHOWN']);
  assert.equal(pairs('-p'), ['127.0.0.1:8080:8080']);
  assert.equal(pairs('--security-opt'), ['no-new-privileges:true', 'apparmor=docker-default']);
  assert.equal(pairs('--ulimit'), ['nofile=1024:1024', 'nproc=64']);
  assert.equal(pairs('--network'), ['cloudy_net']);
  assert.equal(pairs('-v'), [...DEFAULT_HARDENING.volumes]);
  assert.ok(args.indexOf('--cap-drop') < args.indexOf('--cap-add'), '--cap-drop ALL comes before --cap-add');
  assert.is(args.at(-1), IMAGE);
  for (const a of args) assert.not.match(a, /^\s|\s$/, `no padded element: ${JSON.stringify(a)}`);
});

run('shell metacharacters stay inside one element', () => {
  const evil = 'x; touch /tmp/pwned';
  const p = policy({ volumes: ['cloudy_data:/app/data; touch /tmp/pwned'] });
  const args = runArgs(p, `img${evil}`, evil);
  const plain = runArgs(DEFAULT_HARDENING, IMAGE, 'c');
  assert.is(args.length, plain.length - 4, 'two fewer -v pairs, nothing split');
  assert.is(args[args.indexOf('--name') + 1], evil);
  assert.is(args[args.indexOf('-v') + 1], 'cloudy_data:/app/data; touch /tmp/pwned');
  assert.is(args.at(-1), `img${evil}`);
});

run('an unsafe policy or a flag-like image id is an internal error', () => {
  assert.throws(() => runArgs(policy({ readOnly: false }), IMAGE, 'c'), /Internal error: .*readOnly/);
  assert.throws(() => runArgs(DEFAULT_HARDENING, '--privileged', 'c'), /Internal error: invalid image id/);
  assert.throws(() => runArgs(DEFAULT_HARDENING, '', 'c'), /Internal error/);
});

run('networkCreateArgs: none creates nothing; a user network has ICC and NAT off', () => {
  assert.is(networkCreateArgs(DEFAULT_HARDENING), undefined);
  const net = (internal: boolean): HardeningPolicy =>
    policy({ network: { mode: 'network', name: 'cloudy_net', internal, icc: false, masquerade: false } });
  const base = [
    'network',
    'create',
    '--driver',
    'bridge',
    '-o',
    'com.docker.network.bridge.enable_icc=false',
    '-o',
    'com.docker.network.bridge.enable_ip_masquerade=false',
  ];
  assert.equal(networkCreateArgs(net(true)), [...base, '--internal', 'cloudy_net']);
  assert.equal(networkCreateArgs(net(false)), [...base, 'cloudy_net']);
});

run.run();

const refuse = suite('refuseUnsafe');

refuse('the default policy is safe, and frozen', () => {
  assert.equal(refuseUnsafe(DEFAULT_HARDENING), []);
  assert.ok(
    Object.isFrozen(DEFAULT_HARDENING) &&
      Object.isFrozen(DEFAULT_HARDENING.volumes) &&
      Object.isFrozen(DEFAULT_HARDENING.network),
  );
});

/** [case, patch, one regex per expected problem (each must match a different line, in order)] */
const cases: ReadonlyArray<readonly [string, Record<string, unknown>, readonly RegExp[]]> = [
  [
    'seccomp colon',
    { securityOpt: ['no-new-privileges:true', 'seccomp:unconfined'] },
    [/^container\.securityOpt\[1\]: 'seccomp:unconfined' .*CIS 5\.22/],
  ],
  [
    'seccomp equals',
    { securityOpt: ['seccomp=unconfined', 'no-new-privileges'] },
    [/securityOpt\[0\]: 'seccomp=unconfined'/],
  ],
  [
    'seccomp custom profile is fine',
    { securityOpt: ['no-new-privileges=true', 'seccomp=/etc/cloudy/seccomp.json'] },
    [],
  ],
  [
    'apparmor unconfined',
    { securityOpt: ['no-new-privileges:true', 'apparmor=unconfined'] },
    [/securityOpt\[1\]: .*AppArmor/],
  ],
  ['apparmor colon', { securityOpt: ['no-new-privileges:true', 'apparmor:unconfined'] }, [/AppArmor/]],
  ['selinux disabled', { securityOpt: ['no-new-privileges:true', 'label=disable'] }, [/SELinux/]],
  [
    'nnp missing',
    { securityOpt: [] },
    [/^container\.securityOpt: no-new-privileges is missing .*add 'no-new-privileges:true'/],
  ],
  [
    'nnp false',
    { securityOpt: ['no-new-privileges:false'] },
    [
      /^container\.securityOpt\[0\]: 'no-new-privileges:false' turns no-new-privileges off/,
      /no-new-privileges is missing/,
    ],
  ],
  // The engine applies the last entry: this pair runs with NoNewPrivs 0 (observed on Engine 20.10).
  [
    'nnp true then false',
    { securityOpt: ['no-new-privileges:true', 'no-new-privileges:false'] },
    [/^container\.securityOpt\[1\]: 'no-new-privileges:false' turns no-new-privileges off.*CIS 5\.26.*remove it/],
  ],
  [
    'nnp false first is refused too',
    { securityOpt: ['no-new-privileges=false', 'no-new-privileges'] },
    [/securityOpt\[0\]: 'no-new-privileges=false'/],
  ],
  [
    'nnp 0 is false to the engine',
    { securityOpt: ['no-new-privileges:true', 'no-new-privileges:0'] },
    [/securityOpt\[1\]: 'no-new-privileges:0' turns/],
  ],
  [
    'nnp invalid value',
    { securityOpt: ['no-new-privileges:yes'] },
    [/securityOpt\[0\]: 'no-new-privileges:yes' is not a valid/, /missing/],
  ],
  ['nnp spellings the engine reads as true', { securityOpt: ['no-new-privileges=1', 'no-new-privileges:True'] }, []],
  ['cap SYS_ADMIN', { capAdd: ['SYS_ADMIN'] }, [/^container\.capAdd\[0\]: 'SYS_ADMIN' is not in the allowlist/]],
  ['cap ALL', { capAdd: ['all'] }, [/capAdd\[0\]: 'ALL' undoes --cap-drop ALL/]],
  ['cap NET_ADMIN with prefix', { capAdd: ['CAP_NET_ADMIN'] }, [/'CAP_NET_ADMIN'/]],
  ['cap SYS_PTRACE', { capAdd: ['NET_BIND_SERVICE', 'sys_ptrace'] }, [/capAdd\[1\]: 'sys_ptrace'/]],
  ['cap NET_RAW', { capAdd: ['NET_RAW'] }, [/NET_RAW/]],
  ['cap DAC_OVERRIDE', { capAdd: ['DAC_OVERRIDE'] }, [/DAC_OVERRIDE/]],
  ['allowlisted caps in any spelling', { capAdd: ['NET_BIND_SERVICE', 'cap_chown', 'SETUID', 'setgid'] }, []],
  [
    'docker.sock',
    { volumes: ['/var/run/docker.sock:/var/run/docker.sock'] },
    [/^container\.volumes\[0\]: .*Docker socket.*CIS 5\.32/],
  ],
  [
    '/run/docker.sock',
    { volumes: ['cloudy_data:/app/data', '/run/docker.sock:/sock:ro'] },
    [/volumes\[1\]: .*Docker socket/],
  ],
  ['socket directory', { volumes: ['/var/run:/host-run'] }, [/Docker socket/]],
  ['host root', { volumes: ['/:/host'] }, [/sensitive host path '\/' \(CIS 5\.6\)/]],
  ['/etc read-only is still refused', { volumes: ['/etc:/host-etc:ro'] }, [/sensitive host path '\/etc'/]],
  ['trailing slash', { volumes: ['/etc/:/x'] }, [/sensitive/]],
  [
    'below a sensitive dir',
    { volumes: ['/usr/lib:/x', '/proc/1:/p', '/sys:/s', '/boot:/b', '/dev/sda:/d', '/lib:/l'] },
    [/\[0\]/, /\[1\]/, /\[2\]/, /\[3\]/, /\[4\]/, /\[5\]/],
  ],
  [
    'unresolved parent-relative bind',
    { volumes: ['../../../../etc:/hostetc'] },
    [
      /^container\.volumes\[0\]: '\.\.\/\.\.\/\.\.\/\.\.\/etc:\/hostetc' binds the relative host path .*absolute host path or a named volume/,
    ],
  ],
  [
    'unresolved relative binds',
    { volumes: ['./config:/app/config:ro', '~/data:/d', 'data/dir:/x', '.:/src'] },
    [/\[0\]: .*relative/, /\[1\]: .*relative/, /\[2\]: .*relative/, /\[3\]: .*relative/],
  ],
  ['ordinary host dir is allowed', { volumes: ['/srv/cloudy/data:/app/data', 'cloudy_logs:/app/logs'] }, []],
  ['malformed volume', { volumes: ['cloudy_data'] }, [/volumes\[0\]: 'cloudy_data' is not 'source:\/target/]],
  ['root uid', { user: '0' }, [/^container\.user: '0' runs as root/]],
  ['root uid and gid', { user: '0:0' }, [/runs as root/]],
  ['root by name', { user: 'root' }, [/not a numeric uid/]],
  ['any name', { user: 'appuser' }, [/'appuser' is not a numeric uid/]],
  ['named group', { user: '1001:appgroup' }, [/not a numeric uid/]],
  ['empty user', { user: '' }, [/not a numeric uid/]],
  ['bare uid is fine', { user: '1001' }, []],
  ['writable root', { readOnly: false }, [/^container\.readOnly: .*CIS 5\.13/]],
  ['swap above memory', { memorySwap: '1g' }, [/^container\.memorySwap: '1g' must equal memory '512m'/]],
  ['swap unlimited', { memorySwap: '-1' }, [/memorySwap: '-1'/]],
  ['same size, other spelling', { memorySwap: '536870912' }, []],
  ['unparsable memory', { memory: 'lots' }, [/^container\.memory: 'lots'/, /memorySwap/]],
  ['zero memory', { memory: '0', memorySwap: '0' }, [/container\.memory: '0'/]],
  [
    'a reservation above the limit',
    { memoryReservation: '1g' },
    [/container\.memoryReservation: '1g' is above memory '512m'/],
  ],
  ['a CPU weight docker refuses', { cpuShares: 1 }, [/container\.cpuShares: 1 is not a CPU weight docker accepts/]],
  ['pids 0', { pidsLimit: 0 }, [/^container\.pidsLimit: 0 means unlimited/]],
  ['pids -1', { pidsLimit: -1 }, [/pidsLimit: -1/]],
  ['pids fraction', { pidsLimit: 1.5 }, [/pidsLimit: 1.5/]],
  ['cpus garbage', { cpus: 'many' }, [/^container\.cpus: 'many'/]],
  ['cpus zero', { cpus: '0' }, [/container\.cpus: '0'/]],
  ['network host', { network: { mode: 'host' } }, [/^container\.network\.mode: 'host' is not allowed/]],
  ['network bridge', { network: { mode: 'bridge' } }, [/network\.mode: 'bridge'/]],
  [
    'named default bridge',
    { network: { mode: 'network', name: 'bridge', internal: false, icc: false, masquerade: false } },
    [/network\.name: 'bridge' is not a user-defined network/],
  ],
  [
    'named host',
    { network: { mode: 'network', name: 'host', internal: false, icc: false, masquerade: false } },
    [/network\.name: 'host'/],
  ],
  [
    'container namespace',
    { network: { mode: 'network', name: 'container:db', internal: false, icc: false, masquerade: false } },
    [/'container:db'/],
  ],
  [
    'icc on',
    { network: { mode: 'network', name: 'cloudy_net', internal: true, icc: true, masquerade: false } },
    [/network\.icc/],
  ],
  [
    'user network is fine',
    { network: { mode: 'network', name: 'cloudy_net', internal: true, icc: false, masquerade: false } },
    [],
  ],
  ['privileged key smuggled in', { privileged: true }, [/^container\.privileged: not supported on purpose/]],
  ['host pid smuggled in', { pid: 'host' }, [/^container\.pid: not supported on purpose/]],
];

for (const [name, patch, expected] of cases) {
  refuse(name, () => {
    const problems = refuseUnsafe(policy(patch));
    assert.is(problems.length, expected.length, `problems:\n${problems.join('\n')}`);
    expected.forEach((re, i) => {
      assert.match(problems[i]!, re);
    });
    for (const p of problems) assert.not.match(p, /\n/, 'one line each');
  });
}

refuse('reports every problem in one run', () => {
  const problems = refuseUnsafe(
    policy({
      user: 'root',
      readOnly: false,
      pidsLimit: 0,
      capAdd: ['SYS_ADMIN'],
      securityOpt: ['seccomp:unconfined'],
      volumes: ['/var/run/docker.sock:/s'],
    }),
  );
  assert.is(problems.length, 7, problems.join('\n'));
});

refuse.run();

const units = suite('units and host paths');

units('parseMemory follows docker (binary units, any spelling)', () => {
  const table: ReadonlyArray<readonly [string, number | undefined]> = [
    ['512m', 536870912],
    ['512M', 536870912],
    ['512mb', 536870912],
    ['512MiB', 536870912],
    ['1g', 1073741824],
    ['1.5g', 1610612736],
    ['64k', 65536],
    ['100b', 100],
    ['100', 100],
    ['0', 0],
    ['-1', undefined],
    ['', undefined],
    ['m', undefined],
    ['1x', undefined],
    ['1.2.3m', undefined],
  ];
  for (const [text, bytes] of table) assert.is(parseMemory(text), bytes, text);
});

units('parseCpus is exact to the nanosecond', () => {
  const table: ReadonlyArray<readonly [string, number | undefined]> = [
    ['1.0', 1e9],
    ['1', 1e9],
    ['0.5', 5e8],
    ['0.1', 1e8],
    ['2.000000001', 2000000001],
    ['.5', undefined],
    ['0', undefined],
    ['-1', undefined],
    ['1.0000000001', undefined],
    ['abc', undefined],
  ];
  for (const [text, nanos] of table) assert.is(parseCpus(text), nanos, text);
});

units('hostPathRisk', () => {
  assert.is(hostPathRisk('/var/run/docker.sock'), 'docker-socket');
  assert.is(hostPathRisk('/var/lib/docker'), 'docker-socket');
  assert.is(hostPathRisk('/etc/../etc/passwd'), 'sensitive');
  assert.is(hostPathRisk('/'), 'sensitive');
  assert.is(hostPathRisk('/library'), undefined, '/lib is a path prefix only at a separator');
  assert.is(hostPathRisk('/var/lib/docker/volumes/cloudy_data/_data'), undefined);
  assert.is(hostPathRisk('/srv/data'), undefined);
});

units('parseVolume: like the Docker CLI, ., ~ and / mark a host path', () => {
  const bind = (spec: string): boolean | undefined => parseVolume(spec)?.bind;
  for (const spec of [
    '/srv/x:/x',
    '../../../../etc:/hostetc',
    './config:/c:ro',
    '.:/src',
    '~/x:/x',
    '~:/h',
    'data/dir:/x',
  ]) {
    assert.is(bind(spec), true, spec);
  }
  for (const spec of ['cloudy_data:/app/data', 'my-vol.1:/x:ro']) assert.is(bind(spec), false, spec);
  assert.equal(parseVolume('./config:/app/config:ro'), {
    source: './config',
    target: '/app/config',
    options: 'ro',
    bind: true,
  });
});

units.run();

const resolveSuite = suite<{ dir: string }>('resolveBindSources', { dir: '' });

resolveSuite.before.each((context) => {
  context.dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'cloudy-hardening-')));
});
resolveSuite.after.each(({ dir }) => {
  rmSync(dir, { recursive: true, force: true });
});

const resolvedVolumes = (volumes: string[], projectDir: string): readonly string[] =>
  resolveBindSources(policy({ volumes }), projectDir).volumes;

resolveSuite('a parent-relative path from a deep project dir reaching /etc is refused as sensitive', ({ dir }) => {
  const project = path.join(dir, 'a', 'b', 'c', 'd', 'e');
  mkdirSync(project, { recursive: true });
  const up = path.relative(project, '/etc'); // ../../../../…/etc
  assert.ok(up.startsWith('../../../../') && up.endsWith('/etc'), up);
  const resolved = resolveBindSources(policy({ volumes: [`${up}:/x`] }), project);
  assert.equal(resolved.volumes, [`${realpathSync('/etc')}:/x`]);
  const problems = refuseUnsafe(resolved);
  assert.is(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^container\.volumes\[0\]: .*sensitive host path '\/etc' \(CIS 5\.6\)/);
  // Clamped at /: more '..' than the depth still lands on /etc.
  assert.equal(resolvedVolumes(['../../../../../../../../../../../../etc:/x'], project), ['/etc:/x']);
});

resolveSuite('symlinks to docker.sock or /etc are followed and refused', ({ dir }) => {
  symlinkSync('/var/run/docker.sock', path.join(dir, 'sock')); // dangling or not: followed either way
  symlinkSync('/etc', path.join(dir, 'etc-link'));
  const resolved = resolveBindSources(
    policy({
      volumes: [
        './sock:/var/run/docker.sock',
        './etc-link:/e:ro',
        `${dir}/etc-link/ssl:/s`,
        './etc-link/not-there-yet:/n',
      ],
    }),
    dir,
  );
  const problems = refuseUnsafe(resolved);
  assert.is(problems.length, 4, problems.join('\n'));
  assert.match(problems[0]!, /volumes\[0\]: .*Docker socket/);
  assert.match(problems[1]!, /volumes\[1\]: .*sensitive host path '\/etc'/);
  assert.match(problems[2]!, /volumes\[2\]: .*sensitive host path '\/etc\/ssl'/);
  assert.match(problems[3]!, /volumes\[3\]: .*sensitive host path '\/etc\/not-there-yet'/);
  assert.match(resolved.volumes[1]!, /:\/e:ro$/, 'options are kept');
});

resolveSuite('a dangling symlink chain to /etc is followed', ({ dir }) => {
  symlinkSync(path.join(dir, 'hop2'), path.join(dir, 'hop1'));
  symlinkSync('/etc/cloudy-does-not-exist', path.join(dir, 'hop2'));
  assert.equal(resolvedVolumes(['./hop1:/x'], dir), ['/etc/cloudy-does-not-exist:/x']);
});

resolveSuite('a project-relative bind becomes absolute and is allowed; named volumes are untouched', ({ dir }) => {
  mkdirSync(path.join(dir, 'config'));
  const input = policy({
    volumes: ['./config:/app/config:ro', 'data/new:/app/data', 'cloudy_logs:/app/logs', 'malformed'],
    privileged: true,
  });
  const resolved = resolveBindSources(input, dir);
  assert.equal(resolved.volumes, [
    `${dir}/config:/app/config:ro`,
    `${dir}/data/new:/app/data`,
    'cloudy_logs:/app/logs',
    'malformed',
  ]);
  assert.is(
    (resolved as unknown as Record<string, unknown>)['privileged'],
    true,
    'other keys are kept for refuseUnsafe',
  );
  assert.equal(input.volumes[0], './config:/app/config:ro', 'the input is not mutated');
  const ok = resolveBindSources(policy({ volumes: ['./config:/app/config:ro', 'cloudy_data:/app/data'] }), dir);
  assert.equal(refuseUnsafe(ok), []);
  assert.equal(resolveBindSources(DEFAULT_HARDENING, dir).volumes, DEFAULT_HARDENING.volumes);
});

resolveSuite('~ is the home directory', ({ dir }) => {
  const home = realpathSync(homedir());
  assert.equal(resolvedVolumes(['~/.cloudy-test-not-there:/x', '~:/h'], dir), [
    `${home}/.cloudy-test-not-there:/x`,
    `${home}:/h`,
  ]);
});

resolveSuite.run();
