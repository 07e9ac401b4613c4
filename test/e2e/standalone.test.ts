/** Standalone mode: the operator runs the JobManager and TaskManager Deployments itself. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createDeployment,
  e2eFile,
  flinkRest,
  patchSpec,
  runningAndStable,
  streamingDeployment,
  waitFor,
  type E2eEnv,
} from './support.ts';
import { eventually } from '../support/cluster.ts';

const NAME = 'standalone';
let env: E2eEnv;
const stateDir = e2eFile('e2e-standalone', (e) => (env = e));

test('a standalone application runs, and scaling its TaskManagers needs no redeploy', async () => {
  const deployment = streamingDeployment(NAME, stateDir);
  deployment.spec.mode = 'standalone';
  deployment.spec.taskManager = { ...deployment.spec.taskManager, replicas: 1 };
  await createDeployment(env, deployment);
  const d = await waitFor(env, NAME, 'RUNNING', runningAndStable);
  const tm = await env.apps.readNamespacedDeployment({
    name: `${NAME}-taskmanager`,
    namespace: env.namespace,
  });
  assert.equal(tm.metadata?.labels?.type, 'flink-standalone-kubernetes');
  const rest = await flinkRest(env, NAME);
  assert.equal((await rest.jobs()).find((j) => j.jid === d.status?.jobStatus?.jobId)?.state, 'RUNNING');

  await patchSpec(env, NAME, { taskManager: { replicas: 2 } });
  await eventually(
    async () => {
      const overview = await rest.overview();
      return overview.taskmanagers === 2 ? true : undefined;
    },
    { what: 'a second TaskManager to register', timeoutMs: 90_000 },
  );
  const after = await waitFor(env, NAME, 'still RUNNING', runningAndStable);
  assert.equal(after.status?.jobStatus?.jobId, d.status?.jobStatus?.jobId, 'the job was not redeployed');
});
