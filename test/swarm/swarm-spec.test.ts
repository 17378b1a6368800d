/**
 * The Swarm target's pure parts against real engine output. Fixtures in test/fixtures/swarm/ are
 * `docker service inspect`, `docker inspect` of its task container and `docker network inspect` of
 * its overlay, captured on Engine 20.10.24 after `deploy-secure` created the service `sw1` with the
 * config below (the default hardening, three named volumes, network none accepted as an internal
 * overlay, image pushed to a local registry).
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../lib/config/resolve.js';
import { overlayCheck, serviceChecks, taskContainerChecks } from '../../lib/swarm/checks.js';
import { overlayNetworks } from '../../lib/swarm/deploy.js';
import { createArgs, desiredShape, type ServicePlan, shapeDrift, shapeOf, updateArgs } from '../../lib/swarm/spec.js';
import {
  engineUnsupported,
  portHostIp,
  refusalProblems,
  refusedBy,
  swarmUnsupported,
  tmpfsOptions,
} from '../../lib/swarm/unsupported.js';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are raw inspect JSON.
type Json = any;
const fixture = (name: string): Json =>
  (JSON.parse(readFileSync(new URL(`../fixtures/swarm/${name}.json`, import.meta.url), 'utf8')) as Json[])[0];
const service = fixture('service');
const container = fixture('task-container');
const network = fixture('network');

const config = resolveConfig(
  {
    image: { name: 'sw1' },
    container: {
      name: 'sw1',
      volumes: ['sw1_data:/app/data', 'sw1_config:/app/config', 'sw1_logs:/app/logs'],
      healthTimeoutSeconds: 30,
    },
    deploy: { target: 'swarm' },
    swarm: { updateMonitorSeconds: 5, allowUnsupported: ['no-new-privileges', 'memory-swap', 'network-none', 'icc'] },
  },
  '/tmp/sw1',
);
const plan = (over: Partial<ServicePlan> = {}): ServicePlan => ({
  name: 'sw1',
  image: service.Spec.TaskTemplate.ContainerSpec.Image,
  policy: config.container,
  replicas: 1,
  reservations: config.deploy.reservations,
  restartMaxAttempts: 5,
  monitorSeconds: 5,
  networks: [{ name: 'sw1_isolated', id: network.Id }],
  labels: service.Spec.Labels,
  ...over,
});

const Unsupported = suite('swarm: settings Swarm cannot apply');

Unsupported('the default hardening names no-new-privileges, swap, network none and ICC', () => {
  const ids = swarmUnsupported(config.container).map((u) => u.id);
  assert.equal(ids, ['no-new-privileges', 'memory-swap', 'network-none', 'icc']);
  const problems = refusalProblems(refusedBy(swarmUnsupported(config.container), []));
  assert.is(problems.length, 4);
  assert.match(problems[0]!, 'container.securityOpt "no-new-privileges:true"');
  assert.match(problems[0]!, 'swarm.allowUnsupported: ["no-new-privileges"]');
  assert.equal(refusedBy(swarmUnsupported(config.container), config.swarm.allowUnsupported), []);
});

Unsupported(
  'a non-internal network, a host IP, exec tmpfs and volume options are named; internal overlays are not',
  () => {
    const policy = {
      ...config.container,
      network: { mode: 'network', name: 'n', internal: false, icc: false, masquerade: false } as const,
      ports: ['127.0.0.1:8080:80', '9090:90/udp'],
      tmpfs: ['/tmp:rw,exec,size=1m', '/run:rw,noexec,nosuid,nodev,size=1m,mode=1777'],
      volumes: ['data:/d:ro', 'cache:/c:z'],
      securityOpt: ['no-new-privileges:true', 'apparmor=docker-default'],
    };
    const found = swarmUnsupported(policy);
    assert.equal(
      found.map((u) => u.id),
      [
        'no-new-privileges',
        'security-opt',
        'memory-swap',
        'icc',
        'masquerade',
        'tmpfs-options',
        'port-host-ip',
        'volume-options',
      ],
    );
    assert.match(found.find((u) => u.id === 'tmpfs-options')!.setting, '/tmp:rw,exec,size=1m');
    assert.match(found.find((u) => u.id === 'port-host-ip')!.setting, '127.0.0.1:8080:80');
    const internal = swarmUnsupported({ ...policy, network: { ...policy.network, internal: true } });
    assert.not.ok(internal.some((u) => u.id === 'masquerade'));
  },
);

Unsupported('engines before API 1.41 drop capabilities, the PIDs limit and ulimits', () => {
  assert.equal(engineUnsupported(config.container, '1.41'), []);
  assert.equal(engineUnsupported(config.container, '1.43'), []);
  assert.equal(
    engineUnsupported(config.container, '1.40').map((u) => u.id),
    ['capabilities', 'pids-limit', 'ulimits'],
  );
});

Unsupported('tmpfs specs and host IPs parse as the engine reads them', () => {
  assert.equal(tmpfsOptions('/tmp:rw,noexec,nosuid,nodev,size=16m'), {
    path: '/tmp',
    sizeBytes: 16 * 1024 * 1024,
    mode: undefined,
    lost: [],
  });
  assert.equal(tmpfsOptions('/x:mode=1777,uid=5').mode, 0o1777);
  assert.equal(tmpfsOptions('/x:mode=1777,uid=5').lost, ['uid=5']);
  assert.is(portHostIp('127.0.0.1:80:80'), '127.0.0.1');
  assert.is(portHostIp('[::1]:80:80/udp'), '::1');
  assert.is(portHostIp('8080:80'), undefined);
});

const Spec = suite('swarm: service spec');

Spec('the spec the engine stored after create is exactly the one asked for', () => {
  assert.equal(shapeDrift(desiredShape(plan()), shapeOf(service)), []);
  const shape = shapeOf(service);
  assert.is(shape.update, 'start-first rollback monitor=5000000000 parallelism=1');
  assert.is(shape.restart, 'on-failure:5');
  assert.equal(shape.capDrop, ['ALL']);
  assert.equal(shape.placement, ['spread=node.id']);
});

Spec('create argv carries every supported setting, and the image is the one positional argument', () => {
  const args = createArgs(plan());
  const after = (flag: string) => args.filter((_, i) => args[i - 1] === flag);
  assert.equal(after('--cap-drop'), ['ALL']);
  assert.equal(after('--limit-pids'), ['64']);
  assert.equal(after('--ulimit'), ['nofile=1024:1024']);
  assert.equal(after('--update-order'), ['start-first']);
  assert.equal(after('--update-failure-action'), ['rollback']);
  assert.equal(after('--restart-condition'), ['on-failure']);
  assert.ok(args.includes('--read-only=true'));
  assert.ok(after('--mount').includes('type=tmpfs,target=/tmp,tmpfs-size=16777216'));
  assert.is(args.at(-1), plan().image);
  assert.throws(() => createArgs(plan({ image: 'sw1:latest' })), /image id or a registry digest/);
  assert.throws(() => createArgs(plan({ image: '--privileged' })), /Internal error/);
  // A comma in a bind path is quoted as the CLI's CSV parser expects.
  const bind = createArgs(plan({ policy: { ...config.container, volumes: ['/srv/a,b:/d'] } }));
  assert.ok(bind.includes('type=bind,"source=/srv/a,b",target=/d'), bind.join(' '));
});

Spec('an update changes exactly what differs: removals first, then the wanted values', () => {
  const current = shapeOf(service);
  const changed = plan({
    policy: {
      ...config.container,
      memory: '1g',
      memorySwap: '1g',
      capAdd: ['NET_BIND_SERVICE'],
      volumes: ['sw1_data:/app/data', 'sw1_config:/app/config'],
      ports: ['18080:8080'],
      ulimits: {},
    },
  });
  assert.equal(shapeDrift(desiredShape(changed), current).sort(), ['capAdd', 'limits', 'mounts', 'ports', 'ulimits']);
  const args = updateArgs(changed, current, service);
  const after = (flag: string) => args.filter((_, i) => args[i - 1] === flag);
  assert.equal(after('--mount-rm'), ['/app/logs']);
  assert.equal(after('--ulimit-rm'), ['nofile']);
  assert.equal(after('--ulimit-add'), []);
  assert.equal(after('--cap-add'), ['NET_BIND_SERVICE']);
  assert.equal(after('--publish-add'), ['published=18080,target=8080,protocol=tcp,mode=ingress']);
  assert.equal(after('--limit-memory'), ['1g']);
  assert.is(args.at(-1), 'sw1');
  // Back again: the capability added above is dropped by name.
  const back = updateArgs(plan(), { ...current, capAdd: ['NET_BIND_SERVICE'] }, service);
  assert.ok(back.join(' ').includes('--cap-drop NET_BIND_SERVICE --cap-drop ALL'));
});

Spec('for network none the service gets one internal overlay of its own', () => {
  assert.equal(overlayNetworks(config.container), [{ name: 'sw1_isolated', internal: true }]);
  assert.equal(
    overlayNetworks({
      ...config.container,
      network: { mode: 'network', name: 'app', internal: false, icc: false, masquerade: false },
    }),
    [{ name: 'app', internal: false }],
  );
});

const Checks = suite('swarm: checks on the service and its task');
const accepted = swarmUnsupported(config.container);
const taskChecks = (o: Partial<Parameters<typeof taskContainerChecks>[1]> = {}) =>
  taskContainerChecks(container, {
    policy: config.container,
    expectedImageId: container.Image,
    networks: ['sw1_isolated'],
    accepted,
    label: 'task.1',
    ...o,
  });
const status = (checks: { id: string; status: string }[], id: string) => checks.find((c) => c.id === id)?.status;

Checks('the real task container passes; what Swarm cannot apply is WARN, service-level subjects are SKIP', () => {
  const checks = taskChecks();
  assert.equal(
    checks.filter((c) => c.status === 'fail'),
    [],
  );
  assert.is(status(checks, 'task.1:no-new-privileges'), 'warn');
  assert.is(status(checks, 'task.1:memory-swap'), 'warn');
  assert.is(status(checks, 'task.1:restart-policy'), 'skip');
  for (const id of [
    'capabilities',
    'pids-limit',
    'ulimits',
    'read-only-rootfs',
    'non-root-user',
    'tmpfs',
    'network',
    'volumes',
    'health',
    'image-id',
  ])
    assert.is(status(checks, `task.1:${id}`), 'pass', id);
});

Checks('not accepted, the same gaps fail; a wrong image, network or tmpfs size fails', () => {
  const strict = taskChecks({ accepted: [] });
  assert.is(status(strict, 'task.1:no-new-privileges'), 'fail');
  assert.is(status(strict, 'task.1:memory-swap'), 'fail');
  assert.is(status(taskChecks({ expectedImageId: 'sha256:0123456789abcdef' }), 'task.1:image-id'), 'fail');
  assert.is(status(taskChecks({ networks: ['other'] }), 'task.1:network'), 'fail');
  const bigger = { ...config.container, tmpfs: ['/tmp:rw,noexec,nosuid,nodev,size=32m'] };
  assert.is(status(taskChecks({ policy: bigger }), 'task.1:tmpfs'), 'fail');
});

Checks('service checks pass on the real spec and name each drift; the overlay check reads the network', () => {
  const ok = serviceChecks(desiredShape(plan()), shapeOf(service), accepted);
  assert.equal(
    ok.filter((c) => c.status === 'fail'),
    [],
  );
  assert.is(ok.filter((c) => c.id.startsWith('swarm-not-applied:')).length, 4);
  const drifted = serviceChecks(desiredShape(plan({ replicas: 3, monitorSeconds: 9 })), shapeOf(service), []);
  assert.equal(
    drifted.filter((c) => c.status === 'fail').map((c) => c.id),
    ['swarm-update', 'swarm-rollback', 'swarm-replicas'],
  );
  assert.is(overlayCheck(network, 'sw1_isolated', true).status, 'pass');
  assert.is(overlayCheck(network, 'sw1_isolated', false).status, 'fail');
  assert.is(overlayCheck(undefined, 'sw1_isolated', true).status, 'fail');
});

Unsupported.run();
Spec.run();
Checks.run();
