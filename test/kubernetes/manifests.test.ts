/**
 * k8s-manifests by structure: every hardening setting in the objects, validated offline against
 * the Kubernetes API schemas (kubernetes-models), and the validator able to fail. No cluster here.
 */
import { load, loadAll } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../lib/config/resolve.js';
import {
  bytesQuantity,
  cpuQuantity,
  dnsName,
  type ManifestInput,
  manifests,
  probeFrom,
  unenforced,
} from '../../lib/kubernetes/manifests.js';
import { validateManifests } from '../../lib/kubernetes/validate.js';
import { toYaml } from '../../lib/kubernetes/yaml.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests read deep manifest paths.
type Json = any;
const DIGEST = `registry.example.com/team/cloudy@sha256:${'a'.repeat(64)}`;
/** The example image's HEALTHCHECK as `docker image inspect` reports it. */
const HEALTHCHECK = {
  Test: ['CMD', '/app/cloudy', 'healthcheck'],
  Interval: 2e9,
  Timeout: 2e9,
  StartPeriod: 1e9,
  Retries: 3,
};
const config = resolveConfig({}, '/srv/cloudy-mc-codeface');
const input = (over: Partial<ManifestInput> = {}): ManifestInput => ({
  name: config.container.name,
  namespace: undefined,
  image: DIGEST,
  policy: config.container,
  replicas: 1,
  reservations: config.deploy.reservations,
  healthcheck: HEALTHCHECK,
  labels: { 'io.cloudy-tasks.project': 'cloudy-mc-codeface.0123456789ab' },
  storage: '1Gi',
  storageClassName: undefined,
  serviceType: 'ClusterIP',
  ...over,
});
const byKind = (objects: readonly Json[], kind: string): Json[] => objects.filter((o) => o.kind === kind);

const K8s = suite('k8s-manifests');

K8s('the default policy: a hardened Deployment, three claims, a deny-all NetworkPolicy, no Service', () => {
  const objects = manifests(input()) as Json[];
  assert.equal(
    objects.map((o) => o.kind),
    ['PersistentVolumeClaim', 'PersistentVolumeClaim', 'PersistentVolumeClaim', 'NetworkPolicy', 'Deployment'],
  );
  const [deployment] = byKind(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const c = pod.containers[0];
  assert.is(c.image, DIGEST, 'the image by digest');
  assert.equal(c.securityContext, {
    runAsUser: 1001,
    runAsGroup: 1001,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.equal(pod.securityContext, {
    runAsNonRoot: true,
    runAsUser: 1001,
    runAsGroup: 1001,
    fsGroup: 1001,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.is(pod.automountServiceAccountToken, false);
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) assert.is(pod[ns], false, ns);
  assert.equal(c.resources, { limits: { memory: '512Mi', cpu: '1000m' }, requests: { memory: '512Mi', cpu: '250m' } });
  const probe = {
    exec: { command: ['/app/cloudy', 'healthcheck'] },
    initialDelaySeconds: 1,
    periodSeconds: 2,
    timeoutSeconds: 2,
    failureThreshold: 3,
  };
  assert.equal(c.livenessProbe, probe);
  assert.equal(c.readinessProbe, probe);
  assert.equal(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  assert.equal(
    c.volumeMounts.map((m: Json) => m.mountPath),
    ['/app/data', '/app/config', '/app/logs', '/tmp'],
  );
  assert.equal(pod.volumes.at(-1), { name: 'tmp-tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
  assert.equal(
    byKind(objects, 'PersistentVolumeClaim').map((o) => [o.metadata.name, o.spec.resources.requests.storage]),
    [
      ['cloudy-mc-codeface-data', '1Gi'],
      ['cloudy-mc-codeface-config', '1Gi'],
      ['cloudy-mc-codeface-logs', '1Gi'],
    ],
  );
  assert.equal(
    pod.volumes.slice(0, 3).map((v: Json) => v.persistentVolumeClaim.claimName),
    ['cloudy-mc-codeface-data', 'cloudy-mc-codeface-config', 'cloudy-mc-codeface-logs'],
  );
  const [policy] = byKind(objects, 'NetworkPolicy');
  assert.equal(policy.spec, {
    podSelector: { matchLabels: deployment.spec.selector.matchLabels },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [],
    egress: [],
  });
  for (const o of objects) assert.is(o.metadata.labels['io.cloudy-tasks.project'], 'cloudy-mc-codeface.0123456789ab');
});

K8s('ports give a Service and open only those ports; capAdd, a namespace and a network are carried', () => {
  const policy = {
    ...config.container,
    ports: ['127.0.0.1:18080:8080', '9090/udp'],
    capAdd: ['net_bind_service'],
    network: { mode: 'network', name: 'cloudy_net', internal: true, icc: false, masquerade: false } as const,
  };
  const objects = manifests(input({ policy, namespace: 'prod', serviceType: 'NodePort' })) as Json[];
  const [service] = byKind(objects, 'Service');
  assert.is(service.spec.type, 'NodePort');
  assert.equal(
    service.spec.ports.map((p: Json) => [p.port, p.targetPort, p.protocol]),
    [
      [18080, 8080, 'TCP'],
      [9090, 9090, 'UDP'],
    ],
  );
  const [deployment] = byKind(objects, 'Deployment');
  assert.equal(deployment.spec.template.spec.containers[0].securityContext.capabilities, {
    drop: ['ALL'],
    add: ['NET_BIND_SERVICE'],
  });
  for (const o of objects) assert.is(o.metadata.namespace, 'prod');
  assert.is(deployment.spec.template.metadata.labels['cloudy-tasks/network'], 'cloudy-net');
  const [np] = byKind(objects, 'NetworkPolicy');
  assert.equal(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(np.spec.egress, [{ to: [{ podSelector: { matchLabels: { 'cloudy-tasks/network': 'cloudy-net' } } }] }]);
  assert.equal(np.spec.ingress[1], {
    ports: [
      { port: 8080, protocol: 'TCP' },
      { port: 9090, protocol: 'UDP' },
    ],
  });
});

K8s('every object validates against the Kubernetes schemas; the validator rejects what the API would', async () => {
  assert.equal(await validateManifests(manifests(input())), []);
  const withPorts = manifests(input({ policy: { ...config.container, ports: ['8080'] }, replicas: 3 }));
  assert.equal(await validateManifests(withPorts), []);
  const broken = manifests(input()) as Json[];
  const deployment = byKind(broken, 'Deployment')[0];
  deployment.spec.replicas = 'three';
  deployment.spec.template.spec.containers[0].securityContext.runAsUser = '1001';
  delete byKind(broken, 'PersistentVolumeClaim')[0].spec;
  byKind(broken, 'NetworkPolicy')[0].spec.podSelector = 'all';
  const problems = await validateManifests(broken);
  assert.ok(problems.includes('Deployment cloudy-mc-codeface: /spec/replicas must be integer'), problems.join('\n'));
  assert.ok(
    problems.some((p) => p.includes('/spec/template/spec/containers/0/securityContext/runAsUser must be integer')),
  );
  assert.ok(problems.some((p) => p.startsWith('NetworkPolicy cloudy-mc-codeface-deny-all: /spec/podSelector')));
  assert.equal(await validateManifests([{ apiVersion: 'v9', kind: 'Thing' }]), ['Thing ?: no schema for v9 Thing']);
});

K8s('the YAML file holds the same objects, with the gaps and the kubectl command as comments', () => {
  const objects = manifests(input());
  const text = toYaml(objects, {
    image: DIGEST,
    notes: unenforced(config.container),
    file: 'k8s/cloudy-mc-codeface.yaml',
  });
  assert.equal(loadAll(text), objects);
  assert.match(text, /^# Apply: kubectl apply -f k8s\/cloudy-mc-codeface\.yaml$/m);
  assert.match(text, /^# {3}- container\.pidsLimit 64: a pod spec has no PIDs limit/m);
  assert.match(text, /ulimits/);
  assert.is(load(text.split('\n---\n')[1]!) !== undefined, true);
});

K8s('probes, quantities and names follow the engine and the API', () => {
  assert.equal(probeFrom({ Test: ['CMD-SHELL', 'curl -f localhost'] })?.['exec'], {
    command: ['/bin/sh', '-c', 'curl -f localhost'],
  });
  assert.equal(probeFrom({ Test: ['CMD', '/bin/check'] })?.['periodSeconds'], 30, "Docker's default interval");
  assert.is(probeFrom({ Test: ['NONE'] }), undefined);
  assert.is(probeFrom({}), undefined);
  assert.throws(() => manifests(input({ healthcheck: { Test: ['NONE'] } })), /HEALTHCHECK/);
  assert.is(bytesQuantity(512 * 1024 ** 2), '512Mi');
  assert.is(bytesQuantity(2 * 1024 ** 3), '2Gi');
  assert.is(bytesQuantity(1000), '1000');
  assert.is(cpuQuantity('0.5'), '500m');
  assert.is(dnsName('Cloudy_Data'), 'cloudy-data');
  assert.is(dnsName('/app/data'), 'app-data');
  assert.is(dnsName('x'.repeat(80)).length, 63);
  assert.throws(() => manifests(input({ policy: { ...config.container, user: '0:0' } })), /non-root/);
});

K8s.run();
