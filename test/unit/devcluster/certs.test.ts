import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { createClusterCertificates } from '../../../src/devcluster/certs.ts';

test('the API server certificate is signed by the cluster CA and names every address clients use', async () => {
  const certs = await createClusterCertificates('10.0.0.1');
  const ca = new X509Certificate(certs.ca.cert);
  const server = new X509Certificate(certs.apiserver.cert);
  assert.ok(server.verify(ca.publicKey), 'server cert verifies against the CA');
  assert.ok(server.checkIssued(ca));
  assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(server.checkIP('10.0.0.1'), '10.0.0.1');
  assert.equal(server.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  assert.equal(server.checkHost('example.com'), undefined);
  assert.ok(ca.ca, 'the CA is a CA');
  assert.ok(!server.ca, 'the leaf is not a CA');
});

test('the admin client certificate carries the system:masters group', async () => {
  const certs = await createClusterCertificates('10.0.0.1');
  const admin = new X509Certificate(certs.admin.cert);
  assert.match(admin.subject, /O=system:masters/);
  assert.ok(admin.verify(new X509Certificate(certs.ca.cert).publicKey));
});

test('openssl accepts the generated keys and the service-account key pair matches', async () => {
  const certs = await createClusterCertificates('10.0.0.1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certs-'));
  try {
    fs.writeFileSync(path.join(dir, 'sa.key'), certs.serviceAccountKey.key);
    const derived = execFileSync('openssl', ['pkey', '-in', path.join(dir, 'sa.key'), '-pubout'], {
      encoding: 'utf8',
    });
    assert.equal(derived.trim(), certs.serviceAccountKey.publicKey.trim());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
