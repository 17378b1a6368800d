/**
 * compose-audit's reading of the effective config and its judgement, unit level. The v1 shape is
 * what docker-compose 1.29 printed here (`512m`, short volume strings); the v2 shape follows
 * compose-go's types (bytes as strings, long-form volumes and ports: types.UnitBytes,
 * ServiceVolumeConfig, ServicePortConfig), since no compose v2 is installed on the test machines.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { auditCompose, type ComposeFinding } from '../../lib/compose/audit.js';
import { activeServices, readEffectiveConfig } from '../../lib/compose/effective.js';
import { generateCompose } from '../../lib/compose/generate.js';
import { resolveConfig } from '../../lib/config/resolve.js';

const V1 = { appliesDeployResources: false, tool: 'docker-compose 1.29.2' };
const V2 = { appliesDeployResources: true, tool: 'docker compose 2.29.1' };
const audit = (raw: unknown, ctx = V1) => auditCompose(readEffectiveConfig(raw), ctx);
const status = (findings: readonly ComposeFinding[], id: string, service?: string) =>
  findings.find((f) => f.id === id && (service === undefined || f.service === service))?.status;
const failing = (findings: readonly ComposeFinding[]) => findings.filter((f) => f.status === 'fail').map((f) => f.id);

/** The guide's snippet as docker-compose 1.29 prints it (`docker-compose config`). */
const GUIDE_V1 = {
  services: {
    'cloudy-mc-codeface': {
      deploy: { resources: { limits: { cpus: 1.0, memory: '512M' } } },
      image: 'cloudy-mc-codeface:latest',
      read_only: true,
      security_opt: ['no-new-privileges:true', 'seccomp:unconfined'],
      volumes: ['cloudy_data:/app/data:rw'],
    },
  },
  version: '3.9',
};

const Read = suite('compose-audit: effective config, v1 and v2 spellings');

Read('v1 and v2 spellings of the same service read the same', () => {
  const v1 = readEffectiveConfig({
    services: {
      app: {
        mem_limit: '512m',
        memswap_limit: '512m',
        cpus: 1.0,
        pids_limit: 64,
        volumes: ['cloudy_data:/app/data:rw', '/srv/x:/x:ro'],
        ports: ['127.0.0.1:8080:80/tcp', 9000],
        labels: { a: 'b' },
        networks: ['net'],
        read_only: true,
      },
    },
  }).services[0]!;
  const v2 = readEffectiveConfig({
    name: 'p',
    services: {
      app: {
        mem_limit: '536870912',
        memswap_limit: '536870912',
        cpus: 1,
        pids_limit: 64,
        volumes: [
          { type: 'volume', source: 'cloudy_data', target: '/app/data', volume: {} },
          { type: 'bind', source: '/srv/x', target: '/x', read_only: true, bind: { create_host_path: true } },
        ],
        ports: [
          { mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'tcp' },
          { mode: 'ingress', target: 9000, protocol: 'tcp' },
        ],
        labels: ['a=b'],
        networks: { net: null },
        read_only: 'true',
      },
    },
  }).services[0]!;
  for (const s of [v1, v2]) {
    assert.is(s.memLimit, 536870912);
    assert.is(s.memswapLimit, 536870912);
    assert.is(s.nanoCpus, 1e9);
    assert.is(s.pidsLimit, 64);
    assert.is(s.readOnly, true);
    assert.equal(s.labels, { a: 'b' });
    assert.equal(s.networks, ['net']);
    assert.equal(s.mounts, [
      { type: 'volume', source: 'cloudy_data', target: '/app/data', readOnly: false },
      { type: 'bind', source: '/srv/x', target: '/x', readOnly: true },
    ]);
    assert.equal(s.ports, [
      { hostIp: '127.0.0.1', published: '8080', target: '80', protocol: 'tcp' },
      { hostIp: '', published: '', target: '9000', protocol: 'tcp' },
    ]);
  }
});

Read('profiles select like compose: no profiles always, else one of the active ones', () => {
  const config = readEffectiveConfig({
    services: { a: {}, b: { profiles: ['development'] }, c: { profiles: ['ollama'] } },
  });
  assert.equal(
    activeServices(config, ['development']).map((s) => s.name),
    ['a', 'b'],
  );
  assert.equal(
    activeServices(config, ['development', 'ollama']).map((s) => s.name),
    ['a', 'b', 'c'],
  );
});

const Judge = suite('compose-audit: findings');

Judge("the guide's compose snippet fails, seccomp first among its failures, naming the guide", () => {
  const findings = audit(GUIDE_V1);
  assert.equal(failing(findings), ['capabilities', 'seccomp', 'memory', 'memory-swap', 'cpus', 'pids-limit']);
  const seccomp = findings.find((f) => f.id === 'seccomp')!;
  assert.is(seccomp.cis, '5.22');
  assert.match(seccomp.actual, "the security guide's own compose file has seccomp:unconfined");
  assert.match(findings.find((f) => f.id === 'memory')!.actual, /ignored by docker-compose 1\.29\.2/);
  assert.is(status(findings, 'read-only-rootfs'), 'pass');
  assert.is(status(findings, 'no-new-privileges'), 'pass');
  assert.is(status(findings, 'non-root-user'), 'warn', "no user: the image's USER applies");
});

Judge('deploy.resources alone: fails under compose v1, which ignores it; warns under v2, which applies it', () => {
  const onlyDeploy = {
    services: {
      app: { deploy: { resources: { limits: { memory: '536870912', cpus: '1.0', pids: 64 } } }, memswap_limit: '512m' },
    },
  };
  const v1 = audit(onlyDeploy, V1);
  assert.is(status(v1, 'memory'), 'fail');
  assert.is(status(v1, 'cpus'), 'fail');
  assert.is(status(v1, 'pids-limit'), 'fail');
  assert.is(status(v1, 'memory-swap'), 'fail', 'no memory limit applies, so swap is not capped either');
  const v2 = audit(onlyDeploy, V2);
  assert.is(status(v2, 'memory'), 'warn');
  assert.match(v2.find((f) => f.id === 'memory')!.actual, 'compose v1 would ignore it');
  assert.is(status(v2, 'memory-swap'), 'pass');
  assert.is(status(v2, 'pids-limit'), 'warn');
});

Judge('each weakening is flagged with its CIS id', () => {
  const findings = audit({
    services: {
      bad: {
        privileged: true,
        user: '0:0',
        network_mode: 'host',
        pid: 'host',
        ipc: 'host',
        userns_mode: 'host',
        cap_add: ['SYS_ADMIN'],
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true', 'no-new-privileges:false', 'apparmor:unconfined', 'label:disable'],
        devices: ['/dev/sda:/dev/sda'],
        volumes: ['/var/run/docker.sock:/var/run/docker.sock', '/etc:/host-etc:ro'],
        ports: ['80:80'],
        healthcheck: { disable: true },
      },
    },
  });
  const cis = Object.fromEntries(findings.filter((f) => f.status !== 'pass').map((f) => [f.id, [f.cis, f.status]]));
  assert.equal(cis, {
    'non-root-user': ['4.1', 'fail'],
    'read-only-rootfs': ['5.13', 'fail'],
    capabilities: ['5.4', 'fail'],
    'not-privileged': ['5.5', 'fail'],
    'no-new-privileges': ['5.26', 'fail'],
    seccomp: ['5.22', 'fail'],
    apparmor: ['5.2', 'fail'],
    selinux: ['5.3', 'fail'],
    memory: ['5.11', 'fail'],
    'memory-swap': ['5.11', 'fail'],
    cpus: ['5.12', 'fail'],
    'pids-limit': ['5.29', 'fail'],
    'host-network': ['5.10', 'fail'],
    network: ['5.30', 'fail'],
    'host-pid': ['5.16', 'fail'],
    'host-ipc': ['5.17', 'fail'],
    'host-userns': ['5.31', 'fail'],
    'no-devices': ['5.18', 'fail'],
    'sensitive-mounts': ['5.6', 'fail'],
    'docker-socket': ['5.32', 'fail'],
    'published-ports': ['5.9', 'warn'],
    'privileged-ports': ['5.8', 'warn'],
    'port-interface': ['5.14', 'warn'],
    ulimits: ['5.19', 'warn'],
    'log-rotation': ['-', 'warn'],
    health: ['5.27', 'fail'],
  });
  assert.match(findings.find((f) => f.id === 'seccomp')!.actual, 'privileged');
});

Judge('the generated file passes: no failing check, in any service, under v1 or v2', () => {
  for (const network of ['none', { name: 'cloudy_net', internal: true }] as const) {
    const { document } = generateCompose(resolveConfig({ container: { network } }, '/srv/cloudy-mc-codeface'), {
      test: ['CMD', '/app/cloudy', 'healthcheck'],
    });
    const withNetworks = document as { services: object; networks?: object };
    for (const ctx of [V1, V2]) {
      const findings = auditCompose(readEffectiveConfig(withNetworks), ctx);
      assert.equal(failing(findings), [], JSON.stringify(findings.filter((f) => f.status === 'fail')));
      assert.equal([...new Set(findings.map((f) => f.service))], ['cloudy-mc-codeface', 'ollama']);
    }
  }
});

Read.run();
Judge.run();
