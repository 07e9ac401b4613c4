import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyScheduleStatus, statusDiffers } from '../../../src/controllers/schedule/status.ts';

describe('applyScheduleStatus', () => {
  it('keeps the other status fields, sets CRON_SCHEDULED and clears a cleared error', () => {
    const next = applyScheduleStatus(
      { error: 'old', lifecycleState: 'CREATED', jobStatus: { jobName: 'x', state: 'RUNNING' } },
      { schedule: { active: [] } },
    );
    assert.deepEqual(next, {
      lifecycleState: 'CREATED',
      jobStatus: { jobName: 'x', state: 'CRON_SCHEDULED' },
      schedule: { active: [], history: [] },
    });
  });

  it('never moves times back when applied to a fresher status than the plan saw', () => {
    const fresher = {
      schedule: {
        lastScheduleTime: '2026-03-10T02:00:00Z',
        lastSuccessfulTime: '2026-03-09T02:10:00Z',
        history: [{ name: 'a', scheduledTime: '2026-03-09T02:00:00Z', outcome: 'Succeeded' as const }],
      },
    };
    const next = applyScheduleStatus(fresher, {
      schedule: {
        lastScheduleTime: '2026-03-09T02:00:00Z',
        nextScheduleTime: '2026-03-11T02:00:00Z',
        active: ['b'],
        history: [{ scheduledTime: '2026-03-10T02:00:00Z', outcome: 'Skipped' }],
      },
    });
    assert.equal(next.schedule?.lastScheduleTime, '2026-03-10T02:00:00Z');
    assert.equal(next.schedule?.lastSuccessfulTime, '2026-03-09T02:10:00Z');
    assert.deepEqual(
      next.schedule?.history?.map((r) => r.outcome),
      ['Succeeded', 'Skipped'],
    );
  });

  it('keeps the latest history entries only', () => {
    const history = Array.from({ length: 15 }, (_, i) => ({
      name: `r${i}`,
      scheduledTime: new Date(Date.UTC(2026, 2, 1 + i)).toISOString(),
      outcome: 'Succeeded' as const,
    }));
    const next = applyScheduleStatus(undefined, { schedule: { history } }, 10);
    assert.deepEqual(
      next.schedule?.history?.map((r) => r.name),
      history.slice(5).map((r) => r.name),
    );
  });
});

describe('statusDiffers', () => {
  it('ignores key order, which the API server does not keep', () => {
    const a = {
      schedule: { active: [], lastScheduleTime: 't' },
      jobStatus: { state: 'CRON_SCHEDULED' as const },
    };
    const b = {
      jobStatus: { state: 'CRON_SCHEDULED' as const },
      schedule: { lastScheduleTime: 't', active: [] },
    };
    assert.equal(statusDiffers(a, b), false);
    assert.equal(statusDiffers(a, { ...b, error: 'x' }), true);
  });
});
