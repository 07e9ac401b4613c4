/** Applying a plan's status change to the template's current status, and telling whether it changes it. */
import type { FlinkDeploymentStatus, ScheduleStatus } from '../../api/index.ts';
import { PLAN_DEFAULTS, mergeHistory, type ScheduleStatusChange } from './planner.ts';
import { parseTimestamp } from './time.ts';

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (parseTimestamp(b) ?? 0) > (parseTimestamp(a) ?? 0) ? b : a;
}

/**
 * The template status after `change`. Applied to the freshest status (it is re-applied after a
 * write conflict), so times only move forward and history entries the plan did not see are kept.
 */
export function applyScheduleStatus(
  current: FlinkDeploymentStatus | undefined,
  change: ScheduleStatusChange,
  historySize: number = PLAN_DEFAULTS.historySize,
): FlinkDeploymentStatus {
  const before = current?.schedule ?? {};
  const planned = change.schedule;
  const schedule: ScheduleStatus = {};
  const lastScheduleTime = later(before.lastScheduleTime, planned.lastScheduleTime);
  if (lastScheduleTime) schedule.lastScheduleTime = lastScheduleTime;
  if (planned.nextScheduleTime) schedule.nextScheduleTime = planned.nextScheduleTime;
  const lastSuccessfulTime = later(before.lastSuccessfulTime, planned.lastSuccessfulTime);
  if (lastSuccessfulTime) schedule.lastSuccessfulTime = lastSuccessfulTime;
  schedule.active = planned.active ?? [];
  schedule.history = mergeHistory(before.history, planned.history ?? [], historySize);
  const next: FlinkDeploymentStatus = {
    ...current,
    jobStatus: { ...current?.jobStatus, state: 'CRON_SCHEDULED' },
    schedule,
  };
  if (change.error === undefined) delete next.error;
  else next.error = change.error;
  return next;
}

/** JSON with sorted keys: the API server does not keep the key order we wrote. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

export function statusDiffers(a: FlinkDeploymentStatus | undefined, b: FlinkDeploymentStatus): boolean {
  return canonical(a ?? {}) !== canonical(b);
}
