/**
 * A session cluster deployed by the operator runs two session jobs; a last-state upgrade of one shows
 * CANCELLING while Flink cancels it; the cluster cannot be deleted while they exist, and goes once
 * they are deleted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { FlinkSessionJob } from '../../src/api/index.ts';
import { ensureFlinkDistribution } from '../../src/flink/dist/distribution.ts';
import { eventually } from '../support/cluster.ts';
import {
  createDeployment,
  deleteDeployment,
  e2eFile,
  flinkRest,
  leftovers,
  readDeployment,
  waitFor,
  GROUP,
  VERSION,
  type E2eEnv,
} from './support.ts';
import { errorMessage } from '../../src/controllers/common/status-error.ts';

let env: E2eEnv;
const SESSION = 'session';

const stateDir = e2eFile('e2e-session', (e) => (env = e));

function sessionJob(name: string, jar: string): FlinkSessionJob {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkSessionJob',
    metadata: { name },
    spec: {
      deploymentName: SESSION,
      job: {
        // The operator fetches the jar and uploads it to the session cluster.
        jarURI: `file://${jar}`,
        parallelism: 1,
        upgradeMode: 'stateless',
      },
    },
  } as FlinkSessionJob;
}

async function readJob(name: string): Promise<FlinkSessionJob> {
  return (await env.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural: 'flinksessionjobs',
    name,
  })) as FlinkSessionJob;
}

/**
 * A last-state upgrade of a session job cancels the running job: the status passes through
 * CANCELLING (as scripts waiting on it expect) and ends with a new job RUNNING on Flink.
 */
async function lastStateUpgradeShowsCancelling(before: FlinkSessionJob): Promise<void> {
  const name = before.metadata.name!;
  const oldJobId = before.status!.jobStatus!.jobId!;
  const states: string[] = [];
  const watch = await new k8s.Watch(env.kc).watch(
    `/apis/${GROUP}/${VERSION}/namespaces/${env.namespace}/flinksessionjobs`,
    { fieldSelector: `metadata.name=${name}` },
    (_phase, obj: FlinkSessionJob) => {
      const state = obj.status?.jobStatus?.state;
      if (state && states.at(-1) !== state) states.push(state);
    },
    () => undefined,
  );
  try {
    await env.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: env.namespace,
        plural: 'flinksessionjobs',
        name,
        body: {
          spec: {
            restartNonce: 1,
            flinkConfiguration: { 'execution.checkpointing.dir': `file://${stateDir}/checkpoints` },
            job: { upgradeMode: 'last-state' },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const upgraded = await eventually(
      async () => {
        const job = await readJob(name);
        const id = job.status?.jobStatus?.jobId;
        if (id && id !== oldJobId && job.status?.jobStatus?.state === 'RUNNING') return job;
        throw new Error(
          `${name}: ${id} ${job.status?.jobStatus?.state} ${job.status?.error ?? ''} (${states.join(' -> ')})`,
        );
      },
      { what: `${name} RUNNING again as a new job`, timeoutMs: 120_000 },
    );
    const cancelling = states.indexOf('CANCELLING');
    assert.ok(cancelling >= 0, `the status showed CANCELLING: ${states.join(' -> ')}`);
    assert.ok(states.lastIndexOf('RUNNING') > cancelling, `then RUNNING: ${states.join(' -> ')}`);
    const flinkJobs = await (await flinkRest(env, SESSION)).jobs();
    const stateOf = (id: string) => flinkJobs.find((j) => j.jid === id)?.state;
    assert.equal(stateOf(oldJobId), 'CANCELED', 'Flink cancelled the old job');
    assert.equal(stateOf(upgraded.status!.jobStatus!.jobId!), 'RUNNING', 'Flink runs the new job');
  } finally {
    watch.abort();
  }
}

test('two session jobs run on one session cluster; the cluster is deleted only after them', async () => {
  const dist = await ensureFlinkDistribution('2.2');
  await createDeployment(env, {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkDeployment',
    metadata: { name: SESSION },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1280m', cpu: 0.5 } },
    },
  });
  await waitFor(
    env,
    SESSION,
    'session cluster READY and STABLE',
    (d) => d.status?.lifecycleState === 'STABLE',
  );
  for (const name of ['job-a', 'job-b']) {
    await env.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: env.namespace,
      plural: 'flinksessionjobs',
      body: sessionJob(name, dist.examples.topSpeedWindowing),
    });
  }
  const jobs = await eventually(
    async () => {
      const all = await Promise.all(['job-a', 'job-b'].map(readJob));
      if (all.every((j) => j.status?.jobStatus?.state === 'RUNNING')) return all;
      // Surfaces the reason in the timeout message.
      throw new Error(
        all
          .map((j) => `${j.metadata.name}: ${j.status?.jobStatus?.state} ${j.status?.error ?? ''}`)
          .join('; '),
      );
    },
    { what: 'both session jobs RUNNING', timeoutMs: 180_000 },
  );
  const rest = await flinkRest(env, SESSION);
  const running = (await rest.jobs()).filter((j) => j.state === 'RUNNING').map((j) => j.jid);
  assert.deepEqual(running.sort(), jobs.map((j) => j.status!.jobStatus!.jobId!).sort());

  await lastStateUpgradeShowsCancelling(jobs[0]!);

  await deleteDeployment(env, SESSION);
  const refused = await waitFor(env, SESSION, 'deletion refused', (d) =>
    Boolean(d.status?.error?.includes('should be deleted first')),
  );
  assert.equal(
    errorMessage(refused.status?.error),
    'The session jobs [job-a, job-b] should be deleted first',
  );
  assert.equal((await rest.jobs()).filter((j) => j.state === 'RUNNING').length, 2, 'the jobs still run');

  for (const name of ['job-a', 'job-b']) {
    await env.custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: env.namespace,
      plural: 'flinksessionjobs',
      name,
    });
  }
  await eventually(
    async () => {
      const gone = await readDeployment(env, SESSION).then(
        () => false,
        () => true,
      );
      return gone && (await leftovers(env, SESSION)).length === 0 ? true : undefined;
    },
    { what: 'the session cluster and its objects to be gone', timeoutMs: 120_000 },
  );
});
