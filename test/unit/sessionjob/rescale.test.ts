/**
 * The session job planner with vertex parallelism overrides (the autoscaler's, merged into the
 * spec in memory): rescale in place when the session cluster can, otherwise upgrade.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkSessionJobSpec } from '../../../src/api/index.ts';
import { withOverrides } from '../../../src/autoscaler/autoscaler.ts';
import { serializeReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { plan, type JobObservation, type PlanInput } from '../../../src/controllers/sessionjob/plan.ts';
import type { SessionJobStatus } from '../../../src/controllers/sessionjob/status.ts';
import { runRequest } from '../../../src/controllers/sessionjob/submit.ts';

const OVERRIDES = 'pipeline.jobvertex-parallelism-overrides';
const JOB_ID = 'a'.repeat(32);

function spec(
  overrides?: string,
  job: Partial<NonNullable<FlinkSessionJobSpec['job']>> = {},
  config: Record<string, string> = {},
): FlinkSessionJobSpec {
  return {
    deploymentName: 'session',
    flinkConfiguration: {
      'job.autoscaler.enabled': 'true',
      ...config,
      ...(overrides ? { [OVERRIDES]: overrides } : {}),
    },
    job: {
      jarURI: 'https://repo/job.jar',
      parallelism: 1,
      state: 'running',
      upgradeMode: 'savepoint',
      ...job,
    },
  };
}

const running: JobObservation = { kind: 'found', state: 'RUNNING', name: 'job', startTime: 1 };

function deployed(recorded: FlinkSessionJobSpec, jobState = 'RUNNING'): SessionJobStatus {
  const text = serializeReconciledSpec(recorded, false);
  return {
    lifecycleState: 'STABLE',
    reconciliationStatus: { state: 'DEPLOYED', lastReconciledSpec: text, lastStableSpec: text },
    jobStatus: { jobId: JOB_ID, state: jobState as 'RUNNING' },
  };
}

const input = (overrides: Partial<PlanInput>): PlanInput => ({
  spec: spec(),
  status: deployed(spec()),
  session: { kind: 'ready' },
  job: running,
  lastStateFallback: true,
  inPlaceScaling: true,
  ...overrides,
});

const savepointUpgrade = {
  type: 'suspend',
  method: 'savepoint',
  restoreFrom: 'savepoint',
  upgradeMode: 'savepoint',
  thenRunning: true,
};

describe('session job plan with parallelism overrides', () => {
  test('new overrides of a running job rescale it in place, with the upgrade as the fallback', () => {
    const result = plan(input({ spec: spec('v1:2,v2:3'), status: deployed(spec('v1:1')) }));
    assert.deepEqual(result.step, {
      type: 'rescale',
      jobId: JOB_ID,
      parallelism: { v1: 2, v2: 3 },
      otherwise: savepointUpgrade,
    });
    assert.deepEqual(
      result.events.map((e) => [e.reason, e.message]),
      [
        [
          'SpecChanged',
          `SCALE change(s) detected (flinkConfiguration.${OVERRIDES}), starting reconciliation.`,
        ],
      ],
    );
  });

  test('the first overrides of a job rescale it in place', () => {
    assert.equal(plan(input({ spec: spec('v1:2') })).step.type, 'rescale');
  });

  test('without in-place scaling on the session cluster, overrides upgrade the job with its upgrade mode', () => {
    const result = plan(input({ spec: spec('v1:2'), status: deployed(spec('v1:1')), inPlaceScaling: false }));
    assert.deepEqual(result.step, savepointUpgrade);
    assert.match(result.events[0]?.message ?? '', /^SCALE change\(s\) detected/);
    const stateless = plan(
      input({
        spec: spec('v1:2', { upgradeMode: 'stateless' }),
        status: deployed(spec('v1:1', { upgradeMode: 'stateless' })),
        inPlaceScaling: false,
      }),
    );
    assert.deepEqual(stateless.step, {
      type: 'suspend',
      method: 'cancel',
      restoreFrom: 'none',
      upgradeMode: 'stateless',
      thenRunning: true,
    });
  });

  test('a vertex losing its override (the autoscaler turned off) upgrades back to the spec', () => {
    assert.deepEqual(plan(input({ spec: spec(), status: deployed(spec('v1:2')) })).step, savepointUpgrade);
    assert.deepEqual(
      plan(input({ spec: spec('v2:2'), status: deployed(spec('v1:2,v2:3')) })).step,
      savepointUpgrade,
    );
  });

  test('overrides changed together with another field upgrade the job', () => {
    const result = plan(input({ spec: spec('v1:2', { args: ['x'] }), status: deployed(spec('v1:1')) }));
    assert.deepEqual(result.step, savepointUpgrade);
    assert.match(result.events[0]?.message ?? '', /^UPGRADE change\(s\) detected/);
  });

  test('a job that is not running is not rescaled in place', () => {
    const restarting = plan(
      input({
        spec: spec('v1:2', { upgradeMode: 'last-state' }),
        status: deployed(spec('v1:1', { upgradeMode: 'last-state' }), 'RESTARTING'),
        job: { ...running, state: 'RESTARTING' },
      }),
    );
    assert.equal(restarting.step.type, 'suspend');
  });

  test('a job suspended by the same change is suspended, not rescaled', () => {
    const result = plan(
      input({ spec: spec('v1:2', { state: 'suspended' }), status: deployed(spec('v1:1')) }),
    );
    assert.deepEqual(result.step, { ...savepointUpgrade, thenRunning: false });
  });

  test('overrides already in effect need nothing; autoscaler keys alone are no change', () => {
    assert.deepEqual(plan(input({ spec: spec('v1:2'), status: deployed(spec('v1:2')) })).step, {
      type: 'none',
    });
    const tuned = spec('v1:2', {}, { 'job.autoscaler.metrics.window': '1m' });
    assert.deepEqual(plan(input({ spec: tuned, status: deployed(spec('v1:2')) })).step, { type: 'none' });
  });

  test('overrides merged over the spec in memory are shipped with the submission, autoscaler keys are not', () => {
    const own = spec('v1:1', {}, { 'job.autoscaler.metrics.window': '1m' });
    const merged = withOverrides(
      { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkSessionJob', metadata: {}, spec: own },
      {
        v2: 4,
      },
    );
    assert.deepEqual(own.flinkConfiguration?.[OVERRIDES], 'v1:1');
    const config = runRequest(merged.spec, JOB_ID, undefined).flinkConfiguration ?? {};
    assert.equal(config[OVERRIDES], 'v1:1,v2:4');
    assert.equal(
      Object.keys(config).some((k) => k.startsWith('job.autoscaler.')),
      false,
    );
  });

  test('a running job whose scheduler bounds drifted from the overrides on record gets them again in place', () => {
    const recorded = deployed(spec('v1:2'));
    assert.deepEqual(
      plan(input({ spec: spec('v1:2'), status: recorded, runningParallelism: { v1: 1, v2: 1 } })),
      {
        step: { type: 'rescale', jobId: JOB_ID, parallelism: { v1: 2 }, otherwise: { type: 'none' } },
        events: [],
      },
    );
    const matching = { v1: 2, v2: 1 };
    assert.deepEqual(
      plan(input({ spec: spec('v1:2'), status: recorded, runningParallelism: matching })).step,
      {
        type: 'none',
      },
    );
    const off = input({
      spec: spec('v1:2'),
      status: recorded,
      runningParallelism: { v1: 1 },
      inPlaceScaling: false,
    });
    assert.deepEqual(plan(off).step, { type: 'none' });
  });

  test('on Flink 2 without in-place scaling the upgrade warns that the submitted overrides are ignored', () => {
    const flink2 = { status: deployed(spec('v1:1')), inPlaceScaling: false, submittedOverridesIgnored: true };
    const result = plan(input({ ...flink2, spec: spec('v1:2') }));
    assert.deepEqual(result.step, savepointUpgrade);
    assert.deepEqual(
      result.events.map((e) => [e.type, e.reason]),
      [
        ['Normal', 'SpecChanged'],
        ['Warning', 'IneffectiveScaling'],
      ],
    );
    // Back to the job's parallelism (no overrides) needs no warning, nor does a cluster that rescales in place.
    assert.equal(plan(input({ ...flink2, spec: spec() })).events.length, 1);
    assert.equal(plan(input({ ...flink2, spec: spec('v1:2'), inPlaceScaling: true })).events.length, 1);
  });
});
