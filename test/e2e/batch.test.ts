/** A batch job runs to FINISHED and stays there; the deployment is STABLE. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createDeployment,
  e2eFile,
  eventReasons,
  flinkRest,
  waitFor,
  type E2eEnv,
  GROUP,
  VERSION,
} from './support.ts';

let env: E2eEnv;

e2eFile('e2e-batch', (e) => (env = e));

test('a batch WordCount job ends FINISHED', async () => {
  await createDeployment(env, {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkDeployment',
    metadata: { name: 'wordcount' },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '1' },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1024m', cpu: 0.5 } },
      job: {
        jarURI: 'local:///opt/flink/examples/streaming/WordCount.jar',
        args: ['--execution-mode', 'BATCH'],
        parallelism: 1,
        upgradeMode: 'stateless',
      },
    },
  });
  const d = await waitFor(env, 'wordcount', 'FINISHED', (x) => x.status?.jobStatus?.state === 'FINISHED');
  assert.equal(d.status?.lifecycleState, 'STABLE');
  const rest = await flinkRest(env, 'wordcount');
  const job = (await rest.jobs()).find((j) => j.jid === d.status?.jobStatus?.jobId);
  assert.equal(job?.state, 'FINISHED');
  const reasons = await eventReasons(env, 'wordcount');
  assert.ok(reasons.includes('JobStatusChanged'));
});
