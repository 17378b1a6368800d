import path from 'node:path';
import { defineTask } from '../lib/engine/task.js';
import type { ImageHealthcheck } from '../lib/kubernetes/manifests.js';
import push from './push.js';

/**
 * Kubernetes manifests for the pushed image, with the deploy's hardening: a Deployment (pod and
 * container securityContext, limits and requests, probes from the image's HEALTHCHECK, the image
 * by digest), a Service when ports are published, a PersistentVolumeClaim per volume and a
 * NetworkPolicy (deny-all for network none). Validated offline against the Kubernetes API schemas
 * before anything is written; applying them is the user's `kubectl apply -f`.
 */
export default defineTask({
  name: 'k8s-manifests',
  description: 'Write hardened Kubernetes manifests for the pushed image (validated offline)',
  deps: [push],
  run: async (ctx, deps): Promise<{ file: string; image: string; objects: { kind: string; name: string }[] }> => {
    const { docker } = await import('../lib/docker/cli.js');
    const { LABELS, projectId } = await import('../lib/docker/labels.js');
    const { config } = ctx;
    const k8s = config.kubernetes;
    const relative = path.relative(config.projectDir, k8s.outDir);
    if (relative.startsWith('..') || path.isAbsolute(relative))
      return ctx.fail({
        reason: 'task-error',
        message: `kubernetes.outDir ${k8s.outDir} is outside the project ${config.projectDir}`,
        hint: 'set kubernetes.outDir to a directory inside the project, e.g. "k8s"',
      });
    const { manifests, probeFrom, unenforced } = await import('../lib/kubernetes/manifests.js');
    const pushed = deps.push;
    const file = path.join(k8s.outDir, `${config.container.name}.yaml`);
    const inspected = await docker(
      ctx,
      ['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', pushed.imageId],
      {
        silent: true,
      },
    );
    if (ctx.flags.dryRun) return { file, image: pushed.ref, objects: [] };
    const healthcheck = (JSON.parse(inspected.stdout || 'null') ?? {}) as ImageHealthcheck;
    if (!probeFrom(healthcheck))
      return ctx.fail({
        reason: 'task-error',
        message: `image ${pushed.imageId.slice(0, 19)} has no HEALTHCHECK, so the pods would have no liveness or readiness probe`,
        hint: 'add an exec-form HEALTHCHECK to the Dockerfile',
      });
    const objects = manifests({
      name: config.container.name,
      namespace: k8s.namespace,
      image: pushed.ref,
      policy: config.container,
      replicas: config.deploy.replicas,
      reservations: config.deploy.reservations,
      healthcheck,
      labels: { [LABELS.project]: projectId(config.projectDir, config.image.name) },
      storage: k8s.storage,
      storageClassName: k8s.storageClassName,
      serviceType: k8s.serviceType,
    });
    const { validateManifests } = await import('../lib/kubernetes/validate.js');
    const problems = await validateManifests(objects);
    if (problems.length > 0)
      return ctx.fail({
        reason: 'checks-failed',
        what: 'Kubernetes schema validation of the manifests',
        failed: problems,
      });
    const { toYaml } = await import('../lib/kubernetes/yaml.js');
    const { writeFileAtomic } = await import('../lib/store/state.js');
    const shown = path.relative(ctx.projectDir, file) || file;
    await writeFileAtomic(
      file,
      ctx.redact(
        toYaml(objects, {
          image: pushed.ref,
          notes: unenforced(config.container, config.deploy.replicas),
          file: shown,
        }),
      ),
    );
    const list = objects.map((o) => ({ kind: o.kind, name: String((o['metadata'] as { name: string }).name) }));
    ctx.progress(`wrote ${shown} (${list.map((o) => o.kind).join(', ')}), valid against the Kubernetes 1.31 schemas`);
    ctx.progress(`apply it with: kubectl apply -f ${shown}`);
    return { file, image: pushed.ref, objects: list };
  },
});
