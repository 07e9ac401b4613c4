/**
 * An application cluster on real Flink through its whole life: deploy, savepoint upgrade that
 * changes parallelism, suspend, resume, delete. Each step is checked on the Flink side too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  createDeployment,
  deleteDeployment,
  e2eFile,
  eventReasons,
  flinkRest,
  leftovers,
  patchSpec,
  readDeployment,
  runningAndStable,
  runningParallelism,
  streamingDeployment,
  waitFor,
  type E2eEnv,
} from './support.ts';
import { eventually } from '../support/cluster.ts';
import type { FlinkStateSnapshot } from '../../src/api/index.ts';

const NAME = 'lifecycle';
let env: E2eEnv;
const stateDir = e2eFile('e2e-app', (e) => (env = e));

const jobParallelism = (jobId: string) => runningParallelism(env, NAME, jobId);

test('deploy: the job runs on Flink with the requested parallelism', async () => {
  await createDeployment(env, streamingDeployment(NAME, stateDir));
  const d = await waitFor(env, NAME, 'RUNNING and STABLE', runningAndStable);
  const rest = await flinkRest(env, NAME);
  const jobs = await rest.jobs();
  assert.deepEqual(
    jobs.map((j) => [j.jid, j.state]),
    [[d.status!.jobStatus!.jobId, 'RUNNING']],
  );
  assert.equal(await jobParallelism(d.status!.jobStatus!.jobId!), 2);
  assert.deepEqual(
    (await eventReasons(env, NAME)).filter((r) => r === 'Submit'),
    ['Submit'],
  );
});

test('checkpointTriggerNonce creates a manual checkpoint FlinkStateSnapshot that Flink completes', async () => {
  const d = await waitFor(env, NAME, 'RUNNING', runningAndStable);
  await patchSpec(env, NAME, { job: { checkpointTriggerNonce: 1 } });
  const snapshot = await eventually(
    async () => {
      const list = (await env.custom.listNamespacedCustomObject({
        group: 'flink.apache.org',
        version: 'v1beta1',
        namespace: env.namespace,
        plural: 'flinkstatesnapshots',
      })) as { items: FlinkStateSnapshot[] };
      const manual = list.items.filter((x) => x.metadata.name?.startsWith(`${NAME}-checkpoint-manual-`));
      assert.ok(
        manual.length <= 1,
        `one snapshot per nonce: ${manual.map((x) => x.metadata.name).join(', ')}`,
      );
      return manual[0]?.status?.state === 'COMPLETED' ? manual[0] : undefined;
    },
    { what: 'a completed manual checkpoint FlinkStateSnapshot', timeoutMs: 90_000 },
  );
  assert.ok(snapshot.spec.checkpoint, 'it is a checkpoint');
  assert.equal(snapshot.spec.jobReference?.name, NAME);
  // Flink keeps only the newest checkpoints on disk (state.checkpoints.num-retained), so the
  // periodic ones may have replaced this one's folder by now: Flink's own record is the proof.
  const location = snapshot.status!.path!;
  assert.match(location, /\/chk-\d+$/);
  const stats = await (await flinkRest(env, NAME)).checkpointStatistics(d.status!.jobStatus!.jobId!);
  assert.ok(
    stats.history.some((c) => c.external_path === location && c.status === 'COMPLETED'),
    'Flink lists the checkpoint as completed',
  );
});

test('savepoint upgrade: parallelism changes and the new job restores the upgrade savepoint', async () => {
  const before = await waitFor(env, NAME, 'RUNNING', runningAndStable);
  // Let a checkpoint or two complete so there is state worth keeping.
  await new Promise((r) => setTimeout(r, 4000));
  await patchSpec(env, NAME, { job: { parallelism: 1 } });
  const d = await waitFor(
    env,
    NAME,
    'upgraded and RUNNING',
    (x) => runningAndStable(x) && x.status!.jobStatus!.jobId !== before.status!.jobStatus!.jobId,
  );
  const savepoint = d.status!.jobStatus!.upgradeSavepointPath!;
  assert.match(savepoint, /savepoints\/savepoint-/);
  assert.equal(d.status!.jobStatus!.savepointInfo!.lastSavepoint!.triggerType, 'UPGRADE');
  const rest = await flinkRest(env, NAME);
  const stats = await rest.checkpointStatistics(d.status!.jobStatus!.jobId!);
  assert.equal(stats.latest.restored?.is_savepoint, true);
  assert.equal(stats.latest.restored?.external_path, savepoint);
  assert.equal(await jobParallelism(d.status!.jobStatus!.jobId!), 1);
  const reasons = await eventReasons(env, NAME);
  for (const reason of ['SpecChanged', 'Suspended', 'JobStatusChanged'])
    assert.ok(reasons.includes(reason), reason);
});

test('suspend takes a savepoint and removes the cluster; resume restores it', async () => {
  await patchSpec(env, NAME, { job: { state: 'suspended' } });
  const suspended = await waitFor(env, NAME, 'SUSPENDED', (x) => x.status?.lifecycleState === 'SUSPENDED');
  const savepoint = suspended.status!.jobStatus!.upgradeSavepointPath!;
  assert.ok(fs.existsSync(new URL(savepoint.replace(/^file:/, 'file://')).pathname), `${savepoint} exists`);
  await eventually(async () => ((await leftovers(env, NAME)).length === 0 ? true : undefined), {
    what: 'the suspended cluster to be gone',
    timeoutMs: 60_000,
  });

  await patchSpec(env, NAME, { job: { state: 'running' } });
  const resumed = await waitFor(env, NAME, 'RUNNING again', runningAndStable);
  const rest = await flinkRest(env, NAME);
  const stats = await rest.checkpointStatistics(resumed.status!.jobStatus!.jobId!);
  assert.equal(stats.latest.restored?.external_path, savepoint);
});

test('a suspended deployment whose status holds only lastSavepoint (as older operators wrote) resumes from it', async () => {
  await patchSpec(env, NAME, { job: { state: 'suspended' } });
  const suspended = await waitFor(env, NAME, 'SUSPENDED', (x) => x.status?.lifecycleState === 'SUSPENDED');
  const savepoint = suspended.status!.jobStatus!.savepointInfo!.lastSavepoint!.location!;
  await env.custom.patchNamespacedCustomObjectStatus(
    {
      group: 'flink.apache.org',
      version: 'v1beta1',
      namespace: env.namespace,
      plural: 'flinkdeployments',
      name: NAME,
      body: { status: { jobStatus: { upgradeSavepointPath: null } } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const legacy = await readDeployment(env, NAME);
  assert.equal(
    legacy.status?.jobStatus?.upgradeSavepointPath,
    undefined,
    'the status looks like an older operator wrote it',
  );

  await patchSpec(env, NAME, { job: { state: 'running' } });
  const resumed = await waitFor(env, NAME, 'RUNNING from the last savepoint', runningAndStable);
  const rest = await flinkRest(env, NAME);
  const stats = await rest.checkpointStatistics(resumed.status!.jobStatus!.jobId!);
  assert.equal(stats.latest.restored?.is_savepoint, true);
  assert.equal(stats.latest.restored?.external_path, savepoint, 'Flink restored the recorded last savepoint');
  assert.equal((await eventReasons(env, NAME)).includes('UpgradeFailed'), false);
});

test('delete leaves nothing behind', async () => {
  await deleteDeployment(env, NAME);
  await eventually(
    async () => {
      const list = (await env.custom.listNamespacedCustomObject({
        group: 'flink.apache.org',
        version: 'v1beta1',
        namespace: env.namespace,
        plural: 'flinkdeployments',
      })) as { items: unknown[] };
      const left = await leftovers(env, NAME);
      return list.items.length === 0 && left.length === 0 ? true : undefined;
    },
    { what: 'the deployment and all its objects to be gone', timeoutMs: 90_000 },
  );
});
