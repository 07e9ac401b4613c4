/**
 * The scheduling decision for one template, as data: which run to start, which runs to stop or
 * clean up, which Events to record, the status to write and when to look again. Pure: the clock
 * and the observed runs are inputs, so a restart with the same inputs makes the same decision.
 */
import {
  validateFlinkDeployment,
  type FlinkDeployment,
  type ScheduleRunRecord,
  type ScheduleStatus,
} from '../../api/index.ts';
import type { EventInput } from '../../runtime/index.ts';
import {
  DEFAULT_HISTORY_LIMITS,
  isScheduleTemplate,
  resolveSchedule,
  type EffectiveSchedule,
  type HistoryLimits,
} from './effective.ts';
import { isSubMinute, runNameCandidates } from './naming.ts';
import { buildRun, byScheduledTime, controlledBy, describeRun, type RunView } from './runs.ts';
import { dueTick, nextTick } from './ticks.ts';
import { parseTimestamp, rfc3339InZone, utcTimestamp } from './time.ts';
import { ERROR_TYPES, errorText } from '../common/status-error.ts';

export interface PlanOptions {
  /** Beyond this many missed ticks a TooManyMissedTimes Warning is recorded (the latest still runs). */
  maxMissedTicks?: number;
  /** Added to the requeue delay so the wake-up lands just after the tick, not before it. */
  requeuePaddingMs?: number;
  /** Entries kept in `status.schedule.history`. */
  historySize?: number;
  /** Whether another object already uses a name (runs of this template are checked anyway). */
  isNameTaken?: (name: string) => boolean;
}

export const PLAN_DEFAULTS = { maxMissedTicks: 100, requeuePaddingMs: 50, historySize: 10 } as const;

export type DeletionReason = 'replaced' | 'previous-run' | 'history';

export interface RunDeletion {
  run: FlinkDeployment;
  name: string;
  reason: DeletionReason;
  event: EventInput;
}

export interface RunCreation {
  run: FlinkDeployment;
  /** The tick the run is for. */
  scheduled: Date;
  event: EventInput;
}

/** The status fields the schedule owns; everything else in the template's status is left alone. */
export interface ScheduleStatusChange {
  error?: string;
  schedule: ScheduleStatus;
}

export interface SchedulePlan {
  /** Deleted before `create`: the active runs Replace stops, or every earlier run (annotation form). */
  stop: RunDeletion[];
  create?: RunCreation;
  /** Finished runs beyond the history limits, deleted after `create`. */
  prune: RunDeletion[];
  /** Events about the template itself (the deletions and creation carry their own). */
  events: EventInput[];
  /** Undefined when the object is no template (any more): its status belongs to the deployment controller. */
  status?: ScheduleStatusChange;
  /** Undefined: wait for a change of the template or its runs. */
  requeueAfterMs?: number;
}

const warning = (reason: string, message: string): EventInput => ({ type: 'Warning', reason, message });

export function planSchedule(
  template: FlinkDeployment,
  candidates: FlinkDeployment[],
  now: Date,
  options: PlanOptions = {},
): SchedulePlan {
  const opts = { ...PLAN_DEFAULTS, ...options };
  const views = controlledBy(template, candidates).map(describeRun).sort(byScheduledTime);
  if (!isScheduleTemplate(template)) {
    // The schedule was removed: its runs finish on their own; finished ones are kept by the defaults.
    return { stop: [], prune: prune(views, DEFAULT_HISTORY_LIMITS, false), events: [] };
  }
  const previous = template.status?.schedule ?? {};
  const resolution = resolveSchedule(template);
  const events: EventInput[] = [];
  if (resolution.conflict) events.push(warning('ScheduleConflict', resolution.conflict));
  const invalid = (message: string): SchedulePlan => {
    const error = errorText(ERROR_TYPES.validation, message);
    if (error !== template.status?.error) events.push(warning('InvalidSchedule', message));
    return {
      stop: [],
      prune: [],
      events,
      status: { error, schedule: observedStatus(previous, views, [], opts.historySize) },
    };
  };
  if (!resolution.ok) return invalid(resolution.error);
  const schedule = resolution.schedule;
  const problem = runSpecProblem(template, schedule, now);
  if (problem) return invalid(problem);

  const handledMs = Math.max(
    parseTimestamp(template.metadata.creationTimestamp) ?? 0,
    parseTimestamp(previous.lastScheduleTime) ?? 0,
    ...(previous.history ?? []).map((r) => parseTimestamp(r.scheduledTime) ?? 0),
    ...views.map((v) => v.scheduledMs ?? 0),
  );
  const deadlineMs =
    schedule.startingDeadlineSeconds === undefined ? undefined : schedule.startingDeadlineSeconds * 1000;
  const due = dueTick(schedule.cron, handledMs, now, opts.maxMissedTicks, deadlineMs);

  const records: ScheduleRunRecord[] = [];
  const stop: RunDeletion[] = [];
  let create: RunCreation | undefined;
  if (due.tick && !schedule.suspend) {
    const tick = due.tick;
    const when = rfc3339InZone(tick, schedule.timeZone);
    if (due.tooMany) {
      events.push(
        warning(
          'TooManyMissedTimes',
          `More than ${opts.maxMissedTicks} start times were missed; starting the latest (${when}). Set or decrease spec.schedule.startingDeadlineSeconds, or check clock skew`,
        ),
      );
    }
    const active = views.filter((v) => v.phase === 'active');
    if (deadlineMs !== undefined && now.getTime() - tick.getTime() > deadlineMs) {
      records.push({ scheduledTime: utcTimestamp(tick), outcome: 'Missed' });
      events.push(
        warning(
          'ScheduleMissed',
          `Missed the run scheduled for ${when}: it is more than startingDeadlineSeconds (${schedule.startingDeadlineSeconds}) late`,
        ),
      );
    } else if (schedule.concurrencyPolicy === 'Forbid' && active.length > 0) {
      records.push({ scheduledTime: utcTimestamp(tick), outcome: 'Skipped' });
      const names = active.map((v) => v.name).join(', ');
      events.push(
        warning(
          'ScheduleSkipped',
          `Skipped the run scheduled for ${when}: ${names} still running (concurrencyPolicy Forbid). A scheduled job must end on its own; a streaming job never does (set execution.runtime-mode: BATCH)`,
        ),
      );
    } else {
      const name = chooseName(template, tick, schedule, views, opts.isNameTaken);
      const stopped = schedule.cleanUpPreviousRuns
        ? views.filter((v) => v.phase !== 'deleting')
        : schedule.concurrencyPolicy === 'Replace'
          ? active
          : [];
      for (const v of stopped) {
        const replaced = v.phase === 'active';
        stop.push({
          run: v.run,
          name: v.name,
          reason: replaced ? 'replaced' : 'previous-run',
          event: cleanupEvent(v.name, schedule.source === 'annotation' ? undefined : `replaced by ${name}`),
        });
        records.push(record(v, replaced ? 'Replaced' : undefined));
      }
      create = {
        run: buildRun(template, name, tick, schedule.timeZone),
        scheduled: tick,
        event: {
          type: 'Normal',
          reason: 'JobStatusChanged',
          component: 'Job',
          message: `Submit new job ${name}`,
        },
      };
    }
  }

  const stoppedNames = new Set(stop.map((d) => d.name));
  const remaining = views.filter((v) => !stoppedNames.has(v.name));
  const pruned = schedule.historyLimits ? prune(remaining, schedule.historyLimits, true) : [];
  const status = observedStatus(previous, remaining, records, opts.historySize);
  if (create) {
    status.active = [...(status.active ?? []), create.run.metadata.name ?? ''];
    status.lastScheduleTime = latestTimestamp(status.lastScheduleTime, create.scheduled.getTime());
  }
  const next = schedule.suspend ? undefined : nextTick(schedule.cron, now);
  if (next) status.nextScheduleTime = utcTimestamp(next);
  return {
    stop,
    create,
    prune: pruned,
    events,
    status: { schedule: status },
    requeueAfterMs: next ? next.getTime() - now.getTime() + opts.requeuePaddingMs : undefined,
  };
}

/**
 * The status the runs imply: lastScheduleTime and lastSuccessfulTime only move forward, active
 * lists unfinished runs, history gains the finished runs and the given records.
 */
function observedStatus(
  previous: ScheduleStatus,
  views: RunView[],
  records: ScheduleRunRecord[],
  historySize: number,
): ScheduleStatus {
  const succeeded = views.filter((v) => v.phase === 'succeeded');
  const finished = views.filter((v) => v.phase === 'succeeded' || v.phase === 'failed').map((v) => record(v));
  const status: ScheduleStatus = {
    active: views.filter((v) => v.phase === 'active').map((v) => v.name),
    history: mergeHistory(previous.history, [...finished, ...records], historySize),
  };
  const lastSchedule = latestTimestamp(previous.lastScheduleTime, ...views.map((v) => v.scheduledMs));
  if (lastSchedule) status.lastScheduleTime = lastSchedule;
  const lastSuccess = latestTimestamp(previous.lastSuccessfulTime, ...succeeded.map((v) => v.finishedMs));
  if (lastSuccess) status.lastSuccessfulTime = lastSuccess;
  return status;
}

function latestTimestamp(
  current: string | undefined,
  ...candidates: (number | undefined)[]
): string | undefined {
  const times = [parseTimestamp(current), ...candidates].filter((t): t is number => t !== undefined);
  if (times.length === 0) return undefined;
  return utcTimestamp(new Date(Math.max(...times)));
}

function record(view: RunView, outcome?: ScheduleRunRecord['outcome']): ScheduleRunRecord {
  const out: ScheduleRunRecord = { name: view.name };
  if (view.scheduledMs !== undefined) out.scheduledTime = utcTimestamp(new Date(view.scheduledMs));
  const resolved =
    outcome ?? (view.phase === 'succeeded' ? 'Succeeded' : view.phase === 'failed' ? 'Failed' : undefined);
  if (resolved) out.outcome = resolved;
  return out;
}

const historyKey = (r: ScheduleRunRecord): string => r.name ?? `${r.scheduledTime}/${r.outcome}`;

/**
 * Run records by name (ticks without a run by time and outcome), newer information winning, the
 * `size` latest by scheduled time kept.
 */
export function mergeHistory(
  previous: ScheduleRunRecord[] | undefined,
  updates: ScheduleRunRecord[],
  size: number,
): ScheduleRunRecord[] {
  const byKey = new Map<string, ScheduleRunRecord>();
  for (const r of [...(previous ?? []), ...updates]) {
    const key = historyKey(r);
    byKey.set(key, { ...byKey.get(key), ...r });
  }
  return [...byKey.values()]
    .sort(
      (a, b) =>
        (parseTimestamp(a.scheduledTime) ?? 0) - (parseTimestamp(b.scheduledTime) ?? 0) ||
        historyKey(a).localeCompare(historyKey(b)),
    )
    .slice(-size);
}

/** Finished runs beyond the limits, oldest first, per outcome. */
function prune(views: RunView[], limits: HistoryLimits, scheduled: boolean): RunDeletion[] {
  const out: RunDeletion[] = [];
  for (const [phase, limit, kind] of [
    ['succeeded', limits.successful, 'successful'],
    ['failed', limits.failed, 'failed'],
  ] as const) {
    const finished = views.filter((v) => v.phase === phase);
    for (const v of finished.slice(0, Math.max(finished.length - limit, 0))) {
      const why = `${scheduled ? '' : 'schedule removed; '}more than ${limit} ${kind} runs kept`;
      out.push({ run: v.run, name: v.name, reason: 'history', event: cleanupEvent(v.name, why) });
    }
  }
  return out;
}

function cleanupEvent(name: string, why?: string): EventInput {
  return {
    type: 'Normal',
    reason: 'Cleanup',
    message: why ? `Clean up ${name} (${why})` : `Clean up ${name}`,
  };
}

/** The first free name for the tick's run: one no other run or object holds. */
function chooseName(
  template: FlinkDeployment,
  tick: Date,
  schedule: EffectiveSchedule,
  views: RunView[],
  isNameTaken: ((name: string) => boolean) | undefined,
): string {
  const candidates = runNameCandidates(
    template.metadata.name ?? '',
    tick,
    schedule.timeZone,
    isSubMinute(schedule.expression),
  );
  const taken = (name: string) => views.some((v) => v.name === name) || (isNameTaken?.(name) ?? false);
  return candidates.find((name) => !taken(name)) ?? (candidates.at(-1) as string);
}

/** Runs are validated before any is created: a template whose runs would be rejected starts none. */
function runSpecProblem(
  template: FlinkDeployment,
  schedule: EffectiveSchedule,
  now: Date,
): string | undefined {
  const name = runNameCandidates(template.metadata.name ?? '', now, schedule.timeZone, false)[0] ?? '';
  const errors = validateFlinkDeployment(buildRun(template, name, now, schedule.timeZone));
  if (errors.length === 0) return undefined;
  return `Runs of this schedule would be invalid: ${errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`;
}
