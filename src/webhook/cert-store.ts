/**
 * Keeps the webhook's certificates in a Secret, so every operator replica serves the same
 * certificate and the CA in the webhook configurations stays valid across restarts. Whoever finds
 * the Secret missing or close to expiry writes a new one; a losing writer (409) takes the winner's.
 */
import { isConflict, isNotFound, type KubeClient, type ResourceType } from '../runtime/index.ts';
import { createWebhookCertificates, needsRenewal, notAfter, type WebhookCertificates } from './certs.ts';

export const SECRETS: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  kind: 'Secret',
  namespaced: true,
};

interface Secret {
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

export interface CertificatePolicy {
  namespace: string;
  secretName: string;
  dnsNames: string[];
  ipAddresses: string[];
  validityMs: number;
  renewBeforeMs: number;
}

/** The served certificate plus the CA bundle to trust (the current CA, and the previous one while it is valid). */
export interface StoredCertificates extends WebhookCertificates {
  caBundle: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (data: Record<string, string> | undefined, key: string) =>
  data?.[key] ? Buffer.from(data[key], 'base64').toString('utf8') : undefined;

function fromSecret(secret: Secret): StoredCertificates | undefined {
  const cert = text(secret.data, 'tls.crt');
  const key = text(secret.data, 'tls.key');
  const caBundle = text(secret.data, 'ca.crt');
  const caCert = text(secret.data, 'ca-current.crt');
  if (!cert || !key || !caBundle || !caCert) return undefined;
  return { cert, key, caCert, caBundle };
}

/** PEM blocks of a bundle that are still valid at `now`. */
function validBlocks(bundle: string, now: Date): string[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  return blocks.filter((pem) => notAfter(pem).getTime() > now.getTime());
}

async function write(
  client: KubeClient,
  policy: CertificatePolicy,
  previous: Secret | undefined,
  now: Date,
): Promise<StoredCertificates | 'conflict'> {
  const fresh = await createWebhookCertificates({
    dnsNames: policy.dnsNames,
    ipAddresses: policy.ipAddresses,
    validityMs: policy.validityMs,
    now,
  });
  const old = previous ? fromSecret(previous) : undefined;
  // Keep trusting the previous CA until it expires: replicas that still serve the old certificate
  // keep working while they pick up the new one.
  const caBundle = [fresh.caCert, ...(old ? validBlocks(old.caCert, now) : [])]
    .map((pem) => `${pem.trim()}\n`)
    .join('');
  const stored = { ...fresh, caBundle };
  const secret: Secret = {
    metadata: {
      name: policy.secretName,
      namespace: policy.namespace,
      labels: { 'app.kubernetes.io/component': 'webhook', 'app.kubernetes.io/managed-by': 'flink-operator' },
      ...(previous?.metadata.resourceVersion ? { resourceVersion: previous.metadata.resourceVersion } : {}),
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': b64(stored.cert),
      'tls.key': b64(stored.key),
      'ca.crt': b64(stored.caBundle),
      'ca-current.crt': b64(stored.caCert),
    },
  };
  try {
    if (previous) await client.replace(SECRETS, secret);
    else await client.create(SECRETS, secret);
    return stored;
  } catch (err) {
    if (isConflict(err)) return 'conflict';
    throw err;
  }
}

/** The certificates to serve: the stored ones, or new ones when they are missing or must be renewed. */
export async function ensureCertificates(
  client: KubeClient,
  policy: CertificatePolicy,
  now = new Date(),
): Promise<StoredCertificates> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let secret: Secret | undefined;
    try {
      secret = await client.get<Secret>(SECRETS, policy.namespace, policy.secretName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const stored = secret ? fromSecret(secret) : undefined;
    if (stored && !needsRenewal(stored, policy.renewBeforeMs, policy, now)) return stored;
    const written = await write(client, policy, secret, now);
    if (written !== 'conflict') return written;
  }
  throw new Error(
    `cannot store the webhook certificate in secret ${policy.namespace}/${policy.secretName}: it keeps changing`,
  );
}
