/**
 * Installs our CRDs into a cluster and waits until the API server serves them. Safe to call from
 * several processes at once: whoever loses a race reads the winner's object and replaces it.
 */
import * as k8s from '@kubernetes/client-node';
import { buildCrds, type CustomResourceDefinition } from './crd.ts';

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function createOrReplace(api: k8s.ApiextensionsV1Api, crd: CustomResourceDefinition): Promise<void> {
  const body = crd as unknown as k8s.V1CustomResourceDefinition;
  for (let attempt = 0; ; attempt++) {
    try {
      const existing = await api
        .readCustomResourceDefinition({ name: crd.metadata.name })
        .catch((err: unknown) => {
          if (statusCode(err) === 404) return undefined;
          throw err;
        });
      if (!existing) {
        await api.createCustomResourceDefinition({ body });
      } else {
        await api.replaceCustomResourceDefinition({
          name: crd.metadata.name,
          body: {
            ...body,
            metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion },
          },
        });
      }
      return;
    } catch (err) {
      // 409: another installer created or updated it between our read and write; read again.
      if (statusCode(err) !== 409 || attempt >= 10) throw err;
    }
  }
}

function isEstablished(crd: k8s.V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

export async function installCrds(kc: k8s.KubeConfig, { timeoutMs = 60_000 } = {}): Promise<void> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const crds = buildCrds();
  for (const crd of crds) await createOrReplace(api, crd);
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const current = await api.readCustomResourceDefinition({ name: crd.metadata.name });
      if (isEstablished(current)) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
