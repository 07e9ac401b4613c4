/**
 * The webhook's own TLS material: a self-signed CA (its certificate is the caBundle the API
 * server trusts) and a serving certificate for the webhook Service's DNS names, both valid for a
 * configured time so they can be replaced before they expire.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto is the standard one; the library's parameter type is the DOM's name for it.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Backdating absorbs clock skew between the operator and the API server. */
const BACKDATE_MS = 5 * 60_000;

export interface WebhookCertificates {
  /** PEM of the CA certificate: the caBundle of the webhook configurations. */
  caCert: string;
  /** PEM of the serving certificate and its PKCS#8 private key. */
  cert: string;
  key: string;
}

export interface CertificateRequest {
  dnsNames: string[];
  ipAddresses?: string[];
  validityMs: number;
  now?: Date;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** A fresh CA and a serving certificate it signed, for the given names. */
export async function createWebhookCertificates(req: CertificateRequest): Promise<WebhookCertificates> {
  const notBefore = new Date((req.now ?? new Date()).getTime() - BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + BACKDATE_MS + req.validityMs);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=flink-operator-webhook-ca`,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await keyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${req.dnsNames[0] ?? 'flink-operator-webhook'}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    caCert: ca.toString('pem'),
    cert: leaf.toString('pem'),
    key: x509.PemConverter.encode(der, 'PRIVATE KEY'),
  };
}

/** When the certificate in `pem` stops being valid. */
export function notAfter(pem: string): Date {
  return new x509.X509Certificate(pem).notAfter;
}

/**
 * Whether certificates must be replaced now: the serving certificate expires within
 * `renewBeforeMs`, or does not cover every name the webhook is reached by.
 */
export function needsRenewal(
  certs: WebhookCertificates,
  renewBeforeMs: number,
  names: { dnsNames: string[]; ipAddresses?: string[] },
  now = new Date(),
): boolean {
  const leaf = new x509.X509Certificate(certs.cert);
  if (leaf.notAfter.getTime() - now.getTime() <= renewBeforeMs) return true;
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  const covered = new Set(san?.names.items.map((n) => n.value) ?? []);
  return [...names.dnsNames, ...(names.ipAddresses ?? [])].some((n) => !covered.has(n));
}
