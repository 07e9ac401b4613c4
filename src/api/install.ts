/**
 * Installs our CRDs into a cluster and waits until the API server serves them. Safe to call from
 * several processes at once: whoever loses a race reads the winner's object and replaces it.
 */
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { buildCrds, type CustomResourceDefinition } from './crd.ts';

// The typed ApiextensionsV1Api serializes through model classes whose field names differ from the
// JSON ones and drops `x-kubernetes-*` keys of plain objects, so CRDs go through the generic API.
const CRDS = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };

interface CrdState {
  metadata?: { resourceVersion?: string; annotations?: Record<string, string> };
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function read(api: k8s.CustomObjectsApi, name: string): Promise<CrdState | undefined> {
  try {
    return (await api.getClusterCustomObject({ ...CRDS, name })) as CrdState;
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

/**
 * Marks what an installed CRD was made from: replacing a CRD makes the API server re-initialize
 * the resource's storage (and interrupt every watch of it), so an unchanged CRD is left alone.
 */
const SPEC_HASH_ANNOTATION = 'flink-operator.dev/crd-spec-hash';

async function createOrReplace(
  api: k8s.CustomObjectsApi,
  definition: CustomResourceDefinition,
): Promise<void> {
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
      const existing = await read(api, name);
      if (!existing) {
        await api.createClusterCustomObject({ ...CRDS, body: crd });
      } else if (existing.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== hash) {
        const resourceVersion = existing.metadata?.resourceVersion;
        await api.replaceClusterCustomObject({
          ...CRDS,
          name,
          body: { ...crd, metadata: { ...crd.metadata, resourceVersion } },
        });
      }
      return;
    } catch (err) {
      // 409: another installer created or updated it between our read and write; read again.
      if (statusCode(err) !== 409 || attempt >= 10) throw err;
    }
  }
}

function isEstablished(crd: CrdState | undefined): boolean {
  return (crd?.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

export async function installCrds(kc: k8s.KubeConfig, { timeoutMs = 60_000 } = {}): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const crds = buildCrds();
  for (const crd of crds) await createOrReplace(api, crd);
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    while (!isEstablished(await read(api, crd.metadata.name))) {
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
