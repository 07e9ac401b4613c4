/**
 * The operator's own kubeconfig loader against the real API server: client certificates, a
 * service account token from a file, and an exec credential plugin that hands out such a token.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { KubeClient } from '../../../src/runtime/kube/client.ts';
import { KubeConfig } from '../../../src/runtime/kube/kubeconfig.ts';
import type { KubeObject, ResourceType } from '../../../src/runtime/kube/types.ts';
import { createTestNamespace, testKubeConfig } from '../../support/cluster.ts';

const SelfSubjectReviews: ResourceType = {
  group: 'authentication.k8s.io',
  version: 'v1',
  plural: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  namespaced: false,
};

interface SelfSubjectReview extends KubeObject {
  status?: { userInfo?: { username?: string } };
}

async function whoAmI(kc: KubeConfig): Promise<string | undefined> {
  const client = new KubeClient(kc);
  try {
    const review = await client.create<SelfSubjectReview>(SelfSubjectReviews, { metadata: {} });
    return review.status?.userInfo?.username;
  } finally {
    client.close();
  }
}

const admin = testKubeConfig();
let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
let dir: string;
let token: string;
let caFile: string;

before(async () => {
  namespace = await createTestNamespace(admin, 'kubeconfig');
  const core = admin.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedServiceAccount({
    namespace: namespace.name,
    body: { metadata: { name: 'robot' } },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace: namespace.name,
    name: 'robot',
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  token = request.status!.token;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-it-'));
  caFile = path.join(dir, 'ca.crt');
  fs.writeFileSync(caFile, Buffer.from(admin.getCurrentCluster()!.caData!, 'base64'));
});

after(async () => {
  await namespace.remove();
});

function writeKubeconfig(user: Record<string, unknown>): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      contexts: [{ name: 'test', context: { cluster: 'local', user: 'u', namespace: namespace.name } }],
      clusters: [
        {
          name: 'local',
          cluster: { server: admin.getCurrentCluster()!.server, 'certificate-authority': 'ca.crt' },
        },
      ],
      users: [{ name: 'u', user }],
    }),
  );
  return file;
}

test('the test kubeconfig (client certificate) authenticates as its admin user', async () => {
  const kc = KubeConfig.loadFiles([process.env.FLINK_OPERATOR_TEST_KUBECONFIG!]);
  const username = await whoAmI(kc);
  assert.ok(username && !username.startsWith('system:serviceaccount:'), `admin identity, got ${username}`);
});

test('a token file authenticates as the service account', async () => {
  fs.writeFileSync(path.join(dir, 'token'), token);
  const kc = KubeConfig.loadFiles([writeKubeconfig({ tokenFile: 'token' })]);
  assert.equal(kc.namespace, namespace.name);
  assert.equal(await whoAmI(kc), `system:serviceaccount:${namespace.name}:robot`);
});

test('an exec credential plugin authenticates as the service account; a rejected token makes it run again', async () => {
  const counter = path.join(dir, 'runs');
  fs.writeFileSync(counter, '0');
  const plugin = path.join(dir, 'plugin.mjs');
  // The first run hands out a bad token; every later run the real one.
  fs.writeFileSync(
    plugin,
    `import fs from 'node:fs';
const run = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(run));
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
  status: { token: run === 1 ? 'not-a-token' : ${JSON.stringify(token)} } }));`,
  );
  const kc = KubeConfig.loadFiles([
    writeKubeconfig({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: [plugin],
        interactiveMode: 'Never',
      },
    }),
  ]);
  await assert.rejects(whoAmI(kc), /401/);
  assert.equal(await whoAmI(kc), `system:serviceaccount:${namespace.name}:robot`);
  assert.equal(fs.readFileSync(counter, 'utf8'), '2');
});
