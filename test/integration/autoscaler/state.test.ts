/**
 * The autoscaler's state on a real API server: the ConfigMap it writes (name, labels, owner), read
 * back after a "restart" (a new store), and removed once the autoscaler is turned off.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { after, before, test } from 'node:test';
import { installCrds, type FlinkDeployment } from '../../../src/api/index.ts';
import { autoscale } from '../../../src/autoscaler/autoscaler.ts';
import { AutoscalerStateStore } from '../../../src/autoscaler/store.ts';
import { EMPTY_STATE, type AutoscalerState } from '../../../src/autoscaler/types.ts';
import { serializeReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { KubeClient, OperatorConfig } from '../../../src/runtime/index.ts';
import { createTestNamespace, testKubeConfig } from '../../support/cluster.ts';
import { autoscaledDeployment } from './fixtures.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
let ns: { name: string; remove: () => Promise<void> };
let owner: FlinkDeployment;

before(async () => {
  await installCrds(kc);
  ns = await createTestNamespace(kc, 'autoscaler');
  owner = (await custom.createNamespacedCustomObject({
    group: 'flink.apache.org',
    version: 'v1beta1',
    namespace: ns.name,
    plural: 'flinkdeployments',
    body: autoscaledDeployment(ns.name, 1),
  })) as FlinkDeployment;
});
after(async () => {
  await ns.remove();
});

const state: AutoscalerState = {
  ...structuredClone(EMPTY_STATE),
  jobId: 'j',
  jobRunningSince: 1,
  parallelismOverrides: { v1: 3 },
  scalingHistory: {
    v1: [
      {
        time: 2,
        currentParallelism: 1,
        newParallelism: 3,
        trueProcessingRate: 10,
        expectedProcessingRate: 30,
        targetDataRate: 20,
      },
    ],
  },
};

test('the state is kept in autoscaler-<name>, labelled and owned by the deployment, and survives a new store', async () => {
  await new AutoscalerStateStore(client).save(owner, state);
  const cm = await core.readNamespacedConfigMap({ namespace: ns.name, name: 'autoscaler-scaled' });
  assert.deepEqual(cm.metadata?.labels, { component: 'autoscaler', app: 'scaled' });
  assert.deepEqual(
    cm.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]),
    [['FlinkDeployment', 'scaled', owner.metadata.uid]],
  );
  assert.equal(cm.data?.parallelismOverrides, 'v1:3');
  assert.deepEqual(await new AutoscalerStateStore(client).load(owner), state);
});

test('a reconcile applies the kept overrides in memory; a reset nonce or turning the autoscaler off removes them', async () => {
  const deps = {
    client,
    config: new OperatorConfig({ 'job.autoscaler.enabled': 'true' }),
    restUrl: () => Promise.resolve(undefined),
    recordEvent: () => Promise.resolve(),
    now: Date.now(),
  };
  const scaled = await autoscale(owner, false, deps);
  assert.equal(scaled.spec.flinkConfiguration?.['pipeline.jobvertex-parallelism-overrides'], 'v1:3');

  // A new reset nonce starts afresh: the overrides go; the same nonce again changes nothing.
  await new AutoscalerStateStore(client).save(owner, state);
  const reset = { ...owner, spec: { ...owner.spec, job: { ...owner.spec.job!, autoscalerResetNonce: 1 } } };
  const fresh = await autoscale(reset, false, deps);
  assert.equal(fresh.spec.flinkConfiguration?.['pipeline.jobvertex-parallelism-overrides'], undefined);
  assert.deepEqual(await new AutoscalerStateStore(client).load(owner), { ...EMPTY_STATE, resetNonce: 1 });
  await new AutoscalerStateStore(client).save(owner, { ...state, resetNonce: 1 });
  const kept = await autoscale(reset, false, deps);
  assert.equal(kept.spec.flinkConfiguration?.['pipeline.jobvertex-parallelism-overrides'], 'v1:3');

  const deployedWithAutoscaler: FlinkDeployment = {
    ...owner,
    status: { reconciliationStatus: { lastReconciledSpec: serializeReconciledSpec(scaled.spec, false) } },
  };
  const off = await autoscale(deployedWithAutoscaler, true, { ...deps, config: new OperatorConfig() });
  assert.equal(off.spec.flinkConfiguration?.['pipeline.jobvertex-parallelism-overrides'], undefined);
  await assert.rejects(
    core.readNamespacedConfigMap({ namespace: ns.name, name: 'autoscaler-scaled' }),
    /404|not found/i,
  );
  assert.deepEqual(await new AutoscalerStateStore(client).load(owner), EMPTY_STATE);
});

test('tuned TaskManager memory is kept in the ConfigMap and applied only while memory tuning is on; a reset drops it', async () => {
  const tuned: AutoscalerState = {
    ...state,
    configOverrides: {
      overrides: {
        'taskmanager.memory.process.size': '805306368 bytes',
        'taskmanager.memory.managed.fraction': '0.0',
        'taskmanager.memory.jvm-metaspace.size': '96 mb',
      },
      removals: ['taskmanager.memory.managed.size'],
      processMemoryBytes: 805306368,
    },
  };
  const store = new AutoscalerStateStore(client);
  await store.save(owner, tuned);
  const cm = await core.readNamespacedConfigMap({ namespace: ns.name, name: 'autoscaler-scaled' });
  assert.deepEqual(JSON.parse(cm.data?.configOverrides ?? 'null'), tuned.configOverrides);
  assert.deepEqual(await new AutoscalerStateStore(client).load(owner), tuned);

  const deps = (config: Record<string, string>) => ({
    client,
    config: new OperatorConfig({ 'job.autoscaler.enabled': 'true', ...config }),
    restUrl: () => Promise.resolve(undefined),
    recordEvent: () => Promise.resolve(),
    now: Date.now(),
  });
  const applied = await autoscale(owner, false, deps({ 'job.autoscaler.memory.tuning.enabled': 'true' }));
  assert.equal(applied.spec.taskManager?.resource?.memory, '805306368');
  assert.equal(applied.spec.flinkConfiguration?.['taskmanager.memory.jvm-metaspace.size'], '96 mb');
  assert.equal(applied.spec.flinkConfiguration?.['pipeline.jobvertex-parallelism-overrides'], 'v1:3');
  const notApplied = await autoscale(owner, false, deps({}));
  assert.equal(notApplied.spec.taskManager?.resource?.memory, '1024m');
  assert.equal(notApplied.spec.flinkConfiguration?.['taskmanager.memory.jvm-metaspace.size'], undefined);

  // Saving a state without tuning removes the key from the ConfigMap.
  await store.save(owner, state);
  const untuned = await core.readNamespacedConfigMap({ namespace: ns.name, name: 'autoscaler-scaled' });
  assert.equal(untuned.data?.configOverrides, undefined);

  await store.save(owner, tuned);
  const reset = { ...owner, spec: { ...owner.spec, job: { ...owner.spec.job!, autoscalerResetNonce: 7 } } };
  const fresh = await autoscale(reset, false, deps({ 'job.autoscaler.memory.tuning.enabled': 'true' }));
  assert.equal(fresh.spec.taskManager?.resource?.memory, '1024m');
  assert.equal((await store.load(owner)).configOverrides, undefined);
});
