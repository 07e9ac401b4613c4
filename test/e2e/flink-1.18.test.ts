/**
 * Flink 1.18 (a deprecated but supported version) runs end to end: the cluster reads the
 * flink-conf.yaml the operator writes for it, with the 1.x names of the checkpoint and savepoint
 * folders, and a savepoint lands where that file says. Versions outside the supported range are
 * refused before anything is deployed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { FlinkDeployment } from '../../src/api/index.ts';
import { eventually } from '../support/cluster.ts';
import {
  createDeployment,
  e2eFile,
  flinkRest,
  GROUP,
  leftovers,
  patchSpec,
  readDeployment,
  runningAndStable,
  runningParallelism,
  streamingDeployment,
  VERSION,
  waitFor,
  type E2eEnv,
} from './support.ts';

const NAME = 'flink118';
let env: E2eEnv;
const stateDir = e2eFile('e2e-flink118', (e) => (env = e));

function flink118(name: string, flinkVersion: string): FlinkDeployment {
  const d = streamingDeployment(name, stateDir, { upgradeMode: 'savepoint' });
  d.spec.image = 'flink:1.18';
  d.spec.flinkVersion = flinkVersion as FlinkDeployment['spec']['flinkVersion'];
  // The key names Flink 1.18 reads (2.x calls them execution.checkpointing.dir / savepoint-dir).
  d.spec.flinkConfiguration = {
    'taskmanager.numberOfTaskSlots': '2',
    'execution.checkpointing.interval': '2 s',
    'state.checkpoints.dir': `file://${stateDir}/checkpoints`,
    'state.savepoints.dir': `file://${stateDir}/savepoints`,
  };
  return d;
}

test('v1_18 with flink:1.18 runs: Flink 1.18.1 reports the job RUNNING with parallelism 2', async () => {
  await createDeployment(env, flink118(NAME, 'v1_18'));
  const d = await waitFor(env, NAME, 'RUNNING and STABLE', runningAndStable);
  const rest = await flinkRest(env, NAME);
  // Under load the JobManager's REST endpoint can answer before its resource manager does (HTTP 500).
  const overview = await eventually(() => rest.overview(), {
    what: 'the JobManager overview',
    timeoutMs: 60_000,
    intervalMs: 1_000,
  });
  assert.equal(overview['flink-version'], '1.18.1');
  const jobId = d.status!.jobStatus!.jobId!;
  assert.deepEqual(
    (await rest.jobs()).map((j) => [j.jid, j.state]),
    [[jobId, 'RUNNING']],
  );
  assert.equal(await runningParallelism(env, NAME, jobId), 2);
  // Every task runs once a TaskManager has come up (Flink's job state is RUNNING before that).
  await eventually(
    async () =>
      (await rest.jobDetails(jobId)).vertices.every((v) => v.status === 'RUNNING') ? true : undefined,
    { what: 'every vertex of the 1.18 job RUNNING', timeoutMs: 90_000 },
  );
  // Flink 1.18 reads only flink-conf.yaml: that is the file the pods get.
  const cm = await env.core.readNamespacedConfigMap({
    namespace: env.namespace,
    name: `flink-config-${NAME}`,
  });
  assert.deepEqual(
    Object.keys(cm.data ?? {}).filter((k) => k.endsWith('.yaml')),
    ['flink-conf.yaml'],
  );
  assert.match(cm.data!['flink-conf.yaml']!, /^state\.savepoints\.dir: file:\/\//m);
  // Deprecated, not refused: no error in the status.
  assert.equal(d.status?.error ?? undefined, undefined);
});

test('a savepoint of the 1.18 job lands in state.savepoints.dir', async () => {
  await waitFor(env, NAME, 'RUNNING', runningAndStable);
  await patchSpec(env, NAME, { job: { savepointTriggerNonce: 1 } });
  const d = await waitFor(
    env,
    NAME,
    'a completed manual savepoint',
    (x) => (x.status?.jobStatus?.savepointInfo?.lastSavepoint?.location ?? '') !== '',
    90_000,
  );
  const location = d.status!.jobStatus!.savepointInfo!.lastSavepoint!.location!;
  assert.ok(location.startsWith(`file:${stateDir}/savepoints/`), location);
  assert.ok(fs.existsSync(new URL(location).pathname), `${location} exists`);
});

for (const [name, version, message] of [
  [
    'flink114',
    'v1_14',
    /Flink version v1_14 is not supported by this operator version \(supported: v1_15 to v2_\d+\)/,
  ],
  ['noversion', undefined, /Flink Version must be defined\./],
] as const) {
  test(`flinkVersion ${version} is refused: status error, Warning UnsupportedFlinkVersion, nothing deployed`, async () => {
    const body = flink118(name, 'v1_18');
    if (version) body.spec.flinkVersion = version;
    else delete body.spec.flinkVersion;
    await createDeployment(env, body);
    const d = await waitFor(env, name, 'an error in the status', (x) => Boolean(x.status?.error));
    assert.match(d.status!.error!, message);
    const event = await eventually(
      async () => {
        const events = await env.core.listNamespacedEvent({ namespace: env.namespace });
        return events.items.find(
          (e) => e.involvedObject.name === name && e.reason === 'UnsupportedFlinkVersion',
        );
      },
      { what: 'a Warning UnsupportedFlinkVersion event' },
    );
    assert.equal(event.type, 'Warning');
    assert.match(event.message ?? '', message);
    assert.deepEqual(await leftovers(env, name), []);
    assert.equal(
      (await readDeployment(env, name)).status?.jobManagerDeploymentStatus ?? 'MISSING',
      'MISSING',
    );
  });
}

test('a session job on a v1_14 session cluster gets the Warning UnsupportedFlinkVersion too', async () => {
  const session = flink118('oldsession', 'v1_14');
  delete session.spec.job;
  await createDeployment(env, session);
  await env.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural: 'flinksessionjobs',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'FlinkSessionJob',
      metadata: { name: 'oldjob' },
      spec: {
        deploymentName: 'oldsession',
        job: { jarURI: 'file:///opt/flink/examples/streaming/TopSpeedWindowing.jar', parallelism: 1 },
      },
    },
  });
  const event = await eventually(
    async () => {
      const events = await env.core.listNamespacedEvent({ namespace: env.namespace });
      return events.items.find(
        (e) => e.involvedObject.name === 'oldjob' && e.reason === 'UnsupportedFlinkVersion',
      );
    },
    { what: 'a Warning UnsupportedFlinkVersion event on the session job' },
  );
  assert.equal(event.type, 'Warning');
  assert.match(
    event.message ?? '',
    /Flink version v1_14 is not supported by this operator version \(supported: v1_15 to /,
  );
  type Job = { status?: { error?: string; jobStatus?: { jobId?: string } } };
  const job = await eventually(
    async () => {
      const j = (await env.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: env.namespace,
        plural: 'flinksessionjobs',
        name: 'oldjob',
      })) as Job;
      return j.status?.error ? j : undefined;
    },
    { what: 'an error in the session job status' },
  );
  assert.match(job.status?.error ?? '', /v1_14 is not supported/);
  assert.equal(job.status?.jobStatus?.jobId, undefined, 'never submitted');
  assert.deepEqual(await leftovers(env, 'oldsession'), []);
});

test('a flinkVersion the CRD does not list is rejected by the API server', async () => {
  await assert.rejects(
    () => createDeployment(env, flink118('flinkbogus', 'v1_99')),
    (err: { code?: number; body?: unknown }) => {
      assert.equal(err.code, 422);
      assert.match(String(err.body), /spec\.flinkVersion/);
      return true;
    },
  );
  await assert.rejects(() =>
    env.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: env.namespace,
      plural: 'flinkdeployments',
      name: 'flinkbogus',
    }),
  );
});
