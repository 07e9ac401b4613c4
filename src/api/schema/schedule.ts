/**
 * `spec.schedule` and `status.schedule` of FlinkDeployment: our addition for cron-driven runs. A
 * FlinkDeployment with a schedule is a template: each tick starts a child FlinkDeployment.
 */
import { Type } from '@sinclair/typebox';
import { Obj, Opt, StringEnum } from './builders.ts';

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export const RUN_OUTCOMES = ['Succeeded', 'Failed', 'Missed', 'Skipped', 'Replaced'] as const;

export const ScheduleSpecSchema = Obj(
  {
    cron: Opt(
      Type.String({
        description:
          'When runs start: Quartz style with seconds (6 or 7 fields), classic 5 fields, or @hourly, @daily, @weekly, @monthly, @yearly.',
      }),
    ),
    timeZone: Opt(Type.String({ description: 'IANA time zone of the cron expression (default UTC).' })),
    concurrencyPolicy: Opt(
      StringEnum(CONCURRENCY_POLICIES, {
        description:
          'What a tick does while a run is active: Allow, Forbid (default, skip the tick) or Replace.',
      }),
    ),
    startingDeadlineSeconds: Opt(
      Type.Integer({ minimum: 0, description: 'How late a missed tick may still start a run.' }),
    ),
    suspend: Opt(Type.Boolean({ description: 'Stops new runs; active runs continue.' })),
    successfulRunsHistoryLimit: Opt(
      Type.Integer({ minimum: 0, description: 'Finished runs kept (default 3).' }),
    ),
    failedRunsHistoryLimit: Opt(Type.Integer({ minimum: 0, description: 'Failed runs kept (default 1).' })),
  },
  { description: 'Runs this deployment on a schedule (an addition of this operator).' },
);

export const ScheduleStatusSchema = Obj({
  lastScheduleTime: Opt(Type.String({ description: 'The scheduled time of the latest run started.' })),
  nextScheduleTime: Opt(Type.String()),
  lastSuccessfulTime: Opt(Type.String()),
  active: Opt(Type.Array(Type.String(), { description: 'Names of the runs not finished yet.' })),
  history: Opt(
    Type.Array(
      Obj({
        name: Opt(Type.String()),
        scheduledTime: Opt(Type.String()),
        outcome: Opt(StringEnum(RUN_OUTCOMES)),
      }),
    ),
  ),
});
