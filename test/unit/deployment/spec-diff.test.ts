import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlinkDeploymentSpec } from '../../../src/api/index.ts';
import { parseReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { diffSpecs } from '../../../src/controllers/deployment/spec-diff.ts';

/** `lastReconciledSpec` as the compatible operator writes it: every field, nulls included. */
const RECORDED_BY_UPSTREAM = JSON.stringify({
  spec: {
    job: {
      jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar',
      parallelism: 2,
      entryClass: null,
      args: [],
      state: 'running',
      savepointTriggerNonce: null,
      initialSavepointPath: null,
      checkpointTriggerNonce: null,
      upgradeMode: 'stateless',
      allowNonRestoredState: null,
      savepointRedeployNonce: null,
      autoscalerResetNonce: null,
    },
    restartNonce: null,
    flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
    image: 'flink:1.20',
    imagePullPolicy: null,
    serviceAccount: 'flink',
    flinkVersion: 'v1_20',
    ingress: null,
    podTemplate: null,
    jobManager: {
      resource: { cpu: 1.0, memory: '2048m', ephemeralStorage: null },
      replicas: 1,
      podTemplate: null,
    },
    taskManager: {
      resource: { cpu: 1.0, memory: '2048m', ephemeralStorage: null },
      replicas: null,
      podTemplate: null,
    },
    logConfiguration: null,
    mode: null,
  },
  resource_metadata: {
    apiVersion: 'flink.apache.org/v1beta1',
    metadata: { generation: 1 },
    firstDeployment: true,
  },
});

/** The manifest the user applied (upstream's basic example). */
const MANIFEST: FlinkDeploymentSpec = {
  image: 'flink:1.20',
  flinkVersion: 'v1_20',
  flinkConfiguration: { 'taskmanager.numberOfTaskSlots': 2 },
  serviceAccount: 'flink',
  jobManager: { resource: { memory: '2048m', cpu: 1 } },
  taskManager: { resource: { memory: '2048m', cpu: 1 } },
  job: {
    jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar',
    parallelism: 2,
    upgradeMode: 'stateless',
  },
} as FlinkDeploymentSpec;

test('a spec recorded by the compatible operator equals the manifest it came from: adoption changes nothing', () => {
  const recorded = parseReconciledSpec<FlinkDeploymentSpec>(RECORDED_BY_UPSTREAM)!;
  assert.equal(recorded.firstDeployment, true);
  assert.deepEqual(diffSpecs(recorded.spec, MANIFEST), { type: 'IGNORE', changes: [] });
});

test('real changes are still classified against an upstream-recorded spec', () => {
  const recorded = parseReconciledSpec<FlinkDeploymentSpec>(RECORDED_BY_UPSTREAM)!.spec;
  const parallelism = diffSpecs(recorded, { ...MANIFEST, job: { ...MANIFEST.job, parallelism: 4 } });
  assert.equal(parallelism.type, 'UPGRADE');
  assert.deepEqual(parallelism.changes, ['job.parallelism: 2 -> 4']);
  const nonce = diffSpecs(recorded, { ...MANIFEST, job: { ...MANIFEST.job, savepointTriggerNonce: 3 } });
  assert.equal(nonce.type, 'IGNORE');
  const redeploy = diffSpecs(recorded, { ...MANIFEST, job: { ...MANIFEST.job, savepointRedeployNonce: 1 } });
  assert.equal(redeploy.type, 'SAVEPOINT_REDEPLOY');
  const operatorKey = diffSpecs(recorded, {
    ...MANIFEST,
    flinkConfiguration: {
      ...MANIFEST.flinkConfiguration,
      'kubernetes.operator.periodic.savepoint.interval': '1h',
    },
  });
  assert.equal(operatorKey.type, 'IGNORE');
});

test('standalone scaling of TaskManagers is a SCALE change; native it is an upgrade', () => {
  const base = { ...MANIFEST, taskManager: { ...MANIFEST.taskManager, replicas: 2 } } as FlinkDeploymentSpec;
  const more = { ...base, taskManager: { ...base.taskManager, replicas: 3 } } as FlinkDeploymentSpec;
  assert.equal(diffSpecs({ ...base, mode: 'standalone' }, { ...more, mode: 'standalone' }).type, 'SCALE');
  assert.equal(diffSpecs(base, more).type, 'UPGRADE');
});
