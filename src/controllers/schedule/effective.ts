/**
 * What a template asks for: its schedule from `spec.schedule` or the `job.execute.cron`
 * annotation, with defaults filled in, or why it cannot be scheduled.
 */
import type { Cron } from 'croner';
import { DEFAULT_TIME_ZONE, SCHEDULE_DEFAULTS, parseCron, type FlinkDeployment } from '../../api/index.ts';
import { mergeConfigs } from '../../api/validation/flink-config.ts';
import { CRON_ANNOTATION } from './labels.ts';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface HistoryLimits {
  successful: number;
  failed: number;
}

export interface EffectiveSchedule {
  source: 'annotation' | 'spec';
  expression: string;
  cron: Cron;
  timeZone: string;
  concurrencyPolicy: ConcurrencyPolicy;
  startingDeadlineSeconds?: number;
  suspend: boolean;
  /** Finished runs kept; the annotation form has none: it cleans up every earlier run instead. */
  historyLimits?: HistoryLimits;
  /** The annotation form: every earlier run is cleaned up when the next one starts. */
  cleanUpPreviousRuns: boolean;
}

export type ScheduleResolution =
  | { ok: true; schedule: EffectiveSchedule; conflict?: string }
  | { ok: false; error: string; conflict?: string };

/** The limits that apply to runs left behind by a template whose schedule was removed. */
export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  successful: SCHEDULE_DEFAULTS.successfulRunsHistoryLimit,
  failed: SCHEDULE_DEFAULTS.failedRunsHistoryLimit,
};

const RUNTIME_MODE_KEY = 'execution.runtime-mode';

/**
 * True for a FlinkDeployment that is a schedule template (it has `spec.schedule` or the
 * `job.execute.cron` annotation): the deployment controller must not deploy a cluster for it.
 */
export function isScheduleTemplate(deployment: Pick<FlinkDeployment, 'metadata' | 'spec'>): boolean {
  return (
    deployment.spec?.schedule !== undefined ||
    deployment.metadata.annotations?.[CRON_ANNOTATION] !== undefined
  );
}

export function resolveSchedule(template: FlinkDeployment): ScheduleResolution {
  const annotation = template.metadata.annotations?.[CRON_ANNOTATION];
  const spec = template.spec?.schedule;
  const conflict =
    spec && annotation !== undefined && annotation.trim() !== (spec.cron ?? '').trim()
      ? `spec.schedule.cron '${spec.cron ?? ''}' and annotation ${CRON_ANNOTATION} '${annotation}' disagree: spec.schedule wins`
      : undefined;
  const problem = templateProblem(template);
  if (problem) return { ok: false, error: problem, conflict };

  if (spec) {
    if (spec.cron === undefined || spec.cron.trim() === '')
      return { ok: false, error: 'spec.schedule.cron must be defined', conflict };
    const timeZone = spec.timeZone ?? SCHEDULE_DEFAULTS.timeZone;
    const parsed = parseCron(spec.cron, timeZone);
    if (!parsed.ok) return { ok: false, error: parsed.error, conflict };
    return {
      ok: true,
      conflict,
      schedule: {
        source: 'spec',
        expression: spec.cron.trim(),
        cron: parsed.cron,
        timeZone,
        concurrencyPolicy: spec.concurrencyPolicy ?? SCHEDULE_DEFAULTS.concurrencyPolicy,
        startingDeadlineSeconds: spec.startingDeadlineSeconds,
        suspend: spec.suspend ?? SCHEDULE_DEFAULTS.suspend,
        historyLimits: {
          successful: spec.successfulRunsHistoryLimit ?? SCHEDULE_DEFAULTS.successfulRunsHistoryLimit,
          failed: spec.failedRunsHistoryLimit ?? SCHEDULE_DEFAULTS.failedRunsHistoryLimit,
        },
        cleanUpPreviousRuns: false,
      },
    };
  }

  const expression = (annotation ?? '').trim();
  if (expression === '') return { ok: false, error: `Annotation ${CRON_ANNOTATION} is empty` };
  const parsed = parseCron(expression, DEFAULT_TIME_ZONE);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  return {
    ok: true,
    schedule: {
      source: 'annotation',
      expression,
      cron: parsed.cron,
      timeZone: DEFAULT_TIME_ZONE,
      concurrencyPolicy: 'Replace',
      suspend: false,
      cleanUpPreviousRuns: true,
    },
  };
}

/**
 * A template must describe a job that ends on its own. A job declared as streaming never does,
 * so it is refused; a job that sets its mode in code cannot be told apart here and is accepted
 * (a run still active at the next tick is reported instead).
 */
function templateProblem(template: FlinkDeployment): string | undefined {
  if (!template.spec?.job) return 'A scheduled deployment needs a job: spec.job must be defined';
  const mode = mergeConfigs(template.spec.flinkConfiguration).get(RUNTIME_MODE_KEY);
  if (mode !== undefined && mode.trim().toUpperCase() === 'STREAMING') {
    return `A scheduled deployment runs batch jobs, which end on their own: ${RUNTIME_MODE_KEY} is STREAMING, set it to BATCH`;
  }
  return undefined;
}
