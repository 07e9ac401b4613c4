import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// Node's WebCrypto is the standard one; the library's parameter type is the DOM's name for it.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_DAYS = 365;

export interface PemPair {
  cert: string;
  key: string;
}

export interface ClusterCertificates {
  ca: PemPair;
  apiserver: PemPair;
  admin: PemPair;
  /** The API server's identity toward the node agent (logs, exec), as toward a kubelet. */
  kubeletClient: PemPair;
  /** Signs service-account tokens (private) and verifies them (public). */
  serviceAccountKey: { key: string; publicKey: string };
}

async function toPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function randomSerial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

function validity(): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - 60_000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + VALIDITY_DAYS * 86_400_000) };
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export interface LeafRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client';
}

/** Generates a certificate authority. */
export async function createCa(
  commonName: string,
): Promise<PemPair & { keys: CryptoKeyPair; certificate: x509.X509Certificate }> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}`,
    ...validity(),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await toPem(keys.privateKey), keys, certificate };
}

/** Issues a leaf certificate signed by `ca`. */
export async function issue(
  ca: { keys: CryptoKeyPair; certificate: x509.X509Certificate },
  req: LeafRequest,
): Promise<PemPair> {
  const keys = await newKeys();
  const subject = [`CN=${req.commonName}`, ...(req.organizations ?? []).map((o) => `O=${o}`)].join(', ');
  const altNames = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.certificate.subject,
    ...validity(),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(
        [req.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      ...(altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate, false),
    ],
  });
  return { cert: certificate.toString('pem'), key: await toPem(keys.privateKey) };
}

/** The common name of the API server's client certificate toward nodes; the node agent admits only it. */
export const KUBELET_CLIENT_NAME = 'kube-apiserver-kubelet-client';

/**
 * Everything the local control plane needs: its CA, the API server's serving cert, an admin client
 * cert, the API server's client cert toward the node agent and the SA key.
 */
export async function createClusterCertificates(serviceIp: string): Promise<ClusterCertificates> {
  const ca = await createCa('flink-operator-local-ca');
  const apiserver = await issue(ca, {
    commonName: 'kube-apiserver',
    usage: 'server',
    dnsNames: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ipAddresses: ['127.0.0.1', serviceIp],
  });
  const admin = await issue(ca, {
    commonName: 'local-admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const kubeletClient = await issue(ca, { commonName: KUBELET_CLIENT_NAME, usage: 'client' });
  const saKeys = await newKeys();
  const publicDer = await webcrypto.subtle.exportKey('spki', saKeys.publicKey);
  return {
    ca: { cert: ca.cert, key: ca.key },
    apiserver,
    admin,
    kubeletClient,
    serviceAccountKey: {
      key: await toPem(saKeys.privateKey),
      publicKey: x509.PemConverter.encode(publicDer, 'PUBLIC KEY'),
    },
  };
}
