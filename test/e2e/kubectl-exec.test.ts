/**
 * `kubectl exec` into a JobManager on the local cluster, as the Apache operator's HA e2e scenario
 * drives it: read the configuration the JobManager runs with, then `sh -c "kill 1"` — the
 * JobManager container restarts in its pod and Flink recovers the job from its latest checkpoint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import YAML from 'yaml';
import { kubectl } from '../support/kubectl.ts';
import {
  createDeployment,
  e2eFile,
  flinkRest,
  runningAndStable,
  streamingDeployment,
  waitFor,
  kubernetesHa,
} from './support.ts';
import type { E2eEnv } from './support.ts';
import { eventually } from '../support/cluster.ts';

const NAME = 'exec-ha';
let env: E2eEnv;
const stateDir = e2eFile('e2e-exec', (e) => (env = e));

const inNamespace = (...args: string[]) => kubectl('-n', env.namespace, ...args);

test('kubectl exec reads the JobManager’s configuration, and kill 1 restarts it into the recovered job', async () => {
  const deployment = streamingDeployment(NAME, stateDir, { upgradeMode: 'last-state' });
  deployment.spec.flinkConfiguration = {
    ...deployment.spec.flinkConfiguration,
    ...kubernetesHa(stateDir),
  };
  await createDeployment(env, deployment);
  const running = await waitFor(env, NAME, 'RUNNING', runningAndStable, 240_000);
  const jobId = running.status!.jobStatus!.jobId!;
  const rest = await flinkRest(env, NAME);
  await eventually(
    async () => ((await rest.checkpointStatistics(jobId)).counts.completed >= 1 ? true : undefined),
    { what: 'a completed checkpoint', timeoutMs: 60_000 },
  );
  const pods = await env.core.listNamespacedPod({
    namespace: env.namespace,
    labelSelector: `app=${NAME},component=jobmanager`,
  });
  const jm = pods.items[0]!.metadata!.name!;

  const conf = await inNamespace(
    'exec',
    jm,
    '-c',
    'flink-main-container',
    '--',
    'cat',
    '/opt/flink/conf/config.yaml',
  );
  assert.ok(conf.ok, conf.out);
  const parsed = YAML.parse(conf.out) as Record<string, unknown>;
  const flat = (key: string): unknown =>
    parsed[key] ?? key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], parsed);
  assert.equal(flat('kubernetes.cluster-id'), NAME, 'the JobManager runs with the operator’s configuration');
  assert.equal(flat('high-availability.type'), 'kubernetes');

  const kill = await inNamespace('exec', jm, '-c', 'flink-main-container', '--', '/bin/sh', '-c', 'kill 1');
  assert.ok(kill.ok, kill.out);
  const restarted = await eventually(
    async () => {
      const pod = await env.core.readNamespacedPod({ name: jm, namespace: env.namespace });
      const status = pod.status?.containerStatuses?.find((c) => c.name === 'flink-main-container');
      return status && status.restartCount >= 1 && status.state?.running ? status : undefined;
    },
    { what: `JobManager container of ${jm} restarted`, timeoutMs: 60_000 },
  );
  assert.equal(restarted.restartCount, 1);
  assert.equal(restarted.lastState?.terminated?.exitCode, 143, 'SIGTERM ended the JobManager');
  assert.match(
    (await inNamespace('get', 'pod', jm, '--no-headers')).out,
    new RegExp(`^${jm}\\s+\\S+\\s+\\S+\\s+1\\b`),
  );

  // Flink's HA brings the same job back on the restarted JobManager (same pod, same address),
  // from its latest checkpoint; the JVM may take a while to answer again on a busy machine.
  const after = rest;
  const recovered = await eventually(
    async () => {
      const stats = await after.checkpointStatistics(jobId);
      const details = await after.jobDetails(jobId);
      return details.state === 'RUNNING' && stats.latest.restored ? stats : undefined;
    },
    { what: `job ${jobId} running again, restored`, timeoutMs: 180_000, intervalMs: 1000 },
  );
  assert.equal(recovered.latest.restored?.is_savepoint, false, 'restored from a checkpoint');
  assert.match(
    (await inNamespace('logs', jm, '-c', 'flink-main-container')).out,
    new RegExp(`Restoring job ${jobId}`),
  );
  await waitFor(env, NAME, 'RUNNING and STABLE after the restart', runningAndStable, 120_000);
});
