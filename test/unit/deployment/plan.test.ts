import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkDeployment, FlinkDeploymentSpec, FlinkDeploymentStatus } from '../../../src/api/index.ts';
import {
  parseReconciledSpec,
  serializeReconciledSpec,
} from '../../../src/controllers/common/reconciled-spec.ts';
import type { ObservedDeployment } from '../../../src/controllers/deployment/observed.ts';
import {
  planDeployment,
  type ClusterAction,
  type DeploymentPlan,
} from '../../../src/controllers/deployment/plan.ts';
import { DEFAULT_POLICY } from '../../../src/controllers/deployment/options.ts';
import { periodicTrigger } from '../../../src/api/periodic-trigger.ts';
import type { DeploymentPolicy } from '../../../src/controllers/deployment/policy.ts';
import { errorMessage } from '../../../src/controllers/common/status-error.ts';

const NOW = 1_800_000_000_000;
const every = (text: string) => periodicTrigger(text).trigger!;
const OLD_JOB = 'a'.repeat(32);
const NEW_JOB = 'b'.repeat(32);

function spec(
  overrides: Partial<FlinkDeploymentSpec> = {},
  job: Partial<NonNullable<FlinkDeploymentSpec['job']>> = {},
) {
  return {
    image: 'flink:2.2',
    flinkVersion: 'v2_2',
    flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
    jobManager: { resource: { memory: '1024m', cpu: 1 } },
    taskManager: { resource: { memory: '1024m', cpu: 1 } },
    ...overrides,
    job: {
      jarURI: 'local:///opt/flink/job.jar',
      parallelism: 2,
      upgradeMode: 'stateless',
      state: 'running',
      ...job,
    },
  } as FlinkDeploymentSpec;
}

function resource(s: FlinkDeploymentSpec, status?: FlinkDeploymentStatus, generation = 2): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'demo', namespace: 'ns', generation, uid: 'u1' },
    spec: s,
    ...(status ? { status } : {}),
  };
}

/** Status of a deployed, stable, running application with `deployed` as its spec. */
function runningStatus(
  deployed: FlinkDeploymentSpec,
  extra: Partial<FlinkDeploymentStatus> = {},
): FlinkDeploymentStatus {
  const recorded = serializeReconciledSpec(deployed, false);
  return {
    jobManagerDeploymentStatus: 'READY',
    jobStatus: { jobId: OLD_JOB, state: 'RUNNING', jobName: 'demo' },
    reconciliationStatus: {
      state: 'DEPLOYED',
      lastReconciledSpec: recorded,
      lastStableSpec: recorded,
      reconciliationTimestamp: NOW - 3_600_000,
    },
    lifecycleState: 'STABLE',
    ...extra,
  };
}

const upJm = (generation = 1) =>
  ({ exists: true, replicas: 1, availableReplicas: 1, terminating: false, generation }) as const;

function observed(overrides: Partial<ObservedDeployment> = {}): ObservedDeployment {
  return {
    jobManager: upJm(),
    rest: 'ok',
    job: { found: true, id: OLD_JOB, name: 'demo', state: 'RUNNING', startTime: NOW - 60_000 },
    haMetadataAvailable: false,
    sessionJobs: [],
    ...overrides,
  };
}
const gone: Partial<ObservedDeployment> = { jobManager: { exists: false }, rest: undefined, job: undefined };

function plan(
  r: FlinkDeployment,
  o: ObservedDeployment,
  policy: Partial<DeploymentPolicy> = {},
  now = NOW,
): DeploymentPlan {
  return planDeployment({
    resource: r,
    observed: o,
    policy: { ...DEFAULT_POLICY, ...policy },
    now,
    newJobId: () => NEW_JOB,
  });
}

const recorded = (status: FlinkDeploymentStatus | undefined) =>
  parseReconciledSpec<FlinkDeploymentSpec>(status?.reconciliationStatus?.lastReconciledSpec);
const types = (actions: ClusterAction[]) => actions.map((a) => a.type);
const reasons = (p: DeploymentPlan) => p.events.map((e) => e.reason);

/** Feeds a plan's final status back as the resource's status (what the API server holds after apply). */
function persisted(p: DeploymentPlan): FlinkDeploymentStatus {
  return structuredClone(p.after ?? p.status);
}

describe('first deployment', () => {
  test('records the target as UPGRADING with a new job id before deploying, then DEPLOYED', () => {
    const p = plan(resource(spec()), observed(gone));
    assert.equal(p.status.reconciliationStatus?.state, 'UPGRADING');
    assert.equal(p.status.lifecycleState, 'UPGRADING');
    assert.equal(recorded(p.status)?.spec.job?.state, 'suspended', 'the marker holds a stopped job');
    assert.equal(recorded(p.status)?.firstDeployment, true);
    assert.equal(p.status.jobStatus?.jobId, NEW_JOB);
    assert.equal(p.status.jobStatus?.state, 'RECONCILING');
    assert.deepEqual(p.actions, [
      {
        type: 'deploy',
        spec: spec(),
        generation: 2,
        jobId: NEW_JOB,
        allowNonRestoredState: false,
        restoreFromHa: false,
      },
    ]);
    assert.equal(p.after?.reconciliationStatus?.state, 'DEPLOYED');
    assert.equal(recorded(p.after)?.spec.job?.state, 'running');
    assert.equal(p.after?.lifecycleState, 'DEPLOYED');
    assert.equal(p.after?.observedGeneration, 2);
    assert.deepEqual(reasons(p), ['Submit']);
    assert.ok(p.requeueAfterMs <= DEFAULT_POLICY.progressCheckIntervalMs);
  });

  test('starts from initialSavepointPath', () => {
    const p = plan(resource(spec({}, { initialSavepointPath: '/sp/1' })), observed(gone));
    const deploy = p.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.savepointPath, '/sp/1');
    assert.equal(p.status.jobStatus?.upgradeSavepointPath, '/sp/1');
  });

  test('a job created suspended is not deployed', () => {
    const p = plan(resource(spec({}, { state: 'suspended' })), observed(gone));
    assert.deepEqual(p.actions, []);
    assert.equal(p.status.lifecycleState, 'CREATED');
  });

  test('a session cluster deploys without a job id', () => {
    const s = { ...spec(), job: undefined } as FlinkDeploymentSpec;
    const p = plan(resource(s), observed(gone));
    assert.deepEqual(types(p.actions), ['deploy']);
    assert.equal((p.actions[0] as { jobId?: string }).jobId, undefined);
  });

  test('a retried deploy reuses the recorded job id so the job is never started twice', () => {
    const first = plan(resource(spec()), observed(gone));
    // The operator stopped after writing the pre-deploy status, before the cluster was created.
    const retry = plan(resource(spec(), first.status), observed(gone));
    assert.equal((retry.actions[0] as { jobId: string }).jobId, NEW_JOB);
    const again = planDeployment({
      resource: resource(spec(), first.status),
      observed: observed(gone),
      policy: DEFAULT_POLICY,
      now: NOW,
      newJobId: () => 'c'.repeat(32),
    });
    assert.equal((again.actions[0] as { jobId: string }).jobId, NEW_JOB);
  });

  test('a cluster created for this generation but never recorded is adopted as DEPLOYED without redeploying', () => {
    const first = plan(resource(spec()), observed(gone));
    const p = plan(
      resource(spec(), first.status),
      observed({ jobManager: upJm(2), rest: undefined, job: undefined }),
    );
    assert.deepEqual(p.actions, []);
    assert.equal(p.status.reconciliationStatus?.state, 'DEPLOYED');
  });
});

describe('observation', () => {
  test('a ready JobManager and a running job make the deployment STABLE with a JobStatusChanged event', () => {
    const deployed = spec();
    const status = runningStatus(deployed, {
      jobManagerDeploymentStatus: 'DEPLOYING',
      jobStatus: { jobId: OLD_JOB, state: 'RECONCILING' },
    });
    status.reconciliationStatus!.lastStableSpec = undefined;
    const p = plan(resource(deployed, status), observed());
    assert.equal(p.status.jobManagerDeploymentStatus, 'READY');
    assert.equal(p.status.jobStatus?.state, 'RUNNING');
    assert.equal(p.status.lifecycleState, 'STABLE');
    assert.deepEqual(p.events[0], {
      type: 'Normal',
      reason: 'JobStatusChanged',
      message: 'Job status changed from RECONCILING to RUNNING',
      component: 'Job',
    });
    assert.deepEqual(
      p.status.conditions?.map((c) => [c.type, c.status, c.reason]),
      [['Running', 'True', 'Running']],
    );
    assert.deepEqual(p.status.taskManager, { labelSelector: 'component=taskmanager,app=demo', replicas: 1 });
  });

  test('a JobManager that cannot start is ERROR with a Warning named after the Kubernetes reason', () => {
    const deployed = spec();
    const p = plan(
      resource(deployed, runningStatus(deployed, { jobManagerDeploymentStatus: 'DEPLOYING' })),
      observed({
        jobManager: {
          ...upJm(),
          availableReplicas: 0,
          failure: { reason: 'ErrImagePull', message: 'image "flink:9" not found' },
        },
        rest: undefined,
        job: undefined,
      }),
    );
    assert.equal(p.status.jobManagerDeploymentStatus, 'ERROR');
    assert.deepEqual(JSON.parse(p.status.error!), {
      type: 'org.apache.flink.kubernetes.operator.exception.DeploymentFailedException',
      message: '[flink-main-container] image "flink:9" not found',
    });
    assert.deepEqual(reasons(p), ['ErrImagePull']);
    assert.equal(p.status.jobStatus?.state, 'RECONCILING');
  });

  test('a sidecar or init container that cannot start is named in the message, not the main container', () => {
    const deployed = spec();
    const p = plan(
      resource(deployed, runningStatus(deployed, { jobManagerDeploymentStatus: 'DEPLOYING' })),
      observed({
        jobManager: {
          ...upJm(),
          availableReplicas: 0,
          failure: {
            reason: 'ErrImagePull',
            message: 'image "busybox:none" not found',
            container: 'log-shipper',
          },
        },
        rest: undefined,
        job: undefined,
      }),
    );
    assert.equal(errorMessage(p.status.error), '[log-shipper] image "busybox:none" not found');
  });

  test('a failed job is FAILED with its root cause in status and a Warning', () => {
    const deployed = spec();
    const p = plan(
      resource(deployed, runningStatus(deployed)),
      observed({
        job: { found: true, id: OLD_JOB, name: 'demo', state: 'FAILED' },
        jobFailure: 'java.lang.ArithmeticException: / by zero',
      }),
    );
    assert.equal(p.status.lifecycleState, 'FAILED');
    assert.deepEqual(JSON.parse(p.status.error!), {
      type: 'org.apache.flink.runtime.client.JobExecutionException',
      message: 'java.lang.ArithmeticException: / by zero',
    });
    assert.deepEqual(reasons(p), ['JobStatusChanged', 'Error']);
  });

  test('a job missing from a fresh cluster is not reported until the readiness timeout passes', () => {
    const deployed = spec();
    const status = runningStatus(deployed, { jobStatus: { jobId: OLD_JOB, state: 'RECONCILING' } });
    status.reconciliationStatus!.reconciliationTimestamp = NOW - 5_000;
    const early = plan(resource(deployed, status), observed({ job: { found: false } }));
    assert.deepEqual(reasons(early), []);
    status.reconciliationStatus!.reconciliationTimestamp = NOW - 10 * 60_000;
    const late = plan(resource(deployed, status), observed({ job: { found: false } }));
    assert.deepEqual(reasons(late), ['Missing']);
    assert.equal(late.status.error, 'Job Not Found');
  });

  test('a vanished JobManager is reported once and recovered from HA metadata', () => {
    const deployed = spec({}, { upgradeMode: 'last-state' });
    const p = plan(
      resource(deployed, runningStatus(deployed)),
      observed({ ...gone, haMetadataAvailable: true }),
    );
    assert.deepEqual(reasons(p), ['Missing', 'RecoverDeployment', 'Submit']);
    const deploy = p.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.restoreFromHa, true);
    assert.equal(deploy.jobId, OLD_JOB, 'last-state keeps the job id so Flink finds its HA metadata');
  });

  test('a JobManager that stops answering is reported once, its job no longer RUNNING; an answer restores both', () => {
    const deployed = spec();
    const frozen = observed({
      rest: 'unreachable',
      restError: 'GET http://10.0.0.5:8081/v1/jobs/overview: request timed out after 10000 ms',
      job: undefined,
    });
    const first = plan(resource(deployed, runningStatus(deployed)), frozen);
    assert.equal(first.status.jobManagerDeploymentStatus, 'DEPLOYED_NOT_READY');
    assert.equal(first.status.jobStatus?.state, 'RECONCILING');
    assert.equal(
      errorMessage(first.status.error),
      'JobManager REST API stopped answering: GET http://10.0.0.5:8081/v1/jobs/overview: request timed out after 10000 ms',
    );
    assert.deepEqual(
      first.events.map((e) => [e.type, e.reason]),
      [['Warning', 'Error']],
    );
    assert.deepEqual(first.actions, [], 'nothing is redeployed for a JobManager that may come back');

    const still = plan(resource(deployed, persisted(first)), frozen);
    assert.deepEqual(still.events, [], 'reported once');
    assert.equal(still.status.error, first.status.error);

    const back = plan(resource(deployed, persisted(still)), observed());
    assert.equal(back.status.jobManagerDeploymentStatus, 'READY');
    assert.equal(back.status.jobStatus?.state, 'RUNNING');
    assert.equal(back.status.error, undefined);
    assert.equal(back.status.lifecycleState, 'STABLE');
  });

  test('a vanished JobManager of a savepoint job without HA metadata is not redeployed blindly', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const p = plan(resource(deployed, runningStatus(deployed)), observed(gone));
    assert.deepEqual(p.actions, []);
    assert.match(p.status.error ?? '', /Manual restore required/);
    assert.equal(p.status.lifecycleState, 'FAILED');
  });
});

describe('upgrades', () => {
  test('stateless: the cluster is deleted, then redeployed with a new job id', () => {
    const deployed = spec();
    const changed = spec({ image: 'flink:2.2-new' });
    const p1 = plan(resource(changed, runningStatus(deployed), 3), observed());
    assert.deepEqual(reasons(p1), ['SpecChanged', 'Suspended']);
    assert.match(
      p1.events[0]!.message,
      /^UPGRADE change\(s\) detected \(image: "flink:2.2" -> "flink:2.2-new"\)/,
    );
    assert.equal(p1.events[0]!.onceKey, 'SpecChange: 3');
    assert.deepEqual(p1.actions, [{ type: 'deleteCluster', keepHaData: false }]);
    assert.equal(p1.status.lifecycleState, 'UPGRADING');
    assert.equal(recorded(p1.status)?.spec.image, 'flink:2.2-new');

    const p2 = plan(resource(changed, persisted(p1), 3), observed(gone));
    const deploy = p2.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.type, 'deploy');
    assert.equal(deploy.jobId, NEW_JOB);
    assert.equal(deploy.savepointPath, undefined);
    assert.equal(p2.after?.reconciliationStatus?.state, 'DEPLOYED');
  });

  test('savepoint: stop with savepoint, wait, record the path, delete, redeploy from it', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({}, { upgradeMode: 'savepoint', parallelism: 4 });
    const p1 = plan(resource(changed, runningStatus(deployed), 3), observed());
    assert.deepEqual(p1.actions, [
      { type: 'stopWithSavepoint', jobId: OLD_JOB, drain: false, formatType: 'CANONICAL' },
    ]);
    assert.equal(
      p1.status.jobStatus?.savepointInfo?.triggerType,
      'UPGRADE',
      'the savepoint is marked before it is triggered',
    );
    assert.equal(p1.status.jobStatus?.savepointInfo?.triggerTimestamp, NOW);

    const s2 = persisted(p1);
    s2.jobStatus!.savepointInfo!.triggerId = 'trigger-1';
    const p2 = plan(resource(changed, s2, 3), observed({ trigger: { status: 'IN_PROGRESS' } }));
    assert.deepEqual(p2.actions, [], 'no second savepoint while the first runs');

    const p3 = plan(
      resource(changed, s2, 3),
      observed({
        trigger: { status: 'COMPLETED', location: '/sp/upgrade-1' },
        job: { found: true, id: OLD_JOB, name: 'demo', state: 'FINISHED' },
      }),
    );
    assert.equal(p3.status.jobStatus?.upgradeSavepointPath, '/sp/upgrade-1');
    assert.equal(p3.status.jobStatus?.savepointInfo?.lastSavepoint?.triggerType, 'UPGRADE');
    assert.equal(p3.status.jobStatus?.savepointInfo?.triggerId, undefined);
    assert.deepEqual(p3.actions, [{ type: 'deleteCluster', keepHaData: false }]);

    const p4 = plan(resource(changed, persisted(p3), 3), observed(gone));
    const deploy = p4.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.savepointPath, '/sp/upgrade-1');
    assert.equal(deploy.jobId, NEW_JOB);
    assert.equal(recorded(p4.after)?.spec.job?.parallelism, 4);
  });

  test('savepoint: an operator restart before the trigger was sent triggers it again', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({}, { upgradeMode: 'savepoint', parallelism: 4 });
    const p1 = plan(resource(changed, runningStatus(deployed), 3), observed());
    const p2 = plan(resource(changed, persisted(p1), 3), observed(), {}, NOW + 5_000);
    assert.deepEqual(types(p2.actions), ['stopWithSavepoint']);
  });

  test('savepoint: an operator restart after the job stopped finds the savepoint instead of taking another', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({}, { upgradeMode: 'savepoint', parallelism: 4 });
    const p1 = plan(resource(changed, runningStatus(deployed), 3), observed());
    const p2 = plan(
      resource(changed, persisted(p1), 3),
      observed({
        job: { found: true, id: OLD_JOB, name: 'demo', state: 'FINISHED' },
        latestSavepoint: { location: '/sp/found', timestamp: NOW + 2_000 },
      }),
      {},
      NOW + 10_000,
    );
    assert.ok(!types(p2.actions).includes('stopWithSavepoint'));
    assert.equal(p2.status.jobStatus?.upgradeSavepointPath, '/sp/found');
    assert.deepEqual(types(p2.actions), ['deleteCluster']);
  });

  test('savepoint: a stopped job with no savepoint of this upgrade is refused, not restarted empty', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({}, { upgradeMode: 'savepoint', parallelism: 4 });
    const p1 = plan(resource(changed, runningStatus(deployed), 3), observed());
    const p2 = plan(
      resource(changed, persisted(p1), 3),
      observed({
        job: { found: true, id: OLD_JOB, name: 'demo', state: 'FINISHED' },
        latestSavepoint: { location: '/sp/old', timestamp: NOW - 60_000 },
      }),
    );
    assert.deepEqual(p2.actions, []);
    assert.match(p2.status.error ?? '', /Manual restore required/);
  });

  test('savepoint: a failed savepoint is reported and retried while the job runs', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({}, { upgradeMode: 'savepoint', parallelism: 4 });
    const s = persisted(plan(resource(changed, runningStatus(deployed), 3), observed()));
    s.jobStatus!.savepointInfo!.triggerId = 't1';
    const p = plan(
      resource(changed, s, 3),
      observed({ trigger: { status: 'FAILED', error: 'checkpoint declined' } }),
    );
    assert.deepEqual(reasons(p), ['SavepointError']);
    assert.equal(errorMessage(p.status.error), 'Savepoint failed: checkpoint declined');
    const retry = plan(resource(changed, persisted(p), 3), observed());
    assert.deepEqual(types(retry.actions), ['stopWithSavepoint']);
  });

  test('last-state with HA metadata: delete the JobManager keeping HA data, redeploy with the same job id', () => {
    const deployed = spec({}, { upgradeMode: 'last-state' });
    const changed = spec({ image: 'flink:2.2-b' }, { upgradeMode: 'last-state' });
    const p1 = plan(resource(changed, runningStatus(deployed), 3), observed({ haMetadataAvailable: true }));
    assert.deepEqual(p1.actions, [{ type: 'deleteCluster', keepHaData: true }]);
    const p2 = plan(resource(changed, persisted(p1), 3), observed({ ...gone, haMetadataAvailable: true }));
    const deploy = p2.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.restoreFromHa, true);
    assert.equal(deploy.jobId, OLD_JOB);
    assert.equal(deploy.savepointPath, undefined);
  });

  test('last-state without HA metadata falls back to a savepoint of the running job', () => {
    const deployed = spec({}, { upgradeMode: 'last-state' });
    const changed = spec({ image: 'x' }, { upgradeMode: 'last-state' });
    const p = plan(resource(changed, runningStatus(deployed), 3), observed({ haMetadataAvailable: false }));
    assert.deepEqual(types(p.actions), ['stopWithSavepoint']);
  });

  test('savepoint mode waits while the job restarts and no HA metadata exists, losing nothing', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({ image: 'x' }, { upgradeMode: 'savepoint' });
    const status = runningStatus(deployed, { jobStatus: { jobId: OLD_JOB, state: 'RESTARTING' } });
    const p = plan(
      resource(changed, status, 3),
      observed({ job: { found: true, id: OLD_JOB, name: 'demo', state: 'RESTARTING' } }),
    );
    assert.deepEqual(p.actions, []);
    assert.equal(p.status.reconciliationStatus?.state, 'DEPLOYED');
  });

  test('a finished batch job is redeployed on change with nothing to restore', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const changed = spec({}, { upgradeMode: 'savepoint', args: ['--date', '2026-01-02'] });
    const status = runningStatus(deployed, { jobStatus: { jobId: OLD_JOB, state: 'FINISHED' } });
    const p = plan(
      resource(changed, status, 3),
      observed({ job: { found: true, id: OLD_JOB, name: 'demo', state: 'FINISHED' } }),
    );
    assert.deepEqual(p.actions, [{ type: 'deleteCluster', keepHaData: false }]);
    assert.equal(recorded(p.status)?.spec.job?.upgradeMode, 'stateless');
  });

  test('restartNonce forces an upgrade; changing only upgradeMode does not', () => {
    const deployed = spec();
    const restart = plan(resource(spec({ restartNonce: 7 }), runningStatus(deployed), 3), observed());
    assert.deepEqual(types(restart.actions), ['deleteCluster']);
    const modeOnly = plan(
      resource(spec({}, { upgradeMode: 'savepoint' }), runningStatus(deployed), 3),
      observed(),
    );
    assert.deepEqual(modeOnly.actions, []);
    assert.deepEqual(reasons(modeOnly), []);
  });

  test('standalone TaskManager replicas scale in place', () => {
    const deployed = spec({ mode: 'standalone', taskManager: { replicas: 1 } });
    const changed = spec({ mode: 'standalone', taskManager: { replicas: 3 } });
    const p = plan(resource(changed, runningStatus(deployed), 3), observed());
    assert.deepEqual(p.actions, [{ type: 'scaleTaskManagers', replicas: 3 }]);
    assert.equal(recorded(p.status)?.spec.taskManager?.replicas, 3);
  });
});

describe('suspend and resume', () => {
  test('suspend with savepoint ends SUSPENDED and stable with the savepoint recorded; resume restores it', () => {
    const deployed = spec({}, { upgradeMode: 'savepoint' });
    const suspended = spec({}, { upgradeMode: 'savepoint', state: 'suspended' });
    const p1 = plan(resource(suspended, runningStatus(deployed), 3), observed());
    assert.deepEqual(types(p1.actions), ['stopWithSavepoint']);
    const s2 = persisted(p1);
    s2.jobStatus!.savepointInfo!.triggerId = 't';
    const p2 = plan(
      resource(suspended, s2, 3),
      observed({ trigger: { status: 'COMPLETED', location: '/sp/s1' } }),
    );
    assert.deepEqual(types(p2.actions), ['deleteCluster']);
    const p3 = plan(resource(suspended, persisted(p2), 3), observed(gone));
    assert.deepEqual(p3.actions, []);
    assert.equal(p3.status.lifecycleState, 'SUSPENDED');
    assert.equal(p3.status.reconciliationStatus?.state, 'DEPLOYED');
    assert.equal(p3.status.jobStatus?.upgradeSavepointPath, '/sp/s1');

    const resumed = spec({}, { upgradeMode: 'savepoint', state: 'running' });
    const p4 = plan(resource(resumed, persisted(p3), 4), observed(gone));
    const deploy = p4.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.type, 'deploy');
    assert.equal(deploy.savepointPath, '/sp/s1');
    assert.equal(p4.after?.reconciliationStatus?.state, 'DEPLOYED');
  });

  test('resume falls back to the last recorded savepoint when no upgrade savepoint path is recorded', () => {
    // What older operators left behind: a suspended deployment whose savepoint is only in savepointInfo.
    const suspended = spec({}, { upgradeMode: 'savepoint', state: 'suspended' });
    const status = runningStatus(suspended, {
      lifecycleState: 'SUSPENDED',
      jobManagerDeploymentStatus: 'MISSING',
      jobStatus: {
        jobId: OLD_JOB,
        state: 'FINISHED',
        savepointInfo: {
          lastSavepoint: { location: '/sp/legacy', timeStamp: NOW - 60_000, triggerType: 'UPGRADE' },
        },
      },
    });
    const resumed = spec({}, { upgradeMode: 'savepoint', state: 'running' });
    const p = plan(resource(resumed, status, 4), observed(gone));
    assert.deepEqual(
      reasons(p).filter((r) => r === 'UpgradeFailed'),
      [],
    );
    const deploy = p.actions.find((a) => a.type === 'deploy');
    assert.ok(deploy, `deploys: ${JSON.stringify(types(p.actions))}`);
    assert.equal(deploy.savepointPath, '/sp/legacy');
  });

  test('resume without any recorded savepoint fails the upgrade with a clear message', () => {
    const suspended = spec({}, { upgradeMode: 'savepoint', state: 'suspended' });
    const status = runningStatus(suspended, {
      lifecycleState: 'SUSPENDED',
      jobManagerDeploymentStatus: 'MISSING',
      jobStatus: { jobId: OLD_JOB, state: 'FINISHED' },
    });
    const p = plan(resource(spec({}, { upgradeMode: 'savepoint' }), status, 4), observed(gone));
    assert.ok(reasons(p).includes('UpgradeFailed'));
    assert.equal(
      p.actions.some((a) => a.type === 'deploy'),
      false,
    );
  });

  test('stateless suspend deletes everything and resumes empty', () => {
    const deployed = spec();
    const suspended = spec({}, { state: 'suspended' });
    const p1 = plan(resource(suspended, runningStatus(deployed), 3), observed());
    assert.deepEqual(p1.actions, [{ type: 'deleteCluster', keepHaData: false }]);
    const p2 = plan(resource(suspended, persisted(p1), 3), observed(gone));
    assert.equal(p2.status.lifecycleState, 'SUSPENDED');
    const p3 = plan(resource(spec(), persisted(p2), 4), observed(gone));
    assert.equal((p3.actions[0] as { savepointPath?: string }).savepointPath, undefined);
  });
});

describe('snapshots', () => {
  test('a new savepointTriggerNonce triggers a manual savepoint; completion records it and the nonce', () => {
    const deployed = spec();
    const withNonce = spec({}, { savepointTriggerNonce: 5 });
    const p1 = plan(resource(withNonce, runningStatus(deployed), 3), observed());
    assert.deepEqual(p1.actions, [
      { type: 'triggerSavepoint', jobId: OLD_JOB, triggerType: 'MANUAL', formatType: 'CANONICAL' },
    ]);
    assert.deepEqual(reasons(p1), [], 'a nonce is not a spec change');
    const s2 = persisted(p1);
    s2.jobStatus!.savepointInfo!.triggerId = 't';
    const p2 = plan(
      resource(withNonce, s2, 3),
      observed({ trigger: { status: 'COMPLETED', location: '/sp/m5' } }),
    );
    const info = p2.status.jobStatus?.savepointInfo;
    assert.deepEqual(
      {
        location: info?.lastSavepoint?.location,
        type: info?.lastSavepoint?.triggerType,
        nonce: info?.lastSavepoint?.triggerNonce,
      },
      { location: '/sp/m5', type: 'MANUAL', nonce: 5 },
    );
    assert.equal(recorded(p2.status)?.spec.job?.savepointTriggerNonce, 5);
    assert.equal(p2.status.lifecycleState, 'STABLE');
    const p3 = plan(resource(withNonce, persisted(p2), 3), observed());
    assert.deepEqual(p3.actions, [], 'the same nonce is not triggered twice');
  });

  test('a failed manual savepoint warns, is retried within the grace period, then given up', () => {
    const withNonce = spec({}, { savepointTriggerNonce: 1 });
    const s = persisted(plan(resource(withNonce, runningStatus(spec()), 3), observed()));
    s.jobStatus!.savepointInfo!.triggerId = 't';
    const failed = observed({ trigger: { status: 'FAILED', error: 'boom' } });
    const early = plan(resource(withNonce, s, 3), failed, {}, NOW + 1_000);
    assert.equal(early.events[0]!.message, 'Savepoint failed for savepointTriggerNonce: 1: boom');
    assert.deepEqual(types(plan(resource(withNonce, persisted(early), 3), observed()).actions), [
      'triggerSavepoint',
    ]);
    const late = plan(resource(withNonce, s, 3), failed, {}, NOW + 120_000);
    assert.equal(recorded(late.status)?.spec.job?.savepointTriggerNonce, 1);
    assert.deepEqual(plan(resource(withNonce, persisted(late), 3), observed()).actions, []);
  });

  test('without snapshot resources, a checkpointTriggerNonce triggers a checkpoint through REST', () => {
    const p = plan(resource(spec({}, { checkpointTriggerNonce: 2 }), runningStatus(spec()), 3), observed(), {
      snapshotResources: false,
    });
    assert.deepEqual(p.actions, [{ type: 'triggerCheckpoint', jobId: OLD_JOB, triggerType: 'MANUAL' }]);
  });

  test('with snapshot resources, a checkpointTriggerNonce creates a manual checkpoint FlinkStateSnapshot once', () => {
    const withNonce = spec({}, { checkpointTriggerNonce: 2 });
    const p = plan(resource(withNonce, runningStatus(spec()), 3), observed(), { snapshotResources: true });
    assert.deepEqual(p.actions, [{ type: 'createSnapshot', kind: 'checkpoint', triggerType: 'MANUAL' }]);
    assert.equal(
      recorded(p.status)?.spec.job?.checkpointTriggerNonce,
      undefined,
      'not recorded before it exists',
    );
    assert.equal(recorded(p.after)?.spec.job?.checkpointTriggerNonce, 2, 'recorded once created');
    assert.equal(
      p.after?.reconciliationStatus?.lastStableSpec,
      p.after?.reconciliationStatus?.lastReconciledSpec,
    );
    const again = plan(resource(withNonce, persisted(p), 3), observed(), { snapshotResources: true });
    assert.deepEqual(again.actions, [], 'the same nonce creates no second snapshot');
    assert.deepEqual(reasons(again), []);
  });

  test('periodic savepoints follow the interval', () => {
    const status = runningStatus(spec());
    status.jobStatus!.savepointInfo = { lastPeriodicSavepointTimestamp: NOW - 30_000 };
    const early = plan(resource(spec(), status), observed(), { periodicSavepoint: every('1 min') });
    assert.deepEqual(early.actions, []);
    assert.ok(early.requeueAfterMs <= 30_000);
    const due = plan(resource(spec(), status), observed(), { periodicSavepoint: every('20 s') });
    assert.deepEqual(types(due.actions), ['triggerSavepoint']);
  });

  test('the first periodic savepoint counts from the job start, which an in-place rescale keeps', () => {
    const status = runningStatus(spec());
    status.jobStatus!.startTime = String(NOW - 120_000);
    status.reconciliationStatus!.reconciliationTimestamp = NOW - 1_000; // a rescale just now
    const due = plan(resource(spec(), status), observed(), { periodicSavepoint: every('1 min') });
    assert.deepEqual(types(due.actions), ['triggerSavepoint']);
  });

  test('periodic checkpoints on a Quartz cron schedule fire at the first tick after the last one', () => {
    const status = runningStatus(spec());
    const minute = Math.floor(NOW / 60_000) * 60_000;
    status.jobStatus!.checkpointInfo = { lastPeriodicCheckpointTimestamp: minute - 1 };
    const onTheMinute = { periodicCheckpoint: every('0 * * * * ?') };
    assert.deepEqual(plan(resource(spec(), status), observed(), onTheMinute, minute).actions, [
      { type: 'triggerCheckpoint', jobId: OLD_JOB, triggerType: 'PERIODIC' },
    ]);
    status.jobStatus!.checkpointInfo = { lastPeriodicCheckpointTimestamp: minute + 5_000 };
    const waiting = plan(resource(spec(), status), observed(), onTheMinute, minute + 10_000);
    assert.deepEqual(waiting.actions, []);
    assert.ok(waiting.requeueAfterMs <= 50_000, 'requeued for the next tick');
  });

  test('Flink before 1.17 cannot trigger checkpoints: a nonce is answered with a Warning, periodic ones wait', () => {
    const v116 = (job: Partial<NonNullable<FlinkDeploymentSpec['job']>> = {}) =>
      spec({ flinkVersion: 'v1_16', image: 'flink:1.16' }, job);
    for (const snapshotResources of [false, true]) {
      const p = plan(resource(v116({ checkpointTriggerNonce: 2 }), runningStatus(v116()), 3), observed(), {
        snapshotResources,
      });
      assert.deepEqual(p.actions, [], `snapshotResources ${snapshotResources}`);
      assert.deepEqual(reasons(p), ['CheckpointError']);
      assert.match(p.events[0]!.message, /requires Flink 1\.17\+/);
      assert.equal(recorded(p.status)?.spec.job?.checkpointTriggerNonce, 2, 'the nonce is done with');
    }
    const status = runningStatus(v116());
    const minute = Math.floor(NOW / 60_000) * 60_000;
    status.jobStatus!.checkpointInfo = { lastPeriodicCheckpointTimestamp: minute - 1 };
    const periodic = plan(
      resource(v116(), status),
      observed(),
      { periodicCheckpoint: every('0 * * * * ?') },
      minute,
    );
    assert.deepEqual(periodic.actions, []);
    const v117 = spec({ flinkVersion: 'v1_17', image: 'flink:1.17' }, { checkpointTriggerNonce: 2 });
    assert.deepEqual(
      types(
        plan(
          resource(v117, runningStatus(spec({ flinkVersion: 'v1_17', image: 'flink:1.17' })), 3),
          observed(),
          {
            snapshotResources: false,
          },
        ).actions,
      ),
      ['triggerCheckpoint'],
    );
  });

  test('savepoint history beyond the limit is disposed, keeping the newest', () => {
    const status = runningStatus(spec());
    const history = [1, 2, 3, 4].map((i) => ({
      location: `/sp/${i}`,
      timeStamp: NOW - (5 - i) * 1000,
      triggerType: 'PERIODIC' as const,
    }));
    status.jobStatus!.savepointInfo = { savepointHistory: history, lastSavepoint: history[3] };
    const p = plan(resource(spec(), status), observed(), { savepointHistoryMaxCount: 2 });
    assert.deepEqual(p.actions, [
      { type: 'disposeSavepoint', location: '/sp/1' },
      { type: 'disposeSavepoint', location: '/sp/2' },
    ]);
    assert.deepEqual(
      p.after?.jobStatus?.savepointInfo?.savepointHistory?.map((s) => s.location),
      ['/sp/3', '/sp/4'],
    );
  });
});

describe('rollback', () => {
  const stable = spec({}, { upgradeMode: 'last-state' });
  const broken = spec({ image: 'flink:broken' }, { upgradeMode: 'last-state' });
  /** The broken spec was deployed `age` ago and never became stable. */
  function failedUpgrade(age: number): FlinkDeploymentStatus {
    return {
      jobManagerDeploymentStatus: 'ERROR',
      error: '[flink-main-container] image not found',
      jobStatus: { jobId: OLD_JOB, state: 'RECONCILING' },
      reconciliationStatus: {
        state: 'DEPLOYED',
        lastReconciledSpec: serializeReconciledSpec(broken, false),
        lastStableSpec: serializeReconciledSpec(stable, false),
        reconciliationTimestamp: NOW - age,
      },
      observedGeneration: 3,
    };
  }
  const failing = observed({
    jobManager: {
      ...upJm(3),
      availableReplicas: 0,
      failure: { reason: 'ErrImagePull', message: 'image not found' },
    },
    rest: undefined,
    job: undefined,
    haMetadataAvailable: true,
  });

  test('waits for the readiness timeout, then rolls back to the last stable spec and ends ROLLED_BACK', () => {
    const policy = { rollbackEnabled: true, readinessTimeoutMs: 60_000 };
    const early = plan(resource(broken, failedUpgrade(30_000), 3), failing, policy);
    assert.deepEqual(early.actions, []);
    const p1 = plan(resource(broken, failedUpgrade(120_000), 3), failing, policy);
    assert.ok(reasons(p1).includes('Rollback'));
    assert.equal(p1.status.reconciliationStatus?.state, 'ROLLING_BACK');
    assert.equal(p1.status.lifecycleState, 'ROLLING_BACK');
    assert.deepEqual(p1.actions, [{ type: 'deleteCluster', keepHaData: true }]);

    const p2 = plan(
      resource(broken, persisted(p1), 3),
      observed({ ...gone, haMetadataAvailable: true }),
      policy,
    );
    const deploy = p2.actions[0] as Extract<ClusterAction, { type: 'deploy' }>;
    assert.equal(deploy.spec.image, 'flink:2.2', 'the stable spec is deployed');
    assert.equal(deploy.restoreFromHa, true);
    assert.equal(p2.after?.reconciliationStatus?.state, 'ROLLED_BACK');
    assert.equal(p2.after?.lifecycleState, 'ROLLED_BACK');
    assert.equal(recorded(p2.after)?.spec.image, 'flink:broken', 'the asked-for spec stays recorded');

    const p3 = plan(resource(broken, persisted(p2), 3), observed({ haMetadataAvailable: true }), policy);
    assert.deepEqual(p3.actions, [], 'the broken spec is not retried');
    const fixed = spec({ image: 'flink:2.2-fixed' }, { upgradeMode: 'last-state' });
    const p4 = plan(resource(fixed, persisted(p2), 4), observed({ haMetadataAvailable: true }), policy);
    assert.ok(reasons(p4).includes('SpecChanged'), 'a new spec is an ordinary upgrade');
  });

  test('without rollback enabled a failed upgrade stays as it is', () => {
    const p = plan(resource(broken, failedUpgrade(600_000), 3), failing, { readinessTimeoutMs: 60_000 });
    assert.deepEqual(p.actions, []);
    assert.ok(!reasons(p).includes('Rollback'));
  });
});

describe('failed jobs', () => {
  const failedStatus = () =>
    runningStatus(spec({}, { upgradeMode: 'savepoint' }), { jobStatus: { jobId: OLD_JOB, state: 'FAILED' } });
  const failed = observed({
    job: { found: true, id: OLD_JOB, name: 'demo', state: 'FAILED' },
    latestCheckpoint: { location: '/chk/42', timestamp: NOW - 5_000 },
  });

  test('with job.restart.failed a FAILED job is redeployed from its latest checkpoint', () => {
    const s = spec({}, { upgradeMode: 'savepoint' });
    const p1 = plan(resource(s, failedStatus()), failed, { restartFailedJobs: true });
    assert.ok(reasons(p1).includes('Restart'));
    assert.deepEqual(p1.actions, [{ type: 'deleteCluster', keepHaData: false }]);
    assert.equal(p1.status.jobStatus?.upgradeSavepointPath, '/chk/42');
    const p2 = plan(resource(s, persisted(p1)), observed(gone));
    assert.equal((p2.actions[0] as { savepointPath?: string }).savepointPath, '/chk/42');
  });

  test('without it a FAILED job stays FAILED', () => {
    const p = plan(resource(spec({}, { upgradeMode: 'savepoint' }), failedStatus()), failed);
    assert.deepEqual(p.actions, []);
    assert.equal(p.status.lifecycleState, 'FAILED');
  });
});
