/** Scheduled runs of FlinkDeployments: the controller, its planner and the template predicate. */
export { isScheduleTemplate, resolveSchedule, type EffectiveSchedule } from './effective.ts';
export { createScheduleController, FLINK_DEPLOYMENTS, type ScheduleControllerOptions } from './controller.ts';
export { planSchedule, type SchedulePlan, type PlanOptions } from './planner.ts';
export {
  CRON_ANNOTATION,
  SCHEDULE_LABEL,
  SCHEDULED_TIME_ANNOTATION,
  SCHEDULED_TIME_LABEL,
} from './labels.ts';
