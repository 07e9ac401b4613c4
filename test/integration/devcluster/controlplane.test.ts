import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

before(async () => {
  ns = await createTestNamespace(kc, 'cp');
});
after(async () => {
  await ns.remove();
});

test('the controller manager turns a Deployment into a ReplicaSet and Pods', async () => {
  await apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    },
  });
  const rs = await eventually(
    async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: ns.name });
      return list.items.length === 1 ? list.items[0] : undefined;
    },
    { what: 'a ReplicaSet' },
  );
  assert.equal(rs?.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
  const pods = await eventually(
    async () => {
      const list = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
      return list.items.length === 2 ? list.items : undefined;
    },
    { what: 'two Pods' },
  );
  for (const pod of pods) assert.equal(pod.metadata?.ownerReferences?.[0]?.name, rs?.metadata?.name);
});

test('garbage collection deletes a ConfigMap whose owner is deleted', async () => {
  const owner = await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: { metadata: { name: 'owner' } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: {
      metadata: {
        name: 'owned',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
      },
    },
  });
  await core.deleteNamespacedConfigMap({ namespace: ns.name, name: 'owner' });
  await eventually(
    async () => {
      const list = await core.listNamespacedConfigMap({ namespace: ns.name });
      return list.items.some((c) => c.metadata?.name === 'owned') ? undefined : true;
    },
    { what: 'the owned ConfigMap to be garbage collected' },
  );
});

test('a CustomResourceDefinition can be applied and an object of it created, with its status subresource', async () => {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const group = `${ns.name}.test.flink-operator.dev`;
  const crdName = `gadgets.${group}`;
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    },
  });
  try {
    await eventually(
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: crdName });
        return (
          crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined
        );
      },
      { what: 'the CRD to be established' },
    );
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const gadget = { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 3 } };
    await eventually(
      () =>
        custom
          .createNamespacedCustomObject({
            group,
            version: 'v1',
            namespace: ns.name,
            plural: 'gadgets',
            body: gadget,
          })
          .then(() => true),
      { what: 'creating a Gadget' },
    );
    await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version: 'v1',
        namespace: ns.name,
        plural: 'gadgets',
        name: 'g1',
        body: { status: { phase: 'Ready' } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const read = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns.name,
      plural: 'gadgets',
      name: 'g1',
    })) as { spec: { size: number }; status: { phase: string } };
    assert.equal(read.spec.size, 3);
    assert.equal(read.status.phase, 'Ready');
  } finally {
    await ext.deleteCustomResourceDefinition({ name: crdName });
  }
});
