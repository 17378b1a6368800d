/**
 * compose-file's generator, unit level: the document validates against the Compose
 * Specification's schema (2021 and current), carries every hardening key deploy-secure applies
 * (translated from the very runArgs argv, so a flag without a compose key fails here), uses the
 * limit keys both compose versions apply, never disables seccomp, and changes its config hash
 * exactly when the config or the Dockerfile's HEALTHCHECK changes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateCompose } from '../../lib/compose/generate.js';
import { healthcheckFromDockerfile } from '../../lib/compose/healthcheck.js';
import { CONFIG_HASH_LABEL } from '../../lib/compose/labels.js';
import { serviceFromRunArgs } from '../../lib/compose/service.js';
import type { Config } from '../../lib/config/input.js';
import { resolveConfig } from '../../lib/config/resolve.js';
import { parseDockerfile } from '../../lib/docker/dockerfile.js';
import { LABELS, projectId } from '../../lib/docker/labels.js';
import { DEFAULT_HARDENING, type HardeningPolicy } from '../../lib/hardening/policy.js';
import { runArgs } from '../../lib/hardening/run-args.js';
import { validateCompose } from '../helpers/compose-schema.js';

const HEALTH = healthcheckFromDockerfile(
  parseDockerfile('FROM scratch\nHEALTHCHECK --interval=2s --retries=3 CMD ["/app/cloudy", "healthcheck"]\n'),
);
const generate = (config: Config = {}) => generateCompose(resolveConfig(config, '/srv/cloudy-mc-codeface'), HEALTH);
type Service = Record<string, unknown> & { labels: Record<string, string> };
const services = (config: Config = {}) => generate(config).document['services'] as Record<string, Service>;

const Gen = suite('compose-file: generated document');

const CONFIGS: readonly [string, Config][] = [
  ['the defaults', {}],
  [
    'a user-defined internal network, ports, capabilities, a bind mount, CIS restart',
    {
      container: {
        network: { name: 'cloudy_net', internal: true },
        ports: ['127.0.0.1:8080:8080'],
        capAdd: ['NET_BIND_SERVICE'],
        volumes: ['cloudy_data:/app/data', '/srv/cloudy/config:/app/config:ro'],
        restart: 'on-failure:5',
        ulimits: { nofile: '1024:1024', nproc: '64' },
        memory: '1g',
        cpus: 0.5,
      },
      dev: { project: 'other-dev', service: 'app', ollama: { memory: '2g', cpus: 1, pidsLimit: 128 } },
    },
  ],
  [
    'container.env and container.envFile (issue 14)',
    { container: { env: { LOG_LEVEL: 'info' }, envFile: '.env.app' } },
  ],
];

for (const [what, config] of CONFIGS) {
  Gen(`validates against the compose-spec schemas: ${what}`, () => {
    assert.equal(validateCompose(generate(config).document), []);
  });
}

Gen('the schema check can fail: a misspelt key and a bad duration are reported', () => {
  const { document } = generate();
  const broken = structuredClone(document) as { services: Record<string, Record<string, unknown>> };
  const app = broken.services['cloudy-mc-codeface']!;
  app['mem_limt'] = '512m';
  app['healthcheck'] = { ...(app['healthcheck'] as object), interval: 'two seconds' };
  const problems = validateCompose(broken);
  assert.ok(
    problems.some((p) => p.includes('mem_limt')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('duration')),
    problems.join('\n'),
  );
});

Gen('the app service carries every hardening setting of the policy, with keys compose v1 applies', () => {
  const app = services()['cloudy-mc-codeface']!;
  assert.equal(app['profiles'], ['development']);
  assert.is(app['image'], 'cloudy-mc-codeface:latest');
  assert.is(app['user'], '1001:1001');
  assert.is(app['read_only'], true);
  assert.equal(app['cap_drop'], ['ALL']);
  assert.equal(app['security_opt'], ['no-new-privileges:true']);
  assert.is(app['mem_limit'], '512m');
  assert.is(app['memswap_limit'], '512m');
  assert.is(app['cpus'], 1);
  assert.is(app['pids_limit'], 64);
  assert.is(app['network_mode'], 'none');
  assert.equal(app['tmpfs'], ['/tmp:rw,noexec,nosuid,nodev,size=16m']);
  assert.equal(app['ulimits'], { nofile: { soft: 1024, hard: 1024 } });
  assert.equal(app['logging'], { options: { 'max-size': '10m', 'max-file': '3' } });
  // Named after the project (its directory here), so two projects never share a volume.
  assert.equal(app['volumes'], [
    'cloudy-mc-codeface_data:/app/data',
    'cloudy-mc-codeface_config:/app/config',
    'cloudy-mc-codeface_logs:/app/logs',
  ]);
  assert.is(app['restart'], 'unless-stopped');
  assert.equal(app['healthcheck'], { test: ['CMD', '/app/cloudy', 'healthcheck'], interval: '2s', retries: 3 });
  assert.is(app.labels[LABELS.project], projectId('/srv/cloudy-mc-codeface', 'cloudy-mc-codeface'));
  assert.match(app.labels[CONFIG_HASH_LABEL]!, /^[0-9a-f]{64}$/);
  // Never a name: the dev container must not take the deployed service's name.
  assert.not.ok('container_name' in app);
  // No deploy.resources: compose v1 ignores it, and mem_limit & co. already say it.
  assert.not.ok('deploy' in app);
  const doc = generate().document;
  assert.equal(Object.keys(doc['volumes'] as object), [
    'cloudy-mc-codeface_data',
    'cloudy-mc-codeface_config',
    'cloudy-mc-codeface_logs',
    'ollama_models',
  ]);
  assert.not.ok('networks' in doc, 'network_mode none needs no network');
});

Gen('no generated service ever disables seccomp, AppArmor, or no-new-privileges', () => {
  for (const [, config] of CONFIGS)
    for (const [name, s] of Object.entries(services(config))) {
      const opts = (s['security_opt'] as string[]) ?? [];
      assert.not.ok(
        opts.some((o) => /unconfined|no-new-privileges[:=]false/i.test(o)),
        `${name}: ${opts}`,
      );
      assert.ok(opts.includes('no-new-privileges:true'), name);
      assert.not.ok(s['privileged'], name);
    }
});

Gen('a user-defined network becomes an internal compose network with ICC and NAT off', () => {
  const { document } = generate(CONFIGS[1]![1]);
  assert.equal(document['networks'], {
    cloudy_net: {
      driver: 'bridge',
      internal: true,
      driver_opts: {
        'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.enable_ip_masquerade': 'false',
      },
    },
  });
  const s = services(CONFIGS[1]![1]);
  assert.equal(s['app']!['networks'], ['cloudy_net']);
  assert.equal(s['ollama']!['networks'], ['cloudy_net'], 'ollama joins the app network');
  assert.equal(s['app']!['ports'], ['127.0.0.1:8080:8080']);
  assert.equal(s['app']!['cap_add'], ['NET_BIND_SERVICE']);
  assert.equal(s['app']!['ulimits'], { nofile: { soft: 1024, hard: 1024 }, nproc: 64 });
  assert.is(s['app']!['restart'], 'on-failure:5');
  assert.is(s['app']!['cpus'], 0.5);
  assert.equal(Object.keys(document['volumes'] as object), ['cloudy_data', 'ollama_models'], 'a bind is not declared');
});

Gen('ollama is an optional profile, hardened like the app, with its own sizes', () => {
  const ai = services(CONFIGS[1]![1])['ollama']!;
  assert.equal(ai['profiles'], ['ollama']);
  assert.is(ai['image'], 'ollama/ollama:0.5.7');
  assert.is(ai['user'], '1001:1001');
  assert.is(ai['read_only'], true);
  assert.equal(ai['cap_drop'], ['ALL']);
  assert.not.ok('cap_add' in ai, 'the app allowlist is not inherited');
  assert.not.ok('ports' in ai);
  assert.is(ai['mem_limit'], '2g');
  assert.is(ai['memswap_limit'], '2g');
  assert.is(ai['cpus'], 1);
  assert.is(ai['pids_limit'], 128);
  assert.equal(ai['volumes'], ['ollama_models:/models']);
  assert.equal((ai['healthcheck'] as { test: string[] }).test, ['CMD', 'ollama', 'list']);
  assert.is(ai.labels[LABELS.project], projectId('/srv/cloudy-mc-codeface', 'cloudy-mc-codeface'));
});

Gen('the config hash changes with the config and the Dockerfile health check, and only then', () => {
  const hash = (g: ReturnType<typeof generate>) => g.services.map((s) => s.hash);
  assert.equal(hash(generate()), hash(generate()), 'stable');
  assert.is.not(hash(generate({ container: { pidsLimit: 65 } }))[0], hash(generate())[0]);
  const other = generateCompose(resolveConfig({}, '/srv/cloudy-mc-codeface'), undefined);
  assert.is.not(other.services[0]!.hash, hash(generate())[0], 'a different HEALTHCHECK');
  assert.is(other.services[1]!.hash, hash(generate())[1], 'ollama does not depend on the app Dockerfile');
  assert.match(other.notes.join('\n'), /no usable HEALTHCHECK/);
});

const Translate = suite('compose-file: docker run argv to compose keys');

const IMAGE = 'cloudy-mc-codeface:latest';

Translate('every flag runArgs emits for a rich policy is translated, none dropped', () => {
  const policy: HardeningPolicy = {
    ...DEFAULT_HARDENING,
    capAdd: ['CHOWN'],
    ports: ['127.0.0.1:8443:8443/tcp'],
    securityOpt: ['no-new-privileges:true', 'apparmor=docker-default'],
    network: { mode: 'network', name: 'net1', internal: false, icc: false, masquerade: false },
  };
  const argv = runArgs(policy, IMAGE, 'svc');
  const { service, namedVolumes, network } = serviceFromRunArgs(argv);
  // Each flag's value, read back from the compose key it became.
  const KEY: Record<string, (s: Record<string, unknown>) => unknown[]> = {
    '--user': (s) => [s['user']],
    '--tmpfs': (s) => s['tmpfs'] as unknown[],
    '--security-opt': (s) => s['security_opt'] as unknown[],
    '--cap-drop': (s) => s['cap_drop'] as unknown[],
    '--cap-add': (s) => s['cap_add'] as unknown[],
    '--memory': (s) => [s['mem_limit']],
    '--memory-swap': (s) => [s['memswap_limit']],
    '--cpus': (s) => [String(s['cpus']) === '1' ? '1.0' : String(s['cpus'])],
    '--pids-limit': (s) => [String(s['pids_limit'])],
    '--memory-reservation': (s) => [s['mem_reservation']],
    '--cpu-shares': (s) => [String(s['cpu_shares'])],
    '--restart': (s) => [s['restart']],
    '--network': (s) => s['networks'] as unknown[],
    '--ulimit': (s) =>
      Object.entries(s['ulimits'] as Record<string, { soft: number; hard: number }>).map(
        ([k, v]) => `${k}=${v.soft}:${v.hard}`,
      ),
    '--log-opt': (s) =>
      Object.entries((s['logging'] as { options: Record<string, string> }).options).map(([k, v]) => `${k}=${v}`),
    '-v': (s) => s['volumes'] as unknown[],
    '-p': (s) => s['ports'] as unknown[],
  };
  const flags = argv.slice(1, -1);
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (flag === '-d' || flag === '--read-only') continue;
    const value = flags[++i]!;
    if (flag === '--name') continue;
    const read = KEY[flag];
    assert.ok(read, `the test knows ${flag}`);
    assert.ok(read(service).includes(value), `${flag} ${value} -> ${JSON.stringify(read(service))}`);
  }
  assert.is(service['read_only'], true);
  assert.is(service['image'], IMAGE);
  assert.equal(namedVolumes, ['cloudy_data', 'cloudy_config', 'cloudy_logs']);
  assert.is(network, 'net1');
  assert.equal(service['networks'], ['net1']);
});

Translate('a docker run flag with no compose key is an internal error, not a silent gap', () => {
  assert.throws(() => serviceFromRunArgs(['run', '-d', '--privileged', IMAGE]), /--privileged has no compose key/);
  assert.throws(() => serviceFromRunArgs(['run', '--device', '/dev/sda', IMAGE]), /--device has no compose key/);
  assert.throws(() => serviceFromRunArgs(['build', '.']), /not docker run argv/);
});

Translate('labels, environment and a command after the image are kept', () => {
  const { service } = serviceFromRunArgs(['run', '--label', 'a=b=c', '-e', 'X=1', IMAGE, 'serve', '--fast']);
  assert.equal(service, { image: IMAGE, labels: { a: 'b=c' }, environment: { X: '1' }, command: ['serve', '--fast'] });
});

Gen.run();
Translate.run();
