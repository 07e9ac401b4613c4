/**
 * last-state upgrade with Kubernetes HA: the JobManager is replaced while the job's checkpoint
 * pointers are kept, and the new JobManager runs the *new* job graph (here a lower parallelism)
 * restored from the latest checkpoint — not the old graph recovered from HA.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createDeployment,
  e2eFile,
  flinkRest,
  patchSpec,
  runningAndStable,
  runningParallelism,
  streamingDeployment,
  waitFor,
  type E2eEnv,
  kubernetesHa,
} from './support.ts';
import { eventually } from '../support/cluster.ts';

const NAME = 'ha-job';
let env: E2eEnv;
const stateDir = e2eFile('e2e-ha', (e) => (env = e));

test('a last-state upgrade keeps the job and restores its latest checkpoint through HA', async () => {
  const deployment = streamingDeployment(NAME, stateDir, { upgradeMode: 'last-state' });
  deployment.spec.flinkConfiguration = {
    ...deployment.spec.flinkConfiguration,
    ...kubernetesHa(stateDir),
  };
  await createDeployment(env, deployment);
  const first = await waitFor(env, NAME, 'RUNNING', runningAndStable, 240_000);
  const jobId = first.status!.jobStatus!.jobId!;
  assert.equal(await runningParallelism(env, NAME, jobId), 2, 'Flink runs the job at parallelism 2');
  const rest = await flinkRest(env, NAME);
  const checkpointed = await eventually(
    async () => {
      const stats = await rest.checkpointStatistics(jobId);
      return stats.counts.completed >= 2 ? stats : undefined;
    },
    { what: 'completed checkpoints', timeoutMs: 60_000 },
  );
  const maps = await env.core.listNamespacedConfigMap({
    namespace: env.namespace,
    labelSelector: `app=${NAME}`,
  });
  const jobMap = `${NAME}-${jobId}-config-map`;
  assert.ok(
    maps.items.some((cm) => cm.metadata?.name === jobMap),
    `Flink keeps the job's HA metadata in ${jobMap}: ${maps.items.map((cm) => cm.metadata?.name).join(', ')}`,
  );

  await patchSpec(env, NAME, { job: { parallelism: 1 } });
  const upgraded = await waitFor(
    env,
    NAME,
    'upgraded',
    (d) =>
      runningAndStable(d) &&
      d.status?.reconciliationStatus?.lastReconciledSpec?.includes('"parallelism":1') === true,
    240_000,
  );
  assert.equal(upgraded.status!.jobStatus!.jobId, jobId, 'last-state keeps the job id');
  const restAfter = await flinkRest(env, NAME);
  const details = await restAfter.jobDetails(jobId);
  assert.equal(details.state, 'RUNNING');
  assert.deepEqual(
    details.vertices.map((v) => v.parallelism),
    details.vertices.map(() => 1),
    `every vertex Flink runs has the new parallelism 1: ${details.vertices.map((v) => `${v.name}=${v.parallelism}`).join(', ')}`,
  );
  const stats = await restAfter.checkpointStatistics(jobId);
  assert.equal(stats.latest.restored?.is_savepoint, false, 'restored from a checkpoint');
  assert.ok(
    (stats.latest.restored?.id ?? 0) >= (checkpointed.latest.completed?.id ?? 1),
    `restored checkpoint ${stats.latest.restored?.id} is not older than the one seen before the upgrade`,
  );
  assert.equal(upgraded.status?.jobStatus?.upgradeSavepointPath, undefined, 'no savepoint was needed');
});
