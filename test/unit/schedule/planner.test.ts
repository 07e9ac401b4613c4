import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlinkDeployment, ScheduleSpec } from '../../../src/api/index.ts';
import { isScheduleTemplate } from '../../../src/controllers/schedule/effective.ts';
import {
  CRON_ANNOTATION,
  SCHEDULED_TIME_ANNOTATION,
  SCHEDULED_TIME_LABEL,
  SCHEDULE_LABEL,
} from '../../../src/controllers/schedule/labels.ts';
import { planSchedule, type SchedulePlan } from '../../../src/controllers/schedule/planner.ts';
import { applyScheduleStatus } from '../../../src/controllers/schedule/status.ts';
import { at, run, template } from './fixtures.ts';
import { ERROR_TYPES, errorMessage } from '../../../src/controllers/common/status-error.ts';

const daily: ScheduleSpec = { cron: '0 0 2 * * ?' };

/** The template after the plan's status was written. */
function afterStatus(t: FlinkDeployment, plan: SchedulePlan): FlinkDeployment {
  assert.ok(plan.status, 'the plan has a status');
  return { ...t, status: applyScheduleStatus(t.status, plan.status) };
}

function withStatus(t: FlinkDeployment, lastScheduleTime: string): FlinkDeployment {
  return { ...t, status: { schedule: { lastScheduleTime } } };
}

const names = (plan: SchedulePlan) => ({
  stop: plan.stop.map((d) => d.name),
  create: plan.create?.run.metadata.name,
  prune: plan.prune.map((d) => d.name),
});
const reasons = (plan: SchedulePlan) => plan.events.map((e) => `${e.type} ${e.reason}`);

describe('planSchedule: ticks', () => {
  const t = withStatus(template(daily), '2026-03-09T02:00:00Z');

  it('before the tick: no run, requeue just after the tick, status CRON_SCHEDULED with the next time', () => {
    const plan = planSchedule(t, [], at('2026-03-10T01:59:59Z'));
    assert.equal(plan.create, undefined);
    assert.equal(plan.requeueAfterMs, 1050);
    const status = afterStatus(t, plan).status;
    assert.equal(status?.jobStatus?.state, 'CRON_SCHEDULED');
    assert.equal(status?.schedule?.nextScheduleTime, '2026-03-10T02:00:00Z');
    assert.equal(status?.schedule?.lastScheduleTime, '2026-03-09T02:00:00Z');
    assert.equal(status?.error, undefined);
  });

  it('at the tick: one run built from the template, owned by it, labelled and annotated with the tick', () => {
    const plan = planSchedule(t, [], at('2026-03-10T02:00:00.060Z'));
    const created = plan.create?.run;
    assert.ok(created);
    assert.equal(created.metadata.name, 'nightly-03100200');
    assert.equal(created.metadata.namespace, 'ns');
    assert.deepEqual(created.metadata.ownerReferences, [
      {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        name: 'nightly',
        uid: 'template-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(created.metadata.labels, {
      app: 'etl',
      [SCHEDULE_LABEL]: 'nightly',
      [SCHEDULED_TIME_LABEL]: '20260310T020000Z',
    });
    assert.equal(created.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION], '2026-03-10T02:00:00Z');
    assert.equal(created.spec.schedule, undefined);
    assert.equal(created.spec.job?.state, 'running');
    assert.equal(created.spec.image, 'flink:2.2');
    assert.equal(isScheduleTemplate(created), false, 'a run is no template');
    assert.deepEqual(plan.create?.event, {
      type: 'Normal',
      reason: 'JobStatusChanged',
      component: 'Job',
      message: 'Submit new job nightly-03100200',
    });
    assert.equal(plan.requeueAfterMs, 24 * 3600_000 - 60 + 50);
    const status = afterStatus(t, plan).status?.schedule;
    assert.equal(status?.lastScheduleTime, '2026-03-10T02:00:00Z');
    assert.equal(status?.nextScheduleTime, '2026-03-11T02:00:00Z');
    assert.deepEqual(status?.active, ['nightly-03100200']);
  });

  it('the annotation is in the schedule time zone, the label in UTC', () => {
    const berlin = withStatus(
      template({ cron: '0 0 2 * * ?', timeZone: 'Europe/Berlin' }),
      '2026-03-09T01:00:00Z',
    );
    const created = planSchedule(berlin, [], at('2026-03-10T01:00:01Z')).create?.run;
    assert.equal(created?.metadata.name, 'nightly-03100200');
    assert.equal(created?.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION], '2026-03-10T02:00:00+01:00');
    assert.equal(created?.metadata.labels?.[SCHEDULED_TIME_LABEL], '20260310T010000Z');
  });

  it('the same inputs with the run already there create nothing (restart before the status write)', () => {
    const existing = run(t, '2026-03-10T02:00:00Z');
    for (const now of ['2026-03-10T02:00:00.060Z', '2026-03-10T02:00:03Z', '2026-03-10T09:00:00Z']) {
      const plan = planSchedule(t, [existing], at(now));
      assert.equal(plan.create, undefined, now);
      assert.equal(
        afterStatus(t, plan).status?.schedule?.lastScheduleTime,
        '2026-03-10T02:00:00Z',
        'repaired',
      );
    }
  });

  it('a run being deleted still marks its tick as handled', () => {
    const existing = run(t, '2026-03-10T02:00:00Z');
    existing.metadata.deletionTimestamp = '2026-03-10T02:00:02Z';
    assert.equal(planSchedule(t, [existing], at('2026-03-10T02:00:03Z')).create, undefined);
  });

  it('runs controlled by another object (or an earlier template of that name) are not ours', () => {
    const foreign = run(t, '2026-03-10T02:00:00Z');
    foreign.metadata.ownerReferences = [{ ...foreign.metadata.ownerReferences![0]!, uid: 'old-uid' }];
    assert.equal(
      planSchedule(t, [foreign], at('2026-03-10T02:00:01Z')).create?.run.metadata.name,
      'nightly-03100200',
    );
  });

  it('a new template starts with the first tick after its creation', () => {
    const fresh = template({ cron: '0 0 * * * ?' });
    const plan = planSchedule(fresh, [], at('2026-03-01T00:30:00Z'));
    assert.equal(plan.create, undefined);
    assert.equal(plan.status?.schedule.nextScheduleTime, '2026-03-01T01:00:00Z');
  });
});

describe('planSchedule: concurrency policies', () => {
  const now = at('2026-03-10T02:00:01Z');
  const previous = (t: FlinkDeployment) => run(t, '2026-03-09T02:00:00Z');

  it('Forbid (the default) skips the tick while a run is active, with a Warning, and drops it', () => {
    const t = withStatus(template(daily), '2026-03-09T02:00:00Z');
    const active = previous(t);
    const plan = planSchedule(t, [active], now);
    assert.deepEqual(names(plan), { stop: [], create: undefined, prune: [] });
    assert.deepEqual(reasons(plan), ['Warning ScheduleSkipped']);
    assert.match(plan.events[0]?.message ?? '', /nightly-03090200 still running .*streaming job/);
    const skipped = afterStatus(t, plan);
    assert.deepEqual(skipped.status?.schedule?.history?.at(-1), {
      scheduledTime: '2026-03-10T02:00:00Z',
      outcome: 'Skipped',
    });
    // The run ends an hour later: the skipped tick is not started after all.
    const finished = run(t, '2026-03-09T02:00:00Z', 'FINISHED', { finishedAt: '2026-03-10T03:00:00Z' });
    const later = planSchedule(skipped, [finished], at('2026-03-10T03:00:01Z'));
    assert.equal(later.create, undefined);
    assert.deepEqual(later.events, []);
    // The next tick runs.
    assert.equal(
      planSchedule(afterStatus(skipped, later), [finished], at('2026-03-11T02:00:00Z')).create?.run.metadata
        .name,
      'nightly-03110200',
    );
  });

  it('Forbid starts the run when the previous one has finished', () => {
    const t = withStatus(template(daily), '2026-03-09T02:00:00Z');
    const finished = run(t, '2026-03-09T02:00:00Z', 'FAILED');
    assert.equal(planSchedule(t, [finished], now).create?.run.metadata.name, 'nightly-03100200');
  });

  it('Replace deletes the active run before the new one starts', () => {
    const t = withStatus(template({ ...daily, concurrencyPolicy: 'Replace' }), '2026-03-09T02:00:00Z');
    const active = previous(t);
    const done = run(t, '2026-03-08T02:00:00Z', 'FINISHED');
    const plan = planSchedule(t, [active, done], now);
    assert.deepEqual(names(plan), { stop: ['nightly-03090200'], create: 'nightly-03100200', prune: [] });
    assert.equal(plan.stop[0]?.reason, 'replaced');
    assert.deepEqual(plan.stop[0]?.event, {
      type: 'Normal',
      reason: 'Cleanup',
      message: 'Clean up nightly-03090200 (replaced by nightly-03100200)',
    });
    const status = afterStatus(t, plan).status?.schedule;
    assert.deepEqual(status?.active, ['nightly-03100200']);
    assert.deepEqual(
      status?.history?.map((r) => `${r.name} ${r.outcome}`),
      ['nightly-03080200 Succeeded', 'nightly-03090200 Replaced'],
    );
  });

  it('Allow runs side by side', () => {
    const t = withStatus(template({ ...daily, concurrencyPolicy: 'Allow' }), '2026-03-09T02:00:00Z');
    const plan = planSchedule(t, [previous(t)], now);
    assert.deepEqual(names(plan), { stop: [], create: 'nightly-03100200', prune: [] });
    assert.deepEqual(afterStatus(t, plan).status?.schedule?.active, ['nightly-03090200', 'nightly-03100200']);
  });
});

describe('planSchedule: the annotation form', () => {
  const t = withStatus(template(undefined, { annotation: '0 0 2 * * ?' }), '2026-03-09T02:00:00Z');

  it('is a template; it replaces the active run and cleans up every earlier run when the next starts', () => {
    assert.equal(isScheduleTemplate(t), true);
    const active = run(t, '2026-03-09T02:00:00Z');
    const finished = run(t, '2026-03-08T02:00:00Z', 'FINISHED');
    const plan = planSchedule(t, [active, finished], at('2026-03-10T02:00:00.05Z'));
    assert.deepEqual(names(plan), {
      stop: ['nightly-03080200', 'nightly-03090200'],
      create: 'nightly-03100200',
      prune: [],
    });
    assert.deepEqual(
      plan.stop.map((d) => d.event.message),
      ['Clean up nightly-03080200', 'Clean up nightly-03090200'],
    );
    assert.equal(plan.create?.event.message, 'Submit new job nightly-03100200');
    assert.equal(plan.create?.run.metadata.annotations?.[CRON_ANNOTATION], undefined);
    assert.deepEqual(plan.events, []);
  });

  it('keeps the previous run until the next tick, finished or not', () => {
    const finished = run(t, '2026-03-09T02:00:00Z', 'FINISHED');
    const plan = planSchedule(t, [finished], at('2026-03-09T08:00:00Z'));
    assert.deepEqual(names(plan), { stop: [], create: undefined, prune: [] });
  });

  it('loses to spec.schedule when both are set and disagree, with a Warning', () => {
    const both = withStatus(
      template({ cron: '0 0 3 * * ?' }, { annotation: '0 0 2 * * ?' }),
      '2026-03-09T03:00:00Z',
    );
    const at2 = planSchedule(both, [], at('2026-03-10T02:00:01Z'));
    assert.equal(at2.create, undefined);
    assert.deepEqual(reasons(at2), ['Warning ScheduleConflict']);
    assert.match(at2.events[0]?.message ?? '', /spec.schedule wins/);
    assert.equal(
      planSchedule(both, [], at('2026-03-10T03:00:01Z')).create?.run.metadata.name,
      'nightly-03100300',
    );
  });

  it('agreeing with spec.schedule raises no Warning', () => {
    const both = withStatus(template(daily, { annotation: '0 0 2 * * ?' }), '2026-03-09T02:00:00Z');
    assert.deepEqual(planSchedule(both, [], at('2026-03-10T02:00:01Z')).events, []);
  });
});

describe('planSchedule: missed ticks', () => {
  const t = withStatus(template({ ...daily, startingDeadlineSeconds: 60 }), '2026-03-09T02:00:00Z');

  it('inside startingDeadlineSeconds the latest missed tick still runs', () => {
    assert.equal(
      planSchedule(t, [], at('2026-03-10T02:00:59Z')).create?.run.metadata.name,
      'nightly-03100200',
    );
  });

  it('outside it the tick is recorded as missed, once, with a Warning', () => {
    const plan = planSchedule(t, [], at('2026-03-10T02:05:00Z'));
    assert.equal(plan.create, undefined);
    assert.deepEqual(reasons(plan), ['Warning ScheduleMissed']);
    assert.match(plan.events[0]?.message ?? '', /2026-03-10T02:00:00Z.*startingDeadlineSeconds \(60\)/);
    const recorded = afterStatus(t, plan);
    assert.deepEqual(recorded.status?.schedule?.history?.at(-1), {
      scheduledTime: '2026-03-10T02:00:00Z',
      outcome: 'Missed',
    });
    assert.equal(recorded.status?.schedule?.lastScheduleTime, '2026-03-09T02:00:00Z');
    const again = planSchedule(recorded, [], at('2026-03-10T02:06:00Z'));
    assert.deepEqual(again.events, []);
    assert.equal(again.create, undefined);
  });

  it('without a deadline, days of downtime start only the latest tick', () => {
    const open = withStatus(template(daily), '2026-03-05T02:00:00Z');
    const plan = planSchedule(open, [], at('2026-03-10T07:00:00Z'));
    assert.equal(plan.create?.run.metadata.name, 'nightly-03100200');
    assert.deepEqual(plan.events, []);
  });

  it('more than 100 missed ticks warn TooManyMissedTimes and still start the latest', () => {
    const often = withStatus(
      template({ cron: '*/5 * * * * ?', concurrencyPolicy: 'Allow' }),
      '2026-03-10T00:00:00Z',
    );
    const plan = planSchedule(often, [], at('2026-03-10T01:00:02Z'));
    assert.deepEqual(reasons(plan), ['Warning TooManyMissedTimes']);
    assert.equal(plan.create?.run.metadata.name, 'nightly-0310010000');
  });
});

describe('planSchedule: history limits', () => {
  it('deletes the oldest finished runs beyond the limits, each with a Cleanup Event', () => {
    const t = withStatus(
      template({
        ...daily,
        concurrencyPolicy: 'Allow',
        successfulRunsHistoryLimit: 2,
        failedRunsHistoryLimit: 1,
      }),
      '2026-03-09T02:00:00Z',
    );
    const runs = [
      run(t, '2026-03-03T02:00:00Z', 'FINISHED', { finishedAt: '2026-03-03T02:10:00Z' }),
      run(t, '2026-03-04T02:00:00Z', 'FAILED'),
      run(t, '2026-03-05T02:00:00Z', 'FINISHED', { finishedAt: '2026-03-05T02:10:00Z' }),
      run(t, '2026-03-06T02:00:00Z', 'CANCELED'),
      run(t, '2026-03-07T02:00:00Z', 'FINISHED', { finishedAt: '2026-03-07T02:10:00Z' }),
      run(t, '2026-03-08T02:00:00Z', 'FINISHED', { finishedAt: '2026-03-08T02:10:00Z' }),
      run(t, '2026-03-09T02:00:00Z', 'RUNNING'),
    ];
    const plan = planSchedule(t, runs, at('2026-03-09T12:00:00Z'));
    assert.deepEqual(names(plan).prune, ['nightly-03030200', 'nightly-03050200', 'nightly-03040200']);
    assert.deepEqual(plan.prune[0]?.event, {
      type: 'Normal',
      reason: 'Cleanup',
      message: 'Clean up nightly-03030200 (more than 2 successful runs kept)',
    });
    const status = afterStatus(t, plan).status?.schedule;
    assert.equal(status?.lastSuccessfulTime, '2026-03-08T02:10:00Z');
    assert.deepEqual(status?.active, ['nightly-03090200']);
  });

  it('uses 3 successful and 1 failed by default', () => {
    const t = withStatus(template({ ...daily, concurrencyPolicy: 'Allow' }), '2026-03-09T02:00:00Z');
    const runs = ['03', '04', '05', '06'].map((d) => run(t, `2026-03-${d}T02:00:00Z`, 'FINISHED'));
    runs.push(run(t, '2026-03-07T02:00:00Z', 'FAILED'), run(t, '2026-03-08T02:00:00Z', 'FAILED'));
    assert.deepEqual(names(planSchedule(t, runs, at('2026-03-09T12:00:00Z'))).prune, [
      'nightly-03030200',
      'nightly-03070200',
    ]);
  });

  it('after the schedule is removed, finished runs are kept by the default limits and the status is left alone', () => {
    const t = template(daily);
    const runs = ['03', '04', '05', '06'].map((d) => run(t, `2026-03-${d}T02:00:00Z`, 'FINISHED'));
    runs.push(run(t, '2026-03-07T02:00:00Z', 'RUNNING'));
    const plain = { ...t, spec: { ...t.spec } };
    delete plain.spec.schedule;
    assert.equal(isScheduleTemplate(plain), false);
    const plan = planSchedule(plain, runs, at('2026-03-09T12:00:00Z'));
    assert.deepEqual(names(plan), { stop: [], create: undefined, prune: ['nightly-03030200'] });
    assert.match(plan.prune[0]?.event.message ?? '', /schedule removed/);
    assert.equal(plan.status, undefined);
    assert.equal(plan.requeueAfterMs, undefined);
  });
});

describe('planSchedule: suspend', () => {
  it('starts nothing, leaves active runs alone, still applies history limits, and sleeps until changed', () => {
    const t = withStatus(
      template({ ...daily, suspend: true, successfulRunsHistoryLimit: 0 }),
      '2026-03-09T02:00:00Z',
    );
    const runs = [run(t, '2026-03-08T02:00:00Z', 'FINISHED'), run(t, '2026-03-09T02:00:00Z')];
    const plan = planSchedule(t, runs, at('2026-03-10T02:00:01Z'));
    assert.deepEqual(names(plan), { stop: [], create: undefined, prune: ['nightly-03080200'] });
    assert.equal(plan.requeueAfterMs, undefined);
    assert.equal(plan.status?.schedule.nextScheduleTime, undefined);
  });

  it('resuming starts the latest missed tick, unless it is past the starting deadline', () => {
    const resumed = withStatus(template(daily), '2026-03-05T02:00:00Z');
    assert.equal(
      planSchedule(resumed, [], at('2026-03-10T12:00:00Z')).create?.run.metadata.name,
      'nightly-03100200',
    );
    const strict = withStatus(template({ ...daily, startingDeadlineSeconds: 300 }), '2026-03-05T02:00:00Z');
    assert.equal(planSchedule(strict, [], at('2026-03-10T12:00:00Z')).create, undefined);
  });
});

describe('planSchedule: bad input', () => {
  const cases: [string, FlinkDeployment, RegExp][] = [
    ['an invalid cron expression', template({ cron: '0 0 25 * * ?' }), /Invalid cron expression/],
    ['a cron expression that never fires', template({ cron: '0 0 0 30 2 ?' }), /never fires/],
    [
      'an unknown time zone',
      template({ cron: '@daily', timeZone: 'Mars/Olympus' }),
      /Unknown time zone 'Mars\/Olympus'/,
    ],
    ['a schedule without cron', template({ timeZone: 'UTC' }), /spec.schedule.cron must be defined/],
    ['an empty annotation', template(undefined, { annotation: ' ' }), /job.execute.cron is empty/],
    [
      'a template without a job',
      (() => {
        const t = template(daily);
        delete t.spec.job;
        return t;
      })(),
      /needs a job/,
    ],
    [
      'a streaming job',
      template(daily, { spec: { flinkConfiguration: { execution: { 'runtime-mode': 'streaming' } } } }),
      /runs batch jobs.*STREAMING/,
    ],
    [
      'a run spec the deployment controller would reject',
      template(daily, { spec: { serviceAccount: undefined } }),
      /Runs of this schedule would be invalid: spec.serviceAccount/,
    ],
  ];
  for (const [title, t, message] of cases) {
    it(`${title}: status error and one Warning, no runs, no requeue`, () => {
      const plan = planSchedule(t, [], at('2026-03-10T02:00:01Z'));
      assert.deepEqual(names(plan), { stop: [], create: undefined, prune: [] });
      assert.equal(plan.requeueAfterMs, undefined);
      assert.deepEqual(reasons(plan), ['Warning InvalidSchedule']);
      const failed = afterStatus(t, plan);
      assert.equal(JSON.parse(failed.status!.error!).type, ERROR_TYPES.validation);
      assert.match(errorMessage(failed.status?.error) ?? '', message);
      assert.equal(failed.status?.jobStatus?.state, 'CRON_SCHEDULED');
      assert.deepEqual(planSchedule(failed, [], at('2026-03-10T02:00:02Z')).events, [], 'reported once');
    });
  }

  it('fixing the spec recovers: the error is cleared and the schedule runs', () => {
    const broken = template({ cron: 'not a cron' });
    const failed = afterStatus(broken, planSchedule(broken, [], at('2026-03-10T02:00:00Z')));
    assert.ok(failed.status?.error);
    const fixed: FlinkDeployment = { ...failed, spec: { ...failed.spec, schedule: daily } };
    const plan = planSchedule(fixed, [], at('2026-03-10T02:00:01Z'));
    assert.equal(plan.create?.run.metadata.name, 'nightly-03100200');
    assert.equal(afterStatus(fixed, plan).status?.error, undefined);
  });
});

describe('planSchedule: name clashes', () => {
  it('a minute name held by another object falls back to seconds', () => {
    const t = withStatus(template(daily), '2026-03-09T02:00:00Z');
    const plan = planSchedule(t, [], at('2026-03-10T02:00:01Z'), {
      isNameTaken: (name) => name === 'nightly-03100200',
    });
    assert.equal(plan.create?.run.metadata.name, 'nightly-0310020000');
  });

  it('a yearly run kept from last year does not block this year', () => {
    const t = withStatus(
      template({ cron: '0 0 0 1 1 ?', successfulRunsHistoryLimit: 5 }),
      '2026-01-01T00:00:00Z',
    );
    const lastYear = run(t, '2026-01-01T00:00:00Z', 'FINISHED');
    assert.equal(lastYear.metadata.name, 'nightly-01010000');
    const plan = planSchedule(t, [lastYear], at('2027-01-01T00:00:01Z'));
    assert.equal(plan.create?.run.metadata.name, 'nightly-0101000000');
  });

  it('both passes of a repeated hour get their own run', () => {
    const t = withStatus(
      template({ cron: '30 * * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Allow' }),
      '2026-10-24T23:30:00Z',
    );
    const first = planSchedule(t, [], at('2026-10-25T00:30:00Z')).create?.run;
    assert.equal(first?.metadata.name, 'nightly-10250230');
    assert.equal(first?.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION], '2026-10-25T02:30:00+02:00');
    const existing = run(t, '2026-10-25T00:30:00Z', 'RUNNING', { timeZone: 'Europe/Berlin' });
    const second = planSchedule(t, [existing], at('2026-10-25T01:30:00Z')).create?.run;
    assert.equal(second?.metadata.name, 'nightly-1025023000');
    assert.equal(second?.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION], '2026-10-25T02:30:00+01:00');
    // With the seconds name held too (a sub-minute schedule), the instant's hash tells them apart.
    const third = planSchedule(t, [existing], at('2026-10-25T01:30:00Z'), {
      isNameTaken: (name) => name === 'nightly-1025023000',
    }).create?.run;
    assert.match(third?.metadata.name ?? '', /^nightly-1025023000-[0-9a-f]{4}$/);
  });
});
