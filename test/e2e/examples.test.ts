/**
 * The example manifests of examples/ on real Flink, one cluster at a time, as users apply them.
 * Only what cannot work on this machine is changed: state paths point into the test's folder,
 * the session jobs' jar comes from the local distribution instead of Maven Central, and the
 * schedule fires within seconds instead of at office hours. Flink's REST API is the proof.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { FlinkDeployment, FlinkSessionJob, FlinkStateSnapshot } from '../../src/api/index.ts';
import { ensureFlinkDistribution } from '../../src/flink/dist/distribution.ts';
import { eventually } from '../support/cluster.ts';
import { exampleDocuments, exampleResource, withStateIn } from '../support/examples.ts';
import {
  createDeployment,
  createObject,
  deleteObjectAndWait,
  e2eFile,
  flinkRest,
  leftovers,
  patchSpec,
  readObject,
  runningAndStable,
  runningParallelism,
  tasksRunning,
  waitFor,
  GROUP,
  VERSION,
  type E2eEnv,
} from './support.ts';

let env: E2eEnv;
const stateDir = e2eFile('e2e-examples-own', (e) => (env = e));

function deployment(file: string, name: string): FlinkDeployment {
  return withStateIn(exampleResource<FlinkDeployment>(file, 'FlinkDeployment', name), stateDir);
}

/**
 * Deletes what a test made, also when it failed, and waits until the clusters' pods are gone, so
 * the next test has the cores to itself. Snapshots and session jobs go first: their finalizers
 * need the running cluster.
 */
async function cleanUp(t: TestContext, objects: [plural: string, name: string][]): Promise<void> {
  for (const [plural, name] of objects) {
    if (plural !== 'flinkdeployments') {
      await deleteObjectAndWait(env, plural, name);
      continue;
    }
    const left = await removeDeployment(name);
    if (left.length > 0) t.diagnostic(`${name}: left after deletion: ${left.join(', ')}`);
  }
}

/** Deletes a deployment and waits until its cluster's pods are gone; returns the other objects left. */
async function removeDeployment(name: string): Promise<string[]> {
  await deleteObjectAndWait(env, 'flinkdeployments', name);
  return eventually(
    async () => {
      const left = await leftovers(env, name);
      const pods = left.filter((o) => o.startsWith('pod/'));
      if (pods.length > 0) throw new Error(`left: ${pods.join(', ')}`);
      return left;
    },
    { what: `the pods of ${name} to be gone`, timeoutMs: 60_000 },
  );
}

test('session cluster and session job: the windowing job runs; both snapshots complete in Flink', async (t) => {
  const snapshots = exampleDocuments(
    path.join('snapshots', 'savepoint.yaml'),
  ) as unknown as FlinkStateSnapshot[];
  t.after(() =>
    cleanUp(t, [
      ...snapshots.map((s): [string, string] => ['flinkstatesnapshots', s.metadata.name!]),
      ['flinksessionjobs', 'session-job-windowing'],
      ['flinkdeployments', 'session-cluster'],
    ]),
  );
  const session = deployment(path.join('session', 'session-cluster.yaml'), 'session-cluster');
  await createDeployment(env, session);

  const job = exampleResource<FlinkSessionJob>(
    path.join('session', 'session-jobs.yaml'),
    'FlinkSessionJob',
    'session-job-windowing',
  );
  assert.match(job.spec.job!.jarURI!, /TopSpeedWindowing\.jar$/);
  job.spec.job!.jarURI = `file://${(await ensureFlinkDistribution('1.20')).examples.topSpeedWindowing}`;
  await createObject(env, 'flinksessionjobs', job);
  const running = await eventually(
    async () => {
      const j = await readObject<FlinkSessionJob>(env, 'flinksessionjobs', 'session-job-windowing');
      return j.status?.jobStatus?.state === 'RUNNING' && j.status.lifecycleState === 'STABLE' ? j : undefined;
    },
    { what: 'the session job to run', timeoutMs: 180_000, intervalMs: 1000 },
  );
  const jobId = running.status!.jobStatus!.jobId!;
  const rest = await flinkRest(env, 'session-cluster');
  assert.equal((await tasksRunning(env, 'session-cluster', jobId)).state, 'RUNNING');
  assert.equal(await runningParallelism(env, 'session-cluster', jobId), job.spec.job!.parallelism);

  for (const s of snapshots) await createObject(env, 'flinkstatesnapshots', s);
  for (const s of snapshots) {
    const name = s.metadata.name!;
    const done = await eventually(
      async () => {
        const x = await readObject<FlinkStateSnapshot>(env, 'flinkstatesnapshots', name);
        if (x.status?.state === 'FAILED') throw new Error(`${name} failed: ${x.status.error}`);
        return x.status?.state === 'COMPLETED' ? x : undefined;
      },
      { what: `${name} to complete`, timeoutMs: 90_000, intervalMs: 1000 },
    );
    const location = done.status!.path!;
    const savepoint = Boolean(s.spec.savepoint);
    // The session cluster's savepoint-dir and checkpoint dir, redirected into this test's folder.
    assert.ok(
      location.includes(`${stateDir}/session-cluster/${savepoint ? 'savepoints' : 'checkpoints'}/`),
      `${name}: ${location}`,
    );
    const stats = await rest.checkpointStatistics(jobId);
    assert.ok(
      stats.history.some(
        (c) => c.external_path === location && c.status === 'COMPLETED' && c.is_savepoint === savepoint,
      ),
      `Flink lists ${location} as a completed ${savepoint ? 'savepoint' : 'checkpoint'}`,
    );
  }
});

test('savepoint upgrade: the new parallelism runs from the upgrade savepoint', async (t) => {
  const name = 'upgrade-savepoint';
  t.after(() => cleanUp(t, [['flinkdeployments', name]]));
  await createDeployment(env, deployment(path.join('upgrades', 'savepoint-upgrade.yaml'), name));
  const before = await waitFor(env, name, 'RUNNING', runningAndStable);
  const oldJobId = before.status!.jobStatus!.jobId!;
  assert.equal((await tasksRunning(env, name, oldJobId)).state, 'RUNNING');

  // As the example's comment says: kubectl patch ... '{"spec":{"job":{"parallelism":1}}}'
  await patchSpec(env, name, { job: { parallelism: 1 } });
  const after = await waitFor(
    env,
    name,
    'upgraded and RUNNING',
    (d) => runningAndStable(d) && d.status!.jobStatus!.jobId !== oldJobId,
  );
  const jobId = after.status!.jobStatus!.jobId!;
  const savepoint = after.status!.jobStatus!.upgradeSavepointPath!;
  assert.ok(savepoint.includes(`${stateDir}/upgrade-savepoint/savepoints/`), savepoint);
  const stats = await (await flinkRest(env, name)).checkpointStatistics(jobId);
  assert.equal(stats.latest.restored?.is_savepoint, true);
  assert.equal(stats.latest.restored?.external_path, savepoint, 'Flink restored the upgrade savepoint');
  assert.equal(await runningParallelism(env, name, jobId), 1);
});

/**
 * The last-state example up to what its upgrade needs: Kubernetes HA holding the job's pointers and
 * a completed checkpoint in the example's checkpoint folder. The upgrade itself, on a deployment of
 * the same shape, is test/e2e/last-state.test.ts (one cluster start less here).
 */
test('last-state with Kubernetes HA: the job runs, checkpoints, and HA keeps its pointers in ConfigMaps', async (t) => {
  const name = 'upgrade-last-state';
  t.after(() => cleanUp(t, [['flinkdeployments', name]]));
  const example = deployment(path.join('upgrades', 'last-state-ha.yaml'), name);
  assert.equal(example.spec.job?.upgradeMode, 'last-state');
  await createDeployment(env, example);
  const d = await waitFor(env, name, 'RUNNING', runningAndStable);
  const jobId = d.status!.jobStatus!.jobId!;
  const rest = await flinkRest(env, name);
  const checkpointed = await eventually(
    async () => {
      const stats = await rest.checkpointStatistics(jobId);
      return stats.counts.completed >= 1 ? stats : undefined;
    },
    { what: 'a completed checkpoint', timeoutMs: 90_000, intervalMs: 1000 },
  );
  const location = checkpointed.latest.completed?.external_path ?? '';
  assert.ok(location.includes(`${stateDir}/upgrade-last-state/checkpoints/`), location);
  const maps = await env.core.listNamespacedConfigMap({
    namespace: env.namespace,
    labelSelector: `app=${name}`,
  });
  const jobMap = `${name}-${jobId}-config-map`;
  assert.ok(
    maps.items.some((cm) => cm.metadata?.name === jobMap),
    `Flink keeps the job's HA metadata in ${jobMap}: ${maps.items.map((cm) => cm.metadata?.name).join(', ')}`,
  );
});

test('scheduled batch run (spec.schedule): a tick starts a run that Flink finishes', async (t) => {
  const name = 'hourly-wordcount';
  // Deleting the template deletes its runs (owner references) and their clusters.
  t.after(() => cleanUp(t, [['flinkdeployments', name]]));
  const template = deployment(path.join('scheduled', 'hourly-schedule.yaml'), name);
  // Fire once, about ten seconds from now, at that second of every minute; suspended once started.
  const second = new Date(Date.now() + 10_000).getUTCSeconds();
  template.spec.schedule = { ...template.spec.schedule, cron: `${second} * * * * ?` };
  await createDeployment(env, template);
  const run = await eventually(
    async () => {
      const list = (await env.custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: env.namespace,
        plural: 'flinkdeployments',
        labelSelector: `flink-operator.dev/schedule=${name}`,
      })) as { items: FlinkDeployment[] };
      return list.items[0];
    },
    { what: 'the first run', timeoutMs: 90_000, intervalMs: 1000 },
  );
  await patchSpec(env, name, { schedule: { suspend: true } });
  const runName = run.metadata.name!;
  assert.match(runName, new RegExp(`^${name}-\\d{8}$`), 'named <template>-<MMddHHmm>');

  const finished = await waitFor(env, runName, 'FINISHED', (d) => d.status?.jobStatus?.state === 'FINISHED');
  const jobId = finished.status!.jobStatus!.jobId!;
  const job = await (await flinkRest(env, runName)).jobDetails(jobId);
  assert.equal(job.state, 'FINISHED', 'Flink finished the batch job');
  const tpl = await readObject<FlinkDeployment>(env, 'flinkdeployments', name);
  assert.equal(tpl.status?.jobStatus?.state, 'CRON_SCHEDULED');
  await removeDeployment(name);
  await eventually(async () => ((await leftovers(env, runName)).length === 0 ? true : undefined), {
    what: 'the run to go with its template',
    timeoutMs: 60_000,
  });
});
