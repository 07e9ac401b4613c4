/**
 * Turning the autoscaler off: its state ConfigMap goes when the deployed spec shows it was on,
 * also when it was on through configuration the spec does not carry (its overrides are deployed).
 * A configuration it cannot read turns nothing off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlinkSessionJob, FlinkSessionJobSpec } from '../../../src/api/index.ts';
import { autoscale } from '../../../src/autoscaler/autoscaler.ts';
import { serializeReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { OperatorConfig, type KubeClient } from '../../../src/runtime/index.ts';

const OVERRIDES = 'pipeline.jobvertex-parallelism-overrides';

function sessionJob(own: Record<string, string>, deployed: Record<string, string>): FlinkSessionJob {
  const spec = (flinkConfiguration: Record<string, string>): FlinkSessionJobSpec => ({
    deploymentName: 'session',
    flinkConfiguration,
    job: { jarURI: 'https://repo/job.jar', parallelism: 1 },
  });
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkSessionJob',
    metadata: { name: 'job', namespace: 'ns', uid: 'u' },
    spec: spec(own),
    status: { reconciliationStatus: { lastReconciledSpec: serializeReconciledSpec(spec(deployed), false) } },
  };
}

/**
 * Runs the autoscaler step; returns the ConfigMaps it deleted and the resource it returned. The
 * client answers `delete`, and `get` with `stored` as the state ConfigMap's data when given; any
 * other call fails the test, as does collecting metrics.
 */
async function runStep(job: FlinkSessionJob, stored?: Record<string, string>) {
  const deleted: string[] = [];
  const client = {
    delete: (_type: unknown, namespace: string, name: string) => {
      deleted.push(`${namespace}/${name}`);
      return Promise.resolve();
    },
    ...(stored ? { get: () => Promise.resolve({ data: stored }) } : {}),
  } as unknown as KubeClient;
  const result = await autoscale(job, true, {
    client,
    config: new OperatorConfig().with(job.spec.flinkConfiguration as Record<string, string>),
    restUrl: () => assert.fail('no metrics are collected'),
    recordEvent: () => Promise.resolve(),
    now: 0,
  });
  return { deleted, result };
}

test('the state goes when the deployed spec had the autoscaler on', async () => {
  const job = sessionJob(
    { 'job.autoscaler.enabled': 'false' },
    { 'job.autoscaler.enabled': 'true', [OVERRIDES]: 'v:2' },
  );
  const { deleted, result } = await runStep(job);
  assert.deepEqual(deleted, ['ns/autoscaler-job']);
  assert.equal(result, job, 'the resource goes to planning without the overrides');
});

test('the state goes when overrides not in the spec were deployed (the autoscaler was on elsewhere)', async () => {
  const { deleted } = await runStep(sessionJob({}, { [OVERRIDES]: 'v:2' }));
  assert.deepEqual(deleted, ['ns/autoscaler-job']);
});

test('nothing is deleted when the autoscaler never ran', async () => {
  const { deleted } = await runStep(sessionJob({ [OVERRIDES]: 'v:3' }, { [OVERRIDES]: 'v:3' }));
  assert.deepEqual(deleted, []);
});

test('a configuration that cannot be read keeps the last decision and deletes nothing', async () => {
  const job = sessionJob(
    { 'job.autoscaler.enabled': 'true', 'job.autoscaler.utilization.target': 'high' },
    {},
  );
  const { deleted, result } = await runStep(job, { parallelismOverrides: 'v:4' });
  assert.deepEqual(deleted, []);
  assert.equal((result.spec.flinkConfiguration as Record<string, string>)[OVERRIDES], 'v:4');
});
