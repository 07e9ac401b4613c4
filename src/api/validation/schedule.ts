/** Rules for `spec.schedule` (scheduled runs). */
import { parseCron, DEFAULT_TIME_ZONE } from '../cron.ts';
import type { ErrorList } from './errors.ts';
import { isRecord } from './errors.ts';

export function checkSchedule(errors: ErrorList, schedule: unknown, job: unknown): void {
  if (!isRecord(schedule)) return;
  if (!isRecord(job)) {
    errors.add('spec.schedule', 'A schedule needs a job: spec.job must be defined when spec.schedule is set');
  }
  const timeZone = typeof schedule.timeZone === 'string' ? schedule.timeZone : DEFAULT_TIME_ZONE;
  if (typeof schedule.cron !== 'string' || schedule.cron.trim() === '') {
    errors.add('spec.schedule.cron', 'spec.schedule.cron must be defined');
    return;
  }
  const parsed = parseCron(schedule.cron, timeZone);
  if (!parsed.ok) {
    const path = parsed.error.startsWith('Unknown time zone')
      ? 'spec.schedule.timeZone'
      : 'spec.schedule.cron';
    errors.add(path, parsed.error);
  }
}
