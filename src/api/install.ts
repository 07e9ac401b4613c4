/**
 * Installs our CRDs into a cluster and waits until the API server serves them. Safe to call from
 * several processes at once: whoever loses a race reads the winner's object and replaces it.
 */
import { createHash } from 'node:crypto';
import { ApiError, isConflict, isNotFound } from '../runtime/errors.ts';
import { KubeClient } from '../runtime/kube/client.ts';
import type { KubeConfigLike } from '../runtime/kube/kubeconfig.ts';
import type { KubeObject, ResourceType } from '../runtime/kube/types.ts';
import { buildCrds, type CustomResourceDefinition } from './crd.ts';

const CRDS: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

interface CrdState extends KubeObject {
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

async function read(client: KubeClient, name: string): Promise<CrdState | undefined> {
  try {
    return await client.get<CrdState>(CRDS, undefined, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Marks what an installed CRD was made from: replacing a CRD makes the API server re-initialize
 * the resource's storage (and interrupt every watch of it), so an unchanged CRD is left alone.
 */
const SPEC_HASH_ANNOTATION = 'flink-operator.dev/crd-spec-hash';

async function createOrReplace(client: KubeClient, definition: CustomResourceDefinition): Promise<void> {
  const hash = createHash('sha256').update(JSON.stringify(definition.spec)).digest('hex').slice(0, 32);
  const crd = {
    ...definition,
    metadata: {
      ...definition.metadata,
      annotations: { [SPEC_HASH_ANNOTATION]: hash },
    },
  };
  const name = crd.metadata.name;
  for (let attempt = 0; ; attempt++) {
    try {
      const existing = await read(client, name);
      if (!existing) {
        await client.create(CRDS, crd as KubeObject);
      } else if (existing.metadata.annotations?.[SPEC_HASH_ANNOTATION] !== hash) {
        const resourceVersion = existing.metadata.resourceVersion;
        await client.replace(CRDS, { ...crd, metadata: { ...crd.metadata, resourceVersion } } as KubeObject);
      }
      return;
    } catch (err) {
      // 409: another installer created or updated it between our read and write; read again.
      if (!isConflict(err) || attempt >= 10) throw err;
    }
  }
}

function isEstablished(crd: CrdState | undefined): boolean {
  return (crd?.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

async function served(client: KubeClient, crd: CustomResourceDefinition): Promise<boolean> {
  const spec = crd.spec as {
    group: string;
    names: { plural: string; kind: string };
    versions: { name: string }[];
  };
  const rt: ResourceType = {
    group: spec.group,
    version: spec.versions[0]!.name,
    plural: spec.names.plural,
    kind: spec.names.kind,
    namespaced: true,
  };
  try {
    await client.list(rt, undefined, { limit: 1 });
    return true;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 429 || err.status === 404 || err.status === 503))
      return false;
    throw err;
  }
}

export async function installCrds(kc: KubeConfigLike, { timeoutMs = 60_000 } = {}): Promise<void> {
  const client = new KubeClient(kc);
  try {
    const crds = buildCrds();
    for (const crd of crds) await createOrReplace(client, crd);
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds) {
      while (!isEstablished(await read(client, crd.metadata.name))) {
        if (Date.now() > deadline)
          throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Established comes a moment before the resource's storage serves (429 while it initializes).
      while (!(await served(client, crd))) {
        if (Date.now() > deadline) throw new Error(`${crd.metadata.name} not served after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.close();
  }
}
