import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkDeployment, FlinkDeploymentSpec, FlinkDeploymentStatus } from '../../../src/api/index.ts';
import { OperatorConfig } from '../../../src/runtime/index.ts';
import {
  parseReconciledSpec,
  serializeReconciledSpec,
} from '../../../src/controllers/common/reconciled-spec.ts';
import type { ObservedDeployment } from '../../../src/controllers/deployment/observed.ts';
import { planDeployment, type DeploymentPlan } from '../../../src/controllers/deployment/plan.ts';
import { DEFAULT_POLICY, deploymentPolicy } from '../../../src/controllers/deployment/options.ts';
import type { DeploymentPolicy } from '../../../src/controllers/deployment/policy.ts';

const NOW = 1_800_000_000_000;
const JOB = 'a'.repeat(32);
const OVERRIDES = 'pipeline.jobvertex-parallelism-overrides';

function spec(overrides?: string, flinkVersion = 'v1_20'): FlinkDeploymentSpec {
  return {
    image: 'flink:1.20',
    flinkVersion,
    flinkConfiguration: {
      'jobmanager.scheduler': 'adaptive',
      ...(overrides ? { [OVERRIDES]: overrides } : {}),
    },
    jobManager: { resource: { memory: '1024m', cpu: 1 } },
    taskManager: { resource: { memory: '1024m', cpu: 1 } },
    job: { jarURI: 'local:///opt/flink/job.jar', parallelism: 2, upgradeMode: 'savepoint', state: 'running' },
  } as FlinkDeploymentSpec;
}

function resource(s: FlinkDeploymentSpec, deployed: FlinkDeploymentSpec): FlinkDeployment {
  const recorded = serializeReconciledSpec(deployed, false);
  const status: FlinkDeploymentStatus = {
    jobManagerDeploymentStatus: 'READY',
    jobStatus: { jobId: JOB, state: 'RUNNING', jobName: 'demo' },
    reconciliationStatus: { state: 'DEPLOYED', lastReconciledSpec: recorded, lastStableSpec: recorded },
    lifecycleState: 'STABLE',
  };
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'demo', namespace: 'ns', generation: 2, uid: 'u1' },
    spec: s,
    status,
  };
}

const observed: ObservedDeployment = {
  jobManager: { exists: true, replicas: 1, availableReplicas: 1, terminating: false, generation: 2 },
  rest: 'ok',
  job: { found: true, id: JOB, name: 'demo', state: 'RUNNING', startTime: NOW - 60_000 },
  haMetadataAvailable: false,
  sessionJobs: [],
};

const inPlace: DeploymentPolicy = { ...DEFAULT_POLICY, inPlaceScaling: true };
const plan = (r: FlinkDeployment, policy: DeploymentPolicy = inPlace): DeploymentPlan =>
  planDeployment({ resource: r, observed, policy, now: NOW, newJobId: () => 'b'.repeat(32) });

describe('vertex parallelism overrides', () => {
  test('with the adaptive scheduler they rescale the running job in place', () => {
    const p = plan(resource(spec('v1:4,v2:2'), spec('v1:2')));
    assert.deepEqual(p.actions, [{ type: 'rescaleJob', jobId: JOB, parallelism: { v1: 4, v2: 2 } }]);
    assert.deepEqual(
      p.events.map((e) => e.reason),
      ['SpecChanged', 'Scaling'],
    );
    assert.equal(p.events[1]!.message, 'In-place scaling triggered');
    const recorded = parseReconciledSpec<FlinkDeploymentSpec>(
      p.status.reconciliationStatus?.lastReconciledSpec,
    );
    assert.equal(recorded?.spec.flinkConfiguration?.[OVERRIDES], 'v1:4,v2:2');
    assert.equal(p.status.reconciliationStatus?.state, 'DEPLOYED');
    assert.equal(p.status.jobStatus?.state, 'RUNNING');
  });

  test('the first overrides of a job rescale in place too', () => {
    const p = plan(resource(spec('v1:4'), spec()));
    assert.deepEqual(p.actions, [{ type: 'rescaleJob', jobId: JOB, parallelism: { v1: 4 } }]);
  });

  test('without in-place support they take the upgrade path', () => {
    const upgrade = (p: DeploymentPlan) => p.actions.map((a) => a.type);
    assert.deepEqual(upgrade(plan(resource(spec('v1:4'), spec('v1:2')), DEFAULT_POLICY)), [
      'stopWithSavepoint',
    ]);
    assert.deepEqual(upgrade(plan(resource(spec('v1:4', 'v1_17'), spec('v1:2', 'v1_17')))), [
      'stopWithSavepoint',
    ]);
    // A vertex losing its override returns to the job parallelism, which needs a redeploy.
    assert.deepEqual(upgrade(plan(resource(spec('v1:4'), spec('v1:2,v2:3')))), ['stopWithSavepoint']);
    assert.deepEqual(upgrade(plan(resource(spec(), spec('v1:2')))), ['stopWithSavepoint']);
  });

  test('the policy allows in-place rescaling only with the adaptive scheduler', () => {
    const config = (values: Record<string, string>) =>
      deploymentPolicy(new OperatorConfig(values)).inPlaceScaling;
    assert.equal(config({}), false);
    assert.equal(config({ 'jobmanager.scheduler': 'adaptive' }), true);
    assert.equal(
      config({
        'jobmanager.scheduler': 'adaptive',
        'kubernetes.operator.job.upgrade.inplace-scaling.enabled': 'false',
      }),
      false,
    );
  });
});
