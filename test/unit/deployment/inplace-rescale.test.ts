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
const plan = (
  r: FlinkDeployment,
  policy: DeploymentPolicy = inPlace,
  seen: ObservedDeployment = observed,
): DeploymentPlan =>
  planDeployment({ resource: r, observed: seen, policy, now: NOW, newJobId: () => 'b'.repeat(32) });

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

  test('a running job whose scheduler bounds differ from the overrides on record gets them again in place', () => {
    const deployed = spec('v1:2', 'v2_2');
    const running = (bounds: Record<string, number>) => ({ ...observed, vertexUpperBounds: bounds });
    const drifted = plan(resource(deployed, deployed), inPlace, running({ v1: 4, v2: 4 }));
    assert.deepEqual(drifted.actions, [{ type: 'rescaleJob', jobId: JOB, parallelism: { v1: 2 } }]);
    assert.deepEqual(
      drifted.events.map((e) => [e.type, e.reason, e.message]),
      [
        [
          'Normal',
          'Scaling',
          'Setting the vertex parallelism overrides again in place: v1 runs at 4 instead of 2',
        ],
      ],
    );
    assert.equal(
      drifted.status.reconciliationStatus?.lastReconciledSpec,
      resource(deployed, deployed).status!.reconciliationStatus!.lastReconciledSpec,
    );
    // Bounds that match, no bounds read, or no in-place scaling: nothing to do.
    assert.deepEqual(plan(resource(deployed, deployed), inPlace, running({ v1: 2, v2: 4 })).actions, []);
    assert.deepEqual(plan(resource(deployed, deployed)).actions, []);
    assert.deepEqual(plan(resource(deployed, deployed), DEFAULT_POLICY, running({ v1: 4 })).actions, []);
  });

  test('on Flink 2 without in-place scaling a deploy that carries overrides warns that Flink ignores them', () => {
    const warnings = (p: DeploymentPlan) => p.events.filter((e) => e.type === 'Warning').map((e) => e.reason);
    const upgrade = plan(resource(spec('v1:4', 'v2_2'), spec('v1:2', 'v2_2')), DEFAULT_POLICY);
    assert.deepEqual(
      upgrade.actions.map((a) => a.type),
      ['stopWithSavepoint'],
    );
    assert.deepEqual(warnings(upgrade), ['IneffectiveScaling']);
    assert.match(
      upgrade.events.find((e) => e.reason === 'IneffectiveScaling')!.message,
      /jobmanager\.scheduler: adaptive/,
    );
    const first = { ...resource(spec('v1:4', 'v2_2'), spec()), status: {} };
    assert.deepEqual(warnings(plan(first, DEFAULT_POLICY, { ...observed, jobManager: { exists: false } })), [
      'IneffectiveScaling',
    ]);
    // Back to the job's parallelism, Flink 1 (which honours them), or a cluster that rescales in place.
    assert.deepEqual(
      warnings(plan(resource(spec(undefined, 'v2_2'), spec('v1:2', 'v2_2')), DEFAULT_POLICY)),
      [],
    );
    assert.deepEqual(warnings(plan(resource(spec('v1:4'), spec('v1:2')), DEFAULT_POLICY)), []);
    assert.deepEqual(warnings(plan(resource(spec('v1:4', 'v2_2'), spec('v1:2', 'v2_2')))), []);
  });
});
