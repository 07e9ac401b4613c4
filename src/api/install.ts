/**
 * Installs our CRDs into a cluster and waits until the API server serves them. Safe to call from
 * several processes at once: whoever loses a race reads the winner's object and replaces it.
 */
import { ApiError, isConflict, isNotFound } from '../runtime/errors.ts';
import { KubeClient } from '../runtime/kube/client.ts';
import type { KubeConfigLike } from '../runtime/kube/kubeconfig.ts';
import type { KubeObject, ResourceType } from '../runtime/kube/types.ts';
import { assessCrd, type CrdAssessment, type InstalledCrd } from './crd-state.ts';
import { buildCrds, type CustomResourceDefinition } from './crd.ts';

const CRDS: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

interface CrdState extends KubeObject {
  spec?: InstalledCrd['spec'];
  status?: InstalledCrd['status'] & { conditions?: Array<{ type?: string; status?: string }> };
}

async function read(client: KubeClient, name: string): Promise<CrdState | undefined> {
  try {
    return await client.get<CrdState>(CRDS, undefined, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export type InstallOutcome = 'created' | 'replaced' | 'unchanged';

/**
 * Creates the CRD, or replaces one that is not this release's: replacing makes the API server
 * re-initialize the resource's storage (and interrupt every watch of it), so a current CRD is left
 * alone. Stored resources are kept; a CRD whose stored versions ours does not define is refused.
 */
async function createOrReplace(client: KubeClient, crd: CustomResourceDefinition): Promise<InstallOutcome> {
  const name = crd.metadata.name;
  for (let attempt = 0; ; attempt++) {
    try {
      const existing = await read(client, name);
      if (!existing) {
        await client.create(CRDS, crd as unknown as KubeObject);
        return 'created';
      }
      const assessment = assessCrd(crd, existing);
      if (assessment.state === 'current') return 'unchanged';
      if (assessment.state === 'outdated' && assessment.blocker)
        throw new Error(`CRD ${name} ${assessment.blocker}`);
      const resourceVersion = existing.metadata.resourceVersion;
      await client.replace(CRDS, { ...crd, metadata: { ...crd.metadata, resourceVersion } } as KubeObject);
      return 'replaced';
    } catch (err) {
      // 409: another installer created or updated it between our read and write; read again.
      if (!isConflict(err) || attempt >= 10) throw err;
    }
  }
}

/** How each of our CRDs stands in the cluster. */
export async function inspectCrds(client: KubeClient): Promise<CrdAssessment[]> {
  const out: CrdAssessment[] = [];
  for (const crd of buildCrds()) out.push(assessCrd(crd, await read(client, crd.metadata.name)));
  return out;
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

/** Installs or replaces our CRDs and waits until they are served; returns what was done to each. */
export async function installCrds(
  kc: KubeConfigLike,
  { timeoutMs = 60_000 } = {},
): Promise<Array<{ name: string; outcome: InstallOutcome }>> {
  const client = new KubeClient(kc);
  try {
    const crds = buildCrds();
    const outcomes: Array<{ name: string; outcome: InstallOutcome }> = [];
    for (const crd of crds)
      outcomes.push({ name: crd.metadata.name, outcome: await createOrReplace(client, crd) });
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
    return outcomes;
  } finally {
    client.close();
  }
}
