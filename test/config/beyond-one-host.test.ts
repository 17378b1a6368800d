/**
 * The config keys of issue 13 (image.registry, deploy, swarm, kubernetes): defaults, and every
 * bad value named with its key and the rule.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../lib/config/resolve.js';
import { configSchema, validate } from '../../lib/config/schema.js';

const problems = (config: unknown) =>
  validate(config, configSchema, '', '.cloudyrc.json').map((p) =>
    p.reason === 'invalid-config' ? `${p.path}: ${p.expected}` : p.reason,
  );
const Keys = suite('config: beyond one host');

Keys('defaults: a local engine, one replica, reservations from the limits, nothing accepted', () => {
  const c = resolveConfig({}, '/p');
  assert.is(c.image.registry, undefined);
  assert.equal(c.deploy, {
    order: 'auto',
    target: 'engine',
    hosts: [],
    parallel: 1,
    rollbackAll: false,
    replicas: 1,
    reservations: { memory: '512m', cpus: '0.25' },
  });
  assert.equal(c.swarm, { allowUnsupported: [], updateMonitorSeconds: 30, restartMaxAttempts: 5, nodeHosts: [] });
  assert.equal(c.kubernetes, {
    namespace: undefined,
    outDir: '/p/k8s',
    storage: '1Gi',
    storageClassName: undefined,
    serviceType: 'ClusterIP',
  });
  assert.is(resolveConfig({ container: { memory: '1g' } }, '/p').deploy.reservations.memory, '1g');
  assert.is(resolveConfig({ image: { registry: 'r.example.com/team/' } }, '/p').image.registry, 'r.example.com/team');
});

Keys('a full valid config passes', () => {
  assert.equal(
    problems({
      image: { registry: '127.0.0.1:5000' },
      deploy: { target: 'swarm', replicas: 3, reservations: { memory: '256m', cpus: 0.5 } },
      swarm: {
        allowUnsupported: ['no-new-privileges', 'memory-swap'],
        updateMonitorSeconds: 10,
        restartMaxAttempts: 3,
        nodeHosts: ['unix:///run/e2/docker.sock', 'ssh://deploy@node2', 'tcp://10.0.0.2:2376'],
      },
      kubernetes: {
        namespace: 'prod',
        outDir: 'deploy/k8s',
        storage: '10Gi',
        storageClassName: 'fast',
        serviceType: 'LoadBalancer',
      },
    }),
    [],
  );
});

Keys('bad values name the key and the rule', () => {
  assert.equal(
    problems({
      image: { registry: 'Registry.Example.com' },
      deploy: { target: 'k8s', replicas: 0 },
      swarm: { allowUnsupported: ['no-new-privilege'], nodeHosts: ['-H=tcp://x'] },
      kubernetes: { namespace: 'Prod', storage: '1GB', serviceType: 'Ingress' },
    }),
    [
      'image.registry: a registry host[:port][/path] such as "registry.example.com/team" or "127.0.0.1:5000"',
      'deploy.target: one of engine, swarm',
      'deploy.replicas: a number >= 1',
      'swarm.allowUnsupported[0]: one of no-new-privileges, security-opt, memory-swap, network-none, icc, masquerade, tmpfs-options, port-host-ip, volume-options, capabilities, pids-limit, ulimits',
      'swarm.nodeHosts[0]: a Docker endpoint such as "unix:///run/docker.sock", "tcp://10.0.0.2:2376" or "ssh://user@host"',
      'kubernetes.namespace: a DNS label such as "prod"',
      'kubernetes.storage: a Kubernetes quantity such as "1Gi"',
      'kubernetes.serviceType: one of ClusterIP, NodePort, LoadBalancer',
    ],
  );
});

Keys.run();
