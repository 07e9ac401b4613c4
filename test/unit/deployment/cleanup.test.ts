import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlinkDeployment, FlinkDeploymentSpec } from '../../../src/api/index.ts';
import { serializeReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import type { ObservedDeployment } from '../../../src/controllers/deployment/observed.ts';
import { planCleanup } from '../../../src/controllers/deployment/plan.ts';
import { DEFAULT_POLICY } from '../../../src/controllers/deployment/options.ts';
import type { DeploymentPolicy } from '../../../src/controllers/deployment/policy.ts';
import { errorMessage } from '../../../src/controllers/common/status-error.ts';

const NOW = 1_800_000_000_000;
const JOB = 'a'.repeat(32);

function deployment(spec: FlinkDeploymentSpec): FlinkDeployment {
  const recorded = serializeReconciledSpec(spec, false);
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
    spec,
    status: {
      jobManagerDeploymentStatus: 'READY',
      jobStatus: spec.job ? { jobId: JOB, state: 'RUNNING' } : {},
      reconciliationStatus: { state: 'DEPLOYED', lastReconciledSpec: recorded, lastStableSpec: recorded },
    },
  };
}
const app = {
  image: 'flink:2.2',
  job: { jarURI: 'local:///j.jar', upgradeMode: 'savepoint' },
} as FlinkDeploymentSpec;
const session = { image: 'flink:2.2' } as FlinkDeploymentSpec;

function observed(o: Partial<ObservedDeployment> = {}): ObservedDeployment {
  return {
    jobManager: { exists: true, replicas: 1, availableReplicas: 1, terminating: false },
    rest: 'ok',
    job: { found: true, id: JOB, name: 'demo', state: 'RUNNING' },
    haMetadataAvailable: false,
    sessionJobs: [],
    ...o,
  };
}
const plan = (r: FlinkDeployment, o: ObservedDeployment, policy: Partial<DeploymentPolicy> = {}) =>
  planCleanup({
    resource: r,
    observed: o,
    policy: { ...DEFAULT_POLICY, ...policy },
    now: NOW,
    newJobId: () => 'x',
  });

test('deleting an application deletes its cluster, then reports DELETED and done', () => {
  const first = plan(deployment(app), observed());
  assert.deepEqual(first.actions, [{ type: 'deleteCluster', keepHaData: false }]);
  assert.equal(first.done, false);
  assert.equal(first.status.lifecycleState, 'DELETING');
  assert.deepEqual(
    first.events.map((e) => e.reason),
    ['Cleanup'],
  );
  const waiting = plan(
    deployment(app),
    observed({ jobManager: { exists: true, replicas: 1, availableReplicas: 0, terminating: true } }),
  );
  assert.deepEqual(waiting.actions, []);
  assert.equal(waiting.done, false);
  const done = plan(deployment(app), observed({ jobManager: { exists: false } }));
  assert.equal(done.done, true);
  assert.equal(done.status.lifecycleState, 'DELETED');
});

test('leftover HA metadata is removed before the finalizer goes', () => {
  const p = plan(deployment(app), observed({ jobManager: { exists: false }, haMetadataAvailable: true }));
  assert.deepEqual(p.actions, [{ type: 'deleteCluster', keepHaData: false }]);
  assert.equal(p.done, false);
});

test('savepoint-on-deletion stops the job with a savepoint first and records it', () => {
  const r = deployment(app);
  const p1 = plan(r, observed(), { savepointOnDeletion: true });
  assert.deepEqual(
    p1.actions.map((a) => a.type),
    ['stopWithSavepoint'],
  );
  r.status = structuredClone(p1.status);
  r.status.jobStatus!.savepointInfo!.triggerId = 't';
  const p2 = plan(r, observed({ trigger: { status: 'COMPLETED', location: '/sp/bye' } }), {
    savepointOnDeletion: true,
  });
  assert.equal(p2.status.jobStatus?.savepointInfo?.lastSavepoint?.location, '/sp/bye');
  assert.deepEqual(p2.actions, [{ type: 'deleteCluster', keepHaData: false }]);
});

test('a session cluster used by session jobs is not deleted and says why', () => {
  const p = plan(deployment(session), observed({ job: undefined, sessionJobs: ['job-a', 'job-b'] }));
  assert.deepEqual(p.actions, []);
  assert.equal(p.done, false);
  assert.equal(errorMessage(p.status.error), 'The session jobs [job-a, job-b] should be deleted first');
  assert.deepEqual(
    p.events.map((e) => [e.type, e.reason]),
    [
      ['Normal', 'Cleanup'],
      ['Warning', 'CleanupFailed'],
    ],
  );
  const unblocked = plan(deployment(session), observed({ job: undefined, sessionJobs: ['job-a'] }), {
    blockSessionDeletionOnJobs: false,
  });
  assert.deepEqual(unblocked.actions, [{ type: 'deleteCluster', keepHaData: false }]);
});
