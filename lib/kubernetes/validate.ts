/**
 * Offline validation of the manifests against the Kubernetes API schemas, with the models of
 * `kubernetes-models` (JSON schemas of Kubernetes 1.31 compiled to validators; no cluster, no
 * network). The only module that imports kubernetes-models, lazily: it costs ~100 ms to load.
 * The schemas reject wrong types, missing required fields and bad enum values; like the API
 * server's own OpenAPI, they do not reject unknown fields.
 */
import type { Manifest } from './manifests.js';

type Model = new (data: Record<string, unknown>) => { validate(): void };

async function modelFor(m: Manifest): Promise<Model | undefined> {
  switch (`${m.apiVersion}/${m.kind}`) {
    case 'apps/v1/Deployment':
      return (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as Model;
    case 'v1/Service':
      return (await import('kubernetes-models/v1/Service')).Service as unknown as Model;
    case 'v1/PersistentVolumeClaim':
      return (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim as unknown as Model;
    case 'networking.k8s.io/v1/NetworkPolicy':
      return (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy as unknown as Model;
    default:
      return undefined;
  }
}

/** One line per schema violation (`Deployment cloudy: /spec/replicas must be integer`); [] when valid. */
export async function validateManifests(objects: readonly Manifest[]): Promise<string[]> {
  const problems: string[] = [];
  for (const m of objects) {
    const name = String((m['metadata'] as { name?: unknown } | undefined)?.name ?? '?');
    const model = await modelFor(m);
    if (!model) {
      problems.push(`${m.kind} ${name}: no schema for ${m.apiVersion} ${m.kind}`);
      continue;
    }
    try {
      new model({ ...m }).validate();
    } catch (error) {
      const errors = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
      if (!errors) throw error;
      for (const e of errors) problems.push(`${m.kind} ${name}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    }
  }
  return problems;
}
