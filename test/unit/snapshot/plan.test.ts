import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkSessionJob, FlinkStateSnapshot } from '../../../src/api/index.ts';
import { snapshotLabels } from '../../../src/controllers/snapshot/labels.ts';
import {
  failedAttempt,
  planSnapshot,
  type TargetObservation,
} from '../../../src/controllers/snapshot/plan.ts';
import { historyLimits, snapshotsBeyondLimits } from '../../../src/controllers/snapshot/resources.ts';
import { OperatorConfig } from '../../../src/runtime/index.ts';

function snapshot(
  spec: Partial<FlinkStateSnapshot['spec']> = {},
  status?: FlinkStateSnapshot['status'],
  meta: Partial<FlinkStateSnapshot['metadata']> = {},
): FlinkStateSnapshot {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkStateSnapshot',
    metadata: { name: 's1', namespace: 'ns', ...meta },
    spec: { jobReference: { kind: 'FlinkSessionJob', name: 'job' }, savepoint: {}, ...spec },
    status,
  };
}

const runningJob: TargetObservation = {
  kind: 'found',
  jobId: 'a'.repeat(32),
  jobState: 'RUNNING',
  description: 'FlinkSessionJob ns/job',
};

describe('snapshot plan', () => {
  const cases: {
    name: string;
    snapshot: FlinkStateSnapshot;
    target: TargetObservation;
    step: Record<string, unknown>;
  }[] = [
    {
      name: 'new snapshot of a running job is triggered',
      snapshot: snapshot(),
      target: runningJob,
      step: { type: 'trigger', jobId: 'a'.repeat(32) },
    },
    {
      name: 'alreadyExists registers the path without a trigger',
      snapshot: snapshot({ savepoint: { alreadyExists: true, path: 'file:///sp' } }),
      target: { kind: 'missing', message: 'x' },
      step: { type: 'complete-existing', path: 'file:///sp' },
    },
    {
      name: 'missing target fails a pending snapshot',
      snapshot: snapshot(),
      target: { kind: 'missing', message: 'not found' },
      step: { type: 'fail', message: 'not found' },
    },
    {
      name: 'missing target abandons one in progress',
      snapshot: snapshot({}, { state: 'IN_PROGRESS', triggerId: 't' }),
      target: { kind: 'missing', message: 'gone' },
      step: { type: 'abandon' },
    },
    {
      name: 'job not running abandons',
      snapshot: snapshot(),
      target: { ...runningJob, jobState: 'FINISHED' },
      step: { type: 'abandon' },
    },
    {
      name: 'in progress is polled',
      snapshot: snapshot({}, { state: 'IN_PROGRESS', triggerId: 't1' }),
      target: runningJob,
      step: { type: 'poll', triggerId: 't1' },
    },
    ...(['COMPLETED', 'FAILED', 'ABANDONED'] as const).map((state) => ({
      name: `${state} is final`,
      snapshot: snapshot({}, { state }),
      target: runningJob,
      step: { type: 'none' },
    })),
  ];
  for (const c of cases) {
    test(c.name, () => {
      const step = planSnapshot(c.snapshot, c.target) as Record<string, unknown>;
      for (const [key, value] of Object.entries(c.step))
        assert.deepEqual(step[key], value, JSON.stringify(step));
    });
  }

  test('a failed snapshot is not triggered again before its back-off has run out', () => {
    const failedAt = Date.parse('2026-01-01T00:00:00Z');
    const failed = failedAttempt({ state: 'IN_PROGRESS' }, -1, 'e1', new Date(failedAt).toISOString());
    const pending = snapshot({}, failed.status);
    // Our own status write wakes the reconcile at once: it must wait, not trigger.
    assert.deepEqual(planSnapshot(pending, runningJob, failedAt + 1), { type: 'wait', retryInMs: 9_999 });
    assert.deepEqual(planSnapshot(pending, runningJob, failedAt + 10_000), {
      type: 'trigger',
      jobId: 'a'.repeat(32),
    });
    const third = snapshot({}, { ...failed.status, failures: 3 });
    assert.deepEqual(planSnapshot(third, runningJob, failedAt + 39_000), { type: 'wait', retryInMs: 1_000 });
    // A target gone or stopped is reported at once, back-off or not.
    assert.equal(planSnapshot(pending, { kind: 'missing', message: 'gone' }, failedAt + 1).type, 'fail');
  });

  test('failures retry with growing delays until the backoff limit', () => {
    const first = failedAttempt({ state: 'IN_PROGRESS' }, 2, 'e1', 't');
    assert.deepEqual(
      [first.status.state, first.status.failures, first.retryInMs],
      ['TRIGGER_PENDING', 1, 10_000],
    );
    const second = failedAttempt(first.status, 2, 'e2', 't');
    assert.deepEqual([second.status.state, second.retryInMs], ['TRIGGER_PENDING', 20_000]);
    const third = failedAttempt(second.status, 2, 'e3', 't');
    assert.deepEqual(
      [third.status.state, third.status.failures, third.status.error, third.retryInMs],
      ['FAILED', 3, 'e3', undefined],
    );
    assert.equal(failedAttempt(undefined, 0, 'e', 't').status.state, 'FAILED');
    assert.equal(failedAttempt({ failures: 50 }, -1, 'e', 't').status.state, 'TRIGGER_PENDING');
  });

  test('labels describe type, trigger type, state and reference', () => {
    assert.deepEqual(snapshotLabels(snapshot({}, { state: 'COMPLETED' })), {
      'snapshot.type': 'SAVEPOINT',
      'snapshot.trigger-type': 'MANUAL',
      'snapshot.state': 'COMPLETED',
      'job-reference.kind': 'FlinkSessionJob',
      'job-reference.name': 'job',
    });
    const checkpoint = snapshot({ savepoint: undefined, checkpoint: {} }, undefined, {
      labels: { 'snapshot.trigger-type': 'PERIODIC' },
    });
    assert.equal(snapshotLabels(checkpoint)['snapshot.type'], 'CHECKPOINT');
    assert.equal(snapshotLabels(checkpoint)['snapshot.trigger-type'], 'PERIODIC');
  });
});

describe('snapshot history limits', () => {
  const owner = { kind: 'FlinkSessionJob', metadata: { name: 'job', namespace: 'ns' } } as FlinkSessionJob;
  const now = Date.parse('2026-01-02T00:00:00Z');
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const item = (name: string, hoursAgo: number, trigger: string, state = 'COMPLETED', checkpoint = false) =>
    snapshot(
      checkpoint ? { savepoint: undefined, checkpoint: {} } : {},
      { state: state as 'COMPLETED' },
      {
        name,
        creationTimestamp: at(hoursAgo),
        labels: { 'snapshot.trigger-type': trigger },
      },
    );

  test('keeps the newest periodic and upgrade savepoints up to the count and age, never manual ones', () => {
    const items = [
      item('p1', 1, 'PERIODIC'),
      item('u2', 2, 'UPGRADE'),
      item('p3', 3, 'PERIODIC'),
      item('m4', 4, 'MANUAL'),
      item('p30', 30, 'PERIODIC'),
    ];
    const limits = { maxCount: 2, maxAgeMs: 24 * 3_600_000, checkpointsRetained: 1 };
    assert.deepEqual(
      snapshotsBeyondLimits(items, owner, limits, now).map((s) => s.metadata.name),
      ['p3', 'p30'],
    );
  });

  test('always keeps the newest completed savepoint, even when too old', () => {
    const items = [
      item('new', 1, 'PERIODIC', 'FAILED'),
      item('mid', 2, 'PERIODIC', 'FAILED'),
      item('old', 48, 'PERIODIC'),
    ];
    const limits = { maxCount: 1, maxAgeMs: 24 * 3_600_000, checkpointsRetained: 1 };
    assert.deepEqual(
      snapshotsBeyondLimits(items, owner, limits, now).map((s) => s.metadata.name),
      ['mid'],
    );
  });

  test('checkpoints are limited by the retained count; other owners are left alone', () => {
    const other = {
      ...item('other', 1, 'PERIODIC'),
      spec: { jobReference: { kind: 'FlinkDeployment' as const, name: 'job' }, savepoint: {} },
    };
    const items = [
      item('c1', 1, 'PERIODIC', 'COMPLETED', true),
      item('c2', 2, 'PERIODIC', 'COMPLETED', true),
      other,
    ];
    const limits = { maxCount: 10, maxAgeMs: 24 * 3_600_000, checkpointsRetained: 1 };
    assert.deepEqual(
      snapshotsBeyondLimits(items, owner, limits, now).map((s) => s.metadata.name),
      ['c2'],
    );
  });

  test('thresholds cap the per-resource limits', () => {
    const config = new OperatorConfig({
      'kubernetes.operator.savepoint.history.max.count': '20',
      'kubernetes.operator.savepoint.history.max.count.threshold': '5',
      'kubernetes.operator.savepoint.history.max.age': '48 h',
      'kubernetes.operator.savepoint.history.max.age.threshold': '1 h',
    });
    assert.deepEqual(historyLimits(config), { maxCount: 5, maxAgeMs: 3_600_000, checkpointsRetained: 1 });
  });
});
