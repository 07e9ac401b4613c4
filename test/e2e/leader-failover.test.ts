/**
 * Two operator replicas with leader election: only the leader acts; when it stops, the other
 * takes over and carries on with the next change.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createOperator } from '../../src/operator.ts';
import { OperatorConfig, createLogger, type Manager } from '../../src/runtime/index.ts';
import {
  createDeployment,
  e2eEnv,
  eventReasons,
  flinkRest,
  patchSpec,
  runningAndStable,
  streamingDeployment,
  waitFor,
  type E2eEnv,
} from './support.ts';

const NAME = 'failover';
let env: E2eEnv;
let replicas: Manager[] = [];
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-failover-'));

function replica(namespace: string, identity: string): Manager {
  return createOperator({
    kubeconfig: process.env.FLINK_OPERATOR_TEST_KUBECONFIG!,
    config: new OperatorConfig({
      'kubernetes.operator.watched.namespaces': namespace,
      'kubernetes.operator.rest.address-resolution': 'pod-ip',
      'kubernetes.operator.reconcile.interval': '10 s',
      'kubernetes.operator.observer.progress-check.interval': '1 s',
      'kubernetes.operator.leader-election.enabled': 'true',
      'kubernetes.operator.leader-election.lease-name': `flink-operator-${namespace}`,
      'kubernetes.operator.leader-election.lease-duration': '4 s',
      'kubernetes.operator.leader-election.renew-deadline': '3 s',
      'kubernetes.operator.leader-election.retry-period': '500 ms',
    }),
    log: createLogger({ level: 'warn' }),
    healthPort: 0,
    leaseNamespace: namespace,
    identity,
  });
}

before(async () => {
  env = await e2eEnv('e2e-failover');
  // Replace the single operator of the environment by two replicas electing a leader.
  await env.stopOperator();
  replicas = [replica(env.namespace, 'replica-a'), replica(env.namespace, 'replica-b')];
  await Promise.all(replicas.map((r) => r.start()));
});
after(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await env.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function holder(): Promise<string | undefined> {
  const coordination = (await import('@kubernetes/client-node')).CoordinationV1Api;
  const api = env.kc.makeApiClient(coordination);
  const lease = await api.readNamespacedLease({
    name: `flink-operator-${env.namespace}`,
    namespace: env.namespace,
  });
  return lease.spec?.holderIdentity ?? undefined;
}

test('the deployment runs under the leader, and the other replica carries on after the leader stops', async () => {
  await createDeployment(env, streamingDeployment(NAME, stateDir));
  const first = await waitFor(env, NAME, 'RUNNING', runningAndStable);
  const leader = await holder();
  assert.ok(leader === 'replica-a' || leader === 'replica-b', `a leader holds the lease: ${leader}`);
  assert.equal((await eventReasons(env, NAME)).filter((r) => r === 'Submit').length, 1, 'deployed once');

  const leaderIndex = leader === 'replica-a' ? 0 : 1;
  await replicas[leaderIndex]!.stop();
  await patchSpec(env, NAME, { job: { parallelism: 1 } });
  const upgraded = await waitFor(
    env,
    NAME,
    'upgraded by the new leader',
    (d) => runningAndStable(d) && d.status!.jobStatus!.jobId !== first.status!.jobStatus!.jobId,
  );
  assert.equal(await holder(), leaderIndex === 0 ? 'replica-b' : 'replica-a');
  const rest = await flinkRest(env, NAME);
  const stats = await rest.checkpointStatistics(upgraded.status!.jobStatus!.jobId!);
  assert.equal(stats.latest.restored?.external_path, upgraded.status!.jobStatus!.upgradeSavepointPath);
  const reasons = await eventReasons(env, NAME);
  assert.equal(reasons.filter((r) => r === 'Suspended').length, 1, 'the upgrade was done once');
});
