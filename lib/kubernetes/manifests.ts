/**
 * The hardening policy as Kubernetes objects: a Deployment whose pod carries the same hardening
 * in its securityContext, a Service when ports are published, a PersistentVolumeClaim per volume,
 * and a NetworkPolicy (deny-all when the network is `none`). The image is named by digest; the
 * probes come from the image's HEALTHCHECK. Plain JSON objects; ./validate.ts checks them against
 * the Kubernetes API schemas. What a pod spec cannot carry (PIDs limit, ulimits, log rotation,
 * tmpfs mount options, a bounded restart count) is listed in {@link unenforced}. Pure: no I/O.
 */
import { parseMemory } from '../docker/units.js';
import { normalizeCapability, parseNumericUser } from '../hardening/options.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { parseVolume } from '../hardening/volumes.js';
import { tmpfsOptions } from '../swarm/unsupported.js';
import { bytesQuantity, cpuQuantity, dnsName, type ImageHealthcheck, labelValue, probeFrom } from './values.js';

export type { ImageHealthcheck } from './values.js';
export { bytesQuantity, cpuQuantity, dnsName, probeFrom } from './values.js';

export type ManifestInput = {
  readonly name: string;
  readonly namespace: string | undefined;
  /** `repo@sha256:…`. */
  readonly image: string;
  readonly policy: HardeningPolicy;
  readonly replicas: number;
  readonly reservations: { readonly memory: string; readonly cpus: string };
  readonly healthcheck: ImageHealthcheck;
  /** Extra labels on every object and the pods (the project label). */
  readonly labels: Readonly<Record<string, string>>;
  readonly storage: string;
  readonly storageClassName: string | undefined;
  readonly serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
};

/** A Kubernetes object as JSON. */
export type Manifest = { readonly apiVersion: string; readonly kind: string; readonly [key: string]: unknown };

/** The Secret the Deployment reads `container.envFile`'s variables from: `<name>-env`. */
export function envFileSecretName(name: string): string {
  return `${name}-env`;
}

/** Settings of the policy a pod spec cannot carry: written as comments at the top of the file. */
export function unenforced(policy: HardeningPolicy, replicas = 1): string[] {
  const notes = [
    `container.pidsLimit ${policy.pidsLimit}: a pod spec has no PIDs limit (the kubelet's --pod-max-pids sets one per node)`,
    `container.restart ${JSON.stringify(policy.restart)}: a Deployment's pods always restart (restartPolicy Always, with CrashLoopBackOff)`,
    "container.logOpts: log rotation is the kubelet's (containerLogMaxSize, containerLogMaxFiles)",
    'container.memorySwap: swap is off unless the node enables it (NodeSwap); nothing in a pod spec caps it',
  ];
  if (Object.keys(policy.ulimits).length > 0)
    notes.push("container.ulimits: a pod spec has no ulimits (the container runtime's defaults apply)");
  if (policy.tmpfs.some((t) => tmpfsOptions(t).lost.length > 0 || t.includes('noexec')))
    notes.push('container.tmpfs: an emptyDir (medium Memory) has a size limit but no noexec/nosuid/nodev options');
  if (replicas > 1 && policy.volumes.length > 0)
    notes.push(
      `deploy.replicas ${replicas}: ReadWriteOnce claims are mounted by pods on one node only (use ReadWriteMany storage, or one replica)`,
    );
  if (policy.envFile !== undefined)
    notes.push(
      'container.envFile: not written here; the Deployment reads it from the Secret <name>-env: kubectl create secret generic <name>-env --from-env-file=<the file>',
    );
  if (policy.network.mode === 'network')
    notes.push(
      "container.network: ICC and NAT are the CNI plugin's; the NetworkPolicy limits traffic to pods on the same network",
    );
  return notes;
}

/** Every object, in `kubectl apply` order: claims, network policy, deployment, service. */
export function manifests(input: ManifestInput): Manifest[] {
  const p = input.policy;
  const name = dnsName(input.name);
  const user = parseNumericUser(p.user);
  if (!user || user.uid === 0) throw new Error(`Internal error: a non-root numeric user is required, got ${p.user}`);
  const probe = probeFrom(input.healthcheck);
  if (!probe) throw new Error('Internal error: manifests need the image HEALTHCHECK (checked by the caller)');
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  const labels: Record<string, string> = {
    ...selector,
    'app.kubernetes.io/managed-by': 'cloudy-tasks',
    ...Object.fromEntries(Object.entries(input.labels).map(([k, v]) => [k, labelValue(v)])),
  };
  const meta = (objectName: string, extra: Record<string, string> = {}) => ({
    name: objectName,
    ...(input.namespace ? { namespace: input.namespace } : {}),
    labels: { ...labels, ...extra },
  });

  const claims: Manifest[] = [];
  const volumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  for (const spec of p.volumes) {
    const v = parseVolume(spec);
    if (!v) continue;
    const claim = dnsName(v.bind ? `${name}-${v.target}` : v.source);
    const volume = dnsName(`vol-${v.target}`);
    claims.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(claim),
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: input.storage } },
        ...(input.storageClassName ? { storageClassName: input.storageClassName } : {}),
      },
    });
    volumes.push({ name: volume, persistentVolumeClaim: { claimName: claim } });
    mounts.push({
      name: volume,
      mountPath: v.target,
      ...(v.options.split(',').includes('ro') ? { readOnly: true } : {}),
    });
  }
  for (const spec of p.tmpfs) {
    const t = tmpfsOptions(spec);
    const volume = dnsName(`tmp-${t.path}`);
    volumes.push({
      name: volume,
      emptyDir: { medium: 'Memory', ...(t.sizeBytes ? { sizeLimit: bytesQuantity(t.sizeBytes) } : {}) },
    });
    mounts.push({ name: volume, mountPath: t.path });
  }

  const ports = p.ports.flatMap((spec) => {
    const [rest = '', proto = 'tcp'] = spec.split('/');
    const parts = rest.replace(/^\[[^\]]*\]:/, '').split(':');
    const containerPort = Number(parts.at(-1));
    const published = parts.length >= 2 && parts.at(-2) ? Number(parts.at(-2)) : containerPort;
    return Number.isInteger(containerPort) ? [{ containerPort, port: published, protocol: proto.toUpperCase() }] : [];
  });
  const memory = bytesQuantity(parseMemory(p.memory) ?? 0);
  const container = {
    name,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    securityContext: {
      runAsUser: user.uid,
      runAsGroup: user.gid ?? user.uid,
      runAsNonRoot: true,
      readOnlyRootFilesystem: p.readOnly,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'], ...(p.capAdd.length > 0 ? { add: p.capAdd.map(normalizeCapability) } : {}) },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: {
      limits: { memory, cpu: cpuQuantity(p.cpus) },
      requests: {
        memory: bytesQuantity(parseMemory(input.reservations.memory) ?? 0),
        cpu: cpuQuantity(input.reservations.cpus),
      },
    },
    // container.env as plain values; the env file never: its values would sit in a file meant for
    // git. The pod reads them from a Secret the operator creates from the same file
    // (`kubectl create secret generic <name>-env --from-env-file=…`, see envFileSecretName).
    ...(Object.keys(p.env).length > 0 ? { env: Object.entries(p.env).map(([k, v]) => ({ name: k, value: v })) } : {}),
    ...(p.envFile !== undefined ? { envFrom: [{ secretRef: { name: envFileSecretName(name) } }] } : {}),
    livenessProbe: probe,
    readinessProbe: probe,
    ...(ports.length > 0
      ? { ports: ports.map((x) => ({ containerPort: x.containerPort, protocol: x.protocol })) }
      : {}),
    volumeMounts: mounts,
  };
  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name),
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      // Start-first, as the Swarm target: a new pod must be ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      progressDeadlineSeconds: 600,
      template: {
        metadata: {
          labels: {
            ...labels,
            ...(p.network.mode === 'network' ? { 'cloudy-tasks/network': dnsName(p.network.name) } : {}),
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          hostNetwork: false,
          hostPID: false,
          hostIPC: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: user.uid,
            runAsGroup: user.gid ?? user.uid,
            // Volumes are made writable for the container user's group.
            fsGroup: user.gid ?? user.uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [container],
          volumes,
        },
      },
    },
  };
  const policy = networkPolicy(name, p, selector, ports, meta);
  const service: Manifest[] =
    ports.length === 0
      ? []
      : [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: meta(name),
            spec: {
              type: input.serviceType,
              selector,
              ports: ports.map((x) => ({
                name: `${x.protocol.toLowerCase()}-${x.containerPort}`,
                port: x.port,
                targetPort: x.containerPort,
                protocol: x.protocol,
              })),
            },
          },
        ];
  return [...claims, policy, deployment, ...service];
}

/**
 * `none`: deny all traffic (ingress only on published ports). A named network: traffic only with
 * pods on the same network, plus published ports; egress anywhere else only when not internal.
 */
function networkPolicy(
  name: string,
  p: HardeningPolicy,
  selector: Record<string, string>,
  ports: readonly { containerPort: number; protocol: string }[],
  meta: (n: string, extra?: Record<string, string>) => Record<string, unknown>,
): Manifest {
  const published =
    ports.length > 0 ? [{ ports: ports.map((x) => ({ port: x.containerPort, protocol: x.protocol })) }] : [];
  if (p.network.mode === 'none') {
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(`${name}-deny-all`),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: published,
        egress: [],
      },
    };
  }
  const peers = [{ podSelector: { matchLabels: { 'cloudy-tasks/network': dnsName(p.network.name) } } }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(`${name}-${dnsName(p.network.name)}`),
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: p.network.internal ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress: [{ from: peers }, ...published],
      ...(p.network.internal ? { egress: [{ to: peers }] } : {}),
    },
  };
}
