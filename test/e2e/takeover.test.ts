/**
 * Takeover: a running FlinkDeployment whose status was written in the compatible operator's shape
 * (every spec field, nulls included) is adopted without restarting its job.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { FlinkDeploymentSpec } from '../../src/api/index.ts';
import {
  createDeployment,
  e2eFile,
  eventReasons,
  flinkRest,
  readDeployment,
  runningAndStable,
  streamingDeployment,
  waitFor,
  GROUP,
  VERSION,
  type E2eEnv,
} from './support.ts';

const NAME = 'adopted';
let env: E2eEnv;
const stateDir = e2eFile('e2e-takeover', (e) => (env = e));

/** The spec as the compatible operator's JSON serializer writes it into lastReconciledSpec. */
function upstreamRecorded(spec: FlinkDeploymentSpec, generation: number): string {
  const job = spec.job!;
  return JSON.stringify({
    spec: {
      job: {
        jarURI: job.jarURI,
        parallelism: job.parallelism,
        entryClass: null,
        args: [],
        state: 'running',
        savepointTriggerNonce: null,
        initialSavepointPath: null,
        checkpointTriggerNonce: null,
        upgradeMode: job.upgradeMode,
        allowNonRestoredState: null,
        savepointRedeployNonce: null,
        autoscalerResetNonce: null,
      },
      restartNonce: null,
      flinkConfiguration: spec.flinkConfiguration,
      image: spec.image,
      imagePullPolicy: null,
      serviceAccount: spec.serviceAccount,
      flinkVersion: spec.flinkVersion,
      ingress: null,
      podTemplate: null,
      jobManager: {
        resource: { ...spec.jobManager!.resource, ephemeralStorage: null },
        replicas: 1,
        podTemplate: null,
      },
      taskManager: {
        resource: { ...spec.taskManager!.resource, ephemeralStorage: null },
        replicas: null,
        podTemplate: null,
      },
      logConfiguration: null,
      mode: null,
    },
    resource_metadata: { apiVersion: `${GROUP}/${VERSION}`, metadata: { generation }, firstDeployment: true },
  });
}

test('a running deployment recorded in the compatible operator shape is adopted with no restart', async () => {
  await createDeployment(env, streamingDeployment(NAME, stateDir));
  const running = await waitFor(env, NAME, 'RUNNING', runningAndStable);
  const jobId = running.status!.jobStatus!.jobId!;
  const jm = await env.apps.readNamespacedDeployment({ name: NAME, namespace: env.namespace });
  const restBefore = await flinkRest(env, NAME);
  const startTime = (await restBefore.jobs()).find((j) => j.jid === jobId)!['start-time'];

  // Hand the deployment over as the other operator would have left it.
  await env.stopOperator();
  const recorded = upstreamRecorded(running.spec, running.metadata.generation!);
  await env.custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace: env.namespace,
      plural: 'flinkdeployments',
      name: NAME,
      body: {
        status: {
          reconciliationStatus: {
            state: 'DEPLOYED',
            lastReconciledSpec: recorded,
            lastStableSpec: recorded,
            reconciliationTimestamp: Date.now() - 60_000,
          },
          jobStatus: {
            jobId,
            state: 'RUNNING',
            jobName: 'CarTopSpeedWindowingExample',
            startTime: String(startTime),
          },
          jobManagerDeploymentStatus: 'READY',
          lifecycleState: 'STABLE',
        },
      },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const submitsBefore = (await eventReasons(env, NAME)).filter((r) => r === 'Submit').length;

  await env.startOperator();
  // Let the new operator reconcile a few times.
  await new Promise((r) => setTimeout(r, 12_000));
  const adopted = await readDeployment(env, NAME);
  assert.equal(adopted.status?.jobStatus?.jobId, jobId);
  assert.equal(adopted.status?.lifecycleState, 'STABLE');
  assert.equal(adopted.status?.reconciliationStatus?.state, 'DEPLOYED');
  const jmAfter = await env.apps.readNamespacedDeployment({ name: NAME, namespace: env.namespace });
  assert.equal(jmAfter.metadata?.uid, jm.metadata?.uid, 'the JobManager Deployment was not replaced');
  const rest = await flinkRest(env, NAME);
  const job = (await rest.jobs()).find((j) => j.jid === jobId);
  assert.equal(job?.state, 'RUNNING');
  assert.equal(job?.['start-time'], startTime, 'the job was not restarted');
  const reasons = await eventReasons(env, NAME);
  assert.equal(reasons.filter((r) => r === 'Submit').length, submitsBefore);
  assert.ok(!reasons.includes('SpecChanged'), `no spec change seen: ${reasons.join(', ')}`);
});
