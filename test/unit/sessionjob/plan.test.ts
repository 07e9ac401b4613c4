import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkSessionJobSpec } from '../../../src/api/index.ts';
import { serializeReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { periodicTrigger } from '../../../src/api/periodic-trigger.ts';
import { upgradeChanges } from '../../../src/controllers/sessionjob/diff.ts';
import {
  applyObservation,
  plan,
  periodicDue,
  planCleanup,
  type JobObservation,
  type PlanInput,
} from '../../../src/controllers/sessionjob/plan.ts';
import type { SessionState } from '../../../src/controllers/sessionjob/session.ts';
import {
  lifecycleOf,
  recordedSpec,
  type SessionJobStatus,
} from '../../../src/controllers/sessionjob/status.ts';

const spec = (
  job: FlinkSessionJobSpec['job'] = {},
  extra: Partial<FlinkSessionJobSpec> = {},
): FlinkSessionJobSpec => ({
  deploymentName: 'session',
  job: { jarURI: 'https://repo/job.jar', parallelism: 1, state: 'running', upgradeMode: 'stateless', ...job },
  ...extra,
});

const ready: SessionState = { kind: 'ready' };
const running: JobObservation = { kind: 'found', state: 'RUNNING', name: 'job', startTime: 1 };

function deployed(
  recorded: FlinkSessionJobSpec,
  jobStatus: SessionJobStatus['jobStatus'] = {},
  state: 'DEPLOYED' | 'UPGRADING' = 'DEPLOYED',
): SessionJobStatus {
  return {
    reconciliationStatus: { state, lastReconciledSpec: serializeReconciledSpec(recorded, false) },
    jobStatus: { jobId: 'a'.repeat(32), state: 'RUNNING', ...jobStatus },
  };
}

const input = (overrides: Partial<PlanInput>): PlanInput => ({
  spec: spec(),
  status: undefined,
  session: ready,
  job: { kind: 'none' },
  lastStateFallback: true,
  ...overrides,
});

describe('session job plan', () => {
  const cases: { name: string; input: PlanInput; step: Record<string, unknown> }[] = [
    {
      name: 'first deployment submits stateless',
      input: input({}),
      step: { type: 'submit', upgradeMode: 'stateless', firstDeployment: true, restorePath: undefined },
    },
    {
      name: 'first deployment with initialSavepointPath restores from it',
      input: input({ spec: spec({ initialSavepointPath: 'file:///sp/1' }) }),
      step: { type: 'submit', upgradeMode: 'savepoint', restorePath: 'file:///sp/1', firstDeployment: true },
    },
    {
      name: 'first deployment of a suspended job only records it',
      input: input({ spec: spec({ state: 'suspended' }) }),
      step: { type: 'record-suspended' },
    },
    {
      name: 'missing session cluster waits whatever the job',
      input: input({ session: { kind: 'missing', message: 'gone' } }),
      step: { type: 'wait-session', session: { kind: 'missing', message: 'gone' } },
    },
    {
      name: 'unchanged running job: nothing',
      input: input({ status: deployed(spec()), job: running }),
      step: { type: 'none' },
    },
    {
      name: 'nonce-only change of a running job triggers a savepoint, no upgrade',
      input: input({ spec: spec({ savepointTriggerNonce: 7 }), status: deployed(spec()), job: running }),
      step: { type: 'snapshot', kind: 'savepoint', nonce: 7 },
    },
    {
      name: 'checkpoint nonce triggers a checkpoint',
      input: input({ spec: spec({ checkpointTriggerNonce: 3 }), status: deployed(spec()), job: running }),
      step: { type: 'snapshot', kind: 'checkpoint', trigger: 'MANUAL', nonce: 3 },
    },
    {
      name: 'a due periodic savepoint is taken when no nonce changed',
      input: input({ status: deployed(spec()), job: running, periodicDue: 'savepoint' }),
      step: { type: 'snapshot', kind: 'savepoint', trigger: 'PERIODIC' },
    },
    {
      name: 'a changed nonce goes before a due periodic snapshot',
      input: input({
        spec: spec({ savepointTriggerNonce: 1 }),
        status: deployed(spec()),
        job: running,
        periodicDue: 'checkpoint',
      }),
      step: { type: 'snapshot', kind: 'savepoint', trigger: 'MANUAL', nonce: 1 },
    },
    {
      name: 'no periodic snapshot of a suspended job',
      input: input({
        spec: spec({ state: 'suspended' }),
        status: deployed(spec({ state: 'suspended' }), { jobId: undefined }),
        periodicDue: 'savepoint',
      }),
      step: { type: 'none' },
    },
    {
      name: 'already recorded nonce does nothing',
      input: input({
        spec: spec({ savepointTriggerNonce: 7 }),
        status: deployed(spec({ savepointTriggerNonce: 7 })),
        job: running,
      }),
      step: { type: 'none' },
    },
    {
      name: 'nonce waits while the job is not running',
      input: input({
        spec: spec({ savepointTriggerNonce: 7 }),
        status: deployed(spec(), { state: 'RESTARTING' }),
        job: { ...running, state: 'RESTARTING' } as JobObservation,
      }),
      step: { type: 'none' },
    },
    {
      name: 'stateless upgrade cancels and restores nothing',
      input: input({ spec: spec({ args: ['x'] }), status: deployed(spec()), job: running }),
      step: {
        type: 'suspend',
        method: 'cancel',
        restoreFrom: 'none',
        upgradeMode: 'stateless',
        thenRunning: true,
      },
    },
    {
      name: 'savepoint upgrade stops with a savepoint',
      input: input({
        spec: spec({ args: ['x'], upgradeMode: 'savepoint' }),
        status: deployed(spec()),
        job: running,
      }),
      step: {
        type: 'suspend',
        method: 'savepoint',
        restoreFrom: 'savepoint',
        upgradeMode: 'savepoint',
        thenRunning: true,
      },
    },
    {
      name: 'savepoint upgrade of a restarting job falls back to last state',
      input: input({
        spec: spec({ args: ['x'], upgradeMode: 'savepoint' }),
        status: deployed(spec()),
        job: { ...running, state: 'RESTARTING' } as JobObservation,
      }),
      step: { type: 'suspend', method: 'cancel', restoreFrom: 'latest', upgradeMode: 'savepoint' },
    },
    {
      name: 'savepoint upgrade of a restarting job waits without the fallback',
      input: input({
        spec: spec({ args: ['x'], upgradeMode: 'savepoint' }),
        status: deployed(spec()),
        job: { ...running, state: 'RESTARTING' } as JobObservation,
        lastStateFallback: false,
      }),
      step: { type: 'wait' },
    },
    {
      name: 'last-state upgrade cancels and restores the latest checkpoint',
      input: input({
        spec: spec({ parallelism: 2, upgradeMode: 'last-state' }),
        status: deployed(spec()),
        job: running,
      }),
      step: { type: 'suspend', method: 'cancel', restoreFrom: 'latest', upgradeMode: 'last-state' },
    },
    {
      name: 'suspending with savepoint mode stops with a savepoint and stays down',
      input: input({
        spec: spec({ state: 'suspended', upgradeMode: 'savepoint' }),
        status: deployed(spec()),
        job: running,
      }),
      step: { type: 'suspend', method: 'savepoint', thenRunning: false },
    },
    {
      name: 'restartNonce is an upgrade',
      input: input({ spec: spec({}, { restartNonce: 2 }), status: deployed(spec()), job: running }),
      step: { type: 'suspend', method: 'cancel' },
    },
    {
      name: 'upgrade of a finished job needs no REST call and restores its latest state',
      input: input({
        spec: spec({ args: ['x'], upgradeMode: 'savepoint' }),
        status: deployed(spec()),
        job: { ...running, state: 'FINISHED' } as JobObservation,
      }),
      step: { type: 'suspend', method: 'none', restoreFrom: 'latest' },
    },
    {
      name: 'a cancelling job makes the upgrade wait',
      input: input({
        spec: spec({ args: ['x'] }),
        status: deployed(spec()),
        job: { ...running, state: 'CANCELLING' } as JobObservation,
      }),
      step: { type: 'wait' },
    },
    {
      name: 'unknown job status makes the upgrade wait',
      input: input({
        spec: spec({ args: ['x'] }),
        status: deployed(spec()),
        job: { kind: 'unreachable', error: 'timeout' },
      }),
      step: { type: 'wait' },
    },
    {
      name: 'resume after a savepoint suspension restores the recorded savepoint',
      input: input({
        spec: spec({ upgradeMode: 'savepoint' }),
        status: deployed(spec({ state: 'suspended', upgradeMode: 'savepoint' }), {
          jobId: undefined,
          state: 'FINISHED',
          upgradeSavepointPath: 'file:///sp/2',
        }),
      }),
      step: {
        type: 'submit',
        upgradeMode: 'savepoint',
        restorePath: 'file:///sp/2',
        firstDeployment: false,
        jobId: undefined,
      },
    },
    {
      name: 'resume asked as stateless ignores the recorded savepoint',
      input: input({
        spec: spec({ upgradeMode: 'stateless' }),
        status: deployed(spec({ state: 'suspended', upgradeMode: 'savepoint' }), {
          jobId: undefined,
          upgradeSavepointPath: 'file:///sp/2',
        }),
      }),
      step: { type: 'submit', upgradeMode: 'stateless', restorePath: undefined },
    },
    {
      name: 'a retried submission reuses the job id recorded before the first attempt',
      input: input({
        status: deployed(
          spec({ state: 'suspended' }),
          { jobId: 'b'.repeat(32), state: 'RECONCILING' },
          'UPGRADING',
        ),
      }),
      step: { type: 'submit', jobId: 'b'.repeat(32) },
    },
    {
      name: 'a resubmission after a finished upgrade gets a new id',
      input: input({
        status: deployed(spec({ state: 'suspended' }), { jobId: undefined, state: 'FINISHED' }, 'UPGRADING'),
      }),
      step: { type: 'submit', jobId: undefined },
    },
    {
      name: 'spec change while suspended is only recorded',
      input: input({
        spec: spec({ state: 'suspended', args: ['y'] }),
        status: deployed(spec({ state: 'suspended' }), { jobId: undefined }),
      }),
      step: { type: 'record-suspended' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { step } = plan(c.input);
      for (const [key, value] of Object.entries(c.step)) {
        assert.deepEqual((step as Record<string, unknown>)[key], value, `${key} of ${JSON.stringify(step)}`);
      }
    });
  }

  test('a spec change announces itself once, not while already upgrading', () => {
    const changed = plan(input({ spec: spec({ args: ['x'] }), status: deployed(spec()), job: running }));
    assert.equal(changed.events.length, 1);
    assert.equal(changed.events[0]?.reason, 'SpecChanged');
    assert.match(
      changed.events[0]?.message ?? '',
      /UPGRADE change\(s\) detected \(job\.args\), starting reconciliation\./,
    );
    const upgrading = plan(input({ status: deployed(spec({ state: 'suspended' }), {}, 'UPGRADING') }));
    assert.deepEqual(upgrading.events, []);
  });
});

describe('periodic snapshots', () => {
  const hour = 3_600_000;
  const every = (text: string) => periodicTrigger(text).trigger;
  test('due once the interval passed since the last one, or since the job started', () => {
    assert.equal(periodicDue({ savepoint: every('1h') }, {}, 0, hour - 1), undefined);
    assert.equal(periodicDue({ savepoint: every('1h') }, {}, 0, hour), 'savepoint');
    assert.equal(periodicDue({ savepoint: every('1h') }, { savepoint: 5 * hour }, 0, 5.5 * hour), undefined);
    assert.equal(
      periodicDue(
        { savepoint: every('1h'), checkpoint: every('60 min') },
        { savepoint: 5 * hour },
        0,
        5.5 * hour,
      ),
      'checkpoint',
    );
  });
  test('a Quartz cron expression is due at its first time after the last snapshot', () => {
    const start = Date.parse('2026-11-26T01:10:00Z');
    const daily = every('0 0 2 * * ?'); // 02:00 UTC
    assert.equal(periodicDue({ savepoint: daily }, {}, start, Date.parse('2026-11-26T01:59:59Z')), undefined);
    assert.equal(
      periodicDue({ savepoint: daily }, {}, start, Date.parse('2026-11-26T02:00:00Z')),
      'savepoint',
    );
    const last = { checkpoint: Date.parse('2026-11-26T02:00:05Z') };
    assert.equal(
      periodicDue({ checkpoint: daily }, last, start, Date.parse('2026-11-26T12:00:00Z')),
      undefined,
    );
    assert.equal(
      periodicDue({ checkpoint: daily }, last, start, Date.parse('2026-11-27T02:00:01Z')),
      'checkpoint',
    );
  });
  test('off when unset or zero', () => {
    assert.equal(periodicDue({}, {}, 0, 10 * 3_600_000), undefined);
    assert.equal(
      periodicDue({ savepoint: every('0'), checkpoint: every('') }, {}, 0, 10 * 3_600_000),
      undefined,
    );
  });
});

describe('session job spec diff', () => {
  test('steering fields and operator keys are not upgrades', () => {
    const before = spec({}, { flinkConfiguration: { 'kubernetes.operator.x': '1', a: '1' } });
    const after = spec(
      {
        savepointTriggerNonce: 1,
        checkpointTriggerNonce: 2,
        upgradeMode: 'savepoint',
        initialSavepointPath: 'p',
        allowNonRestoredState: true,
      },
      { flinkConfiguration: { 'kubernetes.operator.x': '2', 'parallelism.default': '4', a: '1' } },
    );
    assert.deepEqual(upgradeChanges(before, after), []);
  });
  test('jar, args, state, nested configuration and restartNonce are upgrades', () => {
    const after = spec(
      { jarURI: 'https://repo/other.jar', args: ['a'], state: 'suspended' },
      { restartNonce: 1, flinkConfiguration: { pipeline: { name: 'x' } } },
    );
    assert.deepEqual(upgradeChanges(spec(), after), [
      'restartNonce',
      'job.args',
      'job.jarURI',
      'job.state',
      'flinkConfiguration.pipeline.name',
    ]);
  });
});

describe('session job observation', () => {
  const now = 1_700_000_000_000;
  test('a job reaching RUNNING is recorded with an Event and the spec becomes stable', () => {
    const status = deployed(spec(), { state: 'RECONCILING' });
    const { status: next, events } = applyObservation(status, spec(), running, now);
    assert.equal(next?.jobStatus?.state, 'RUNNING');
    assert.equal(next?.jobStatus?.updateTime, String(now));
    assert.equal(next?.reconciliationStatus?.lastStableSpec, status.reconciliationStatus?.lastReconciledSpec);
    assert.equal(lifecycleOf(next ?? {}), 'STABLE');
    assert.deepEqual(
      events.map((e) => [e.reason, e.message]),
      [['JobStatusChanged', 'Job status changed from RECONCILING to RUNNING']],
    );
  });
  test('an unchanged state raises no Event', () => {
    assert.deepEqual(applyObservation(deployed(spec()), spec(), running, now).events, []);
  });
  test('a failed job writes its root cause as the error', () => {
    const { status, events } = applyObservation(
      deployed(spec()),
      spec(),
      { ...running, state: 'FAILED', failure: 'boom' } as JobObservation,
      now,
    );
    assert.match(status?.error ?? '', /boom/);
    assert.equal(lifecycleOf(status ?? {}), 'FAILED');
    assert.deepEqual(
      events.map((e) => e.reason),
      ['JobStatusChanged', 'Error'],
    );
  });
  test('a lost stateless job is recorded as suspended so it is submitted again', () => {
    const { status, events } = applyObservation(deployed(spec()), spec(), { kind: 'not-found' }, now);
    assert.equal(status?.error, 'Job Not Found');
    assert.equal(status?.jobStatus?.state, 'RECONCILING');
    assert.equal(recordedSpec(status)?.spec.job?.state, 'suspended');
    assert.deepEqual(
      events.map((e) => [e.reason, e.type]),
      [['Missing', 'Warning']],
    );
    assert.equal(plan(input({ status, job: { kind: 'not-found' } })).step.type, 'submit');
  });
  test('a lost savepoint-mode job stays recorded as running', () => {
    const s = spec({ upgradeMode: 'savepoint' });
    const { status } = applyObservation(deployed(s), s, { kind: 'not-found' }, now);
    assert.equal(recordedSpec(status)?.spec.job?.state, 'running');
  });
  test('nothing is observed during an upgrade', () => {
    const status = deployed(spec({ state: 'suspended' }), { state: 'RECONCILING' }, 'UPGRADING');
    assert.equal(applyObservation(status, spec(), running, now).status, status);
  });
});

describe('session job cleanup', () => {
  const base = { session: ready, job: running, savepointOnDeletion: false };
  const cases: { name: string; input: Parameters<typeof planCleanup>[0]; type: string }[] = [
    { name: 'never deployed', input: { ...base, status: undefined }, type: 'remove' },
    { name: 'no job id', input: { ...base, status: deployed(spec(), { jobId: undefined }) }, type: 'remove' },
    { name: 'suspended', input: { ...base, status: deployed(spec({ state: 'suspended' })) }, type: 'remove' },
    {
      name: 'session gone',
      input: { ...base, status: deployed(spec()), session: { kind: 'missing', message: 'x' } },
      type: 'remove',
    },
    {
      name: 'session deleting',
      input: { ...base, status: deployed(spec()), session: { kind: 'deleting', message: 'x' } },
      type: 'remove',
    },
    {
      name: 'session not ready without HA',
      input: { ...base, status: deployed(spec()), session: { kind: 'not-ready', message: 'x', ha: false } },
      type: 'remove',
    },
    {
      name: 'session not ready with HA',
      input: { ...base, status: deployed(spec()), session: { kind: 'not-ready', message: 'x', ha: true } },
      type: 'wait',
    },
    {
      name: 'terminal job',
      input: { ...base, status: deployed(spec()), job: { ...running, state: 'CANCELED' } as JobObservation },
      type: 'remove',
    },
    {
      name: 'cancelling job',
      input: {
        ...base,
        status: deployed(spec()),
        job: { ...running, state: 'CANCELLING' } as JobObservation,
      },
      type: 'wait',
    },
    { name: 'running job', input: { ...base, status: deployed(spec()) }, type: 'cancel' },
    {
      name: 'running job with savepoint-on-deletion',
      input: { ...base, status: deployed(spec()), savepointOnDeletion: true },
      type: 'savepoint',
    },
  ];
  for (const c of cases) test(c.name, () => assert.equal(planCleanup(c.input).type, c.type));
});
