/** Writes the webhook CA into the caBundle of every webhook of the configurations the operator owns. */
import { isNotFound, type KubeClient, type ResourceType } from '../runtime/index.ts';

const admission = (plural: string, kind: string): ResourceType => ({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural,
  kind,
  namespaced: false,
});

export const VALIDATING_WEBHOOK_CONFIGURATIONS = admission(
  'validatingwebhookconfigurations',
  'ValidatingWebhookConfiguration',
);
export const MUTATING_WEBHOOK_CONFIGURATIONS = admission(
  'mutatingwebhookconfigurations',
  'MutatingWebhookConfiguration',
);

interface WebhookConfiguration {
  metadata: { name: string };
  webhooks?: { name: string; clientConfig?: { caBundle?: string } }[];
}

/**
 * Sets `caBundle` (PEM, base64-encoded as the API wants) on each webhook of the named
 * configuration. Returns false when the configuration does not exist (yet).
 */
export async function patchCaBundle(
  client: KubeClient,
  type: ResourceType,
  name: string,
  caBundlePem: string,
): Promise<boolean> {
  let config: WebhookConfiguration;
  try {
    config = await client.get<WebhookConfiguration>(type, undefined, name);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  const bundle = Buffer.from(caBundlePem).toString('base64');
  const ops = (config.webhooks ?? []).flatMap((w, i) =>
    w.clientConfig?.caBundle === bundle
      ? []
      : [
          // `test` guards against the list changing between our read and this write.
          { op: 'test', path: `/webhooks/${i}/name`, value: w.name },
          { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle },
        ],
  );
  if (ops.length > 0) await client.patch(type, undefined, name, ops, { type: 'json' });
  return true;
}
