/**
 * The `flink` service account and RBAC that local mode makes for Flink pods must not block the
 * Helm chart: `helm install` into the same namespace afterwards adopts them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  CHART_RELEASE_NAME,
  FLINK_SERVICE_ACCOUNT,
  ensureFlinkServiceAccount,
} from '../../../src/devcluster/flink-rbac.ts';
import { createTestNamespace, testKubeConfig } from '../../support/cluster.ts';
import { CHART, helm } from '../chart/support.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const kubeconfig = process.env.FLINK_OPERATOR_TEST_KUBECONFIG!;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

before(async () => {
  ns = await createTestNamespace(kc, 'rbac');
});
after(async () => {
  await helm('uninstall', CHART_RELEASE_NAME, '--namespace', ns.name, '--kubeconfig', kubeconfig).catch(
    () => undefined,
  );
  await ns.remove();
});

test('helm install of the chart into a namespace after local mode made its flink account adopts it', async () => {
  await ensureFlinkServiceAccount(kc, ns.name);
  // A second run (every `embedded` start) changes nothing and does not fail.
  await ensureFlinkServiceAccount(kc, ns.name);

  const out = await helm(
    'install',
    CHART_RELEASE_NAME,
    CHART,
    '--namespace',
    ns.name,
    '--kubeconfig',
    kubeconfig,
    '--set',
    `watchNamespaces={${ns.name}}`,
    '--set',
    'webhook.create=false',
    // Only the objects matter here, not a running operator.
    '--set',
    'replicas=0',
  );
  assert.match(out, /STATUS: deployed/);

  const sa = await core.readNamespacedServiceAccount({ namespace: ns.name, name: FLINK_SERVICE_ACCOUNT });
  const role = await rbac.readNamespacedRole({ namespace: ns.name, name: 'flink' });
  for (const meta of [sa.metadata, role.metadata]) {
    assert.equal(meta?.annotations?.['meta.helm.sh/release-name'], CHART_RELEASE_NAME);
    assert.equal(meta?.annotations?.['meta.helm.sh/release-namespace'], ns.name);
    // The chart's own labels are there now: Helm owns the objects.
    assert.match(meta?.labels?.['helm.sh/chart'] ?? '', /^flink-operator-/);
  }
  const manifest = await helm(
    'get',
    'manifest',
    CHART_RELEASE_NAME,
    '--namespace',
    ns.name,
    '--kubeconfig',
    kubeconfig,
  );
  assert.match(manifest, /kind: ServiceAccount\s+metadata:\s+name: flink\b/);
});

test('objects an older version made without marks get them; objects someone else manages are left alone', async () => {
  const other = await createTestNamespace(kc, 'rbac-old');
  try {
    await core.createNamespacedServiceAccount({
      namespace: other.name,
      body: { metadata: { name: FLINK_SERVICE_ACCOUNT } },
    });
    await rbac.createNamespacedRole({
      namespace: other.name,
      body: {
        metadata: {
          name: 'flink',
          labels: { 'app.kubernetes.io/managed-by': 'Helm' },
          annotations: { 'meta.helm.sh/release-name': 'mine' },
        },
        rules: [],
      },
    });
    await ensureFlinkServiceAccount(kc, other.name);
    const sa = await core.readNamespacedServiceAccount({
      namespace: other.name,
      name: FLINK_SERVICE_ACCOUNT,
    });
    assert.equal(sa.metadata?.labels?.['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(sa.metadata?.annotations?.['meta.helm.sh/release-name'], CHART_RELEASE_NAME);
    const role = await rbac.readNamespacedRole({ namespace: other.name, name: 'flink' });
    assert.equal(role.metadata?.annotations?.['meta.helm.sh/release-name'], 'mine');
    const binding = await rbac.readNamespacedRoleBinding({
      namespace: other.name,
      name: 'flink-role-binding',
    });
    assert.deepEqual(
      binding.subjects?.map((s) => `${s.namespace}/${s.name}`),
      [`${other.name}/flink`],
    );
  } finally {
    await other.remove();
  }
});
