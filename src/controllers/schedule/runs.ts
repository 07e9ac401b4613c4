/** Scheduled runs: building a run from its template, and reading what state a run is in. */
import { API_VERSION, type FlinkDeployment } from '../../api/index.ts';
import {
  CRON_ANNOTATION,
  LAST_APPLIED_ANNOTATION,
  SCHEDULED_TIME_ANNOTATION,
  SCHEDULED_TIME_LABEL,
  SCHEDULE_LABEL,
} from './labels.ts';
import { labelValue } from './naming.ts';
import { compactUtc, parseTimestamp, rfc3339InZone } from './time.ts';

export type RunPhase = 'active' | 'succeeded' | 'failed' | 'deleting';

export interface RunView {
  run: FlinkDeployment;
  name: string;
  /** The tick the run was started for (from its annotation). */
  scheduledMs?: number;
  phase: RunPhase;
  /** When a finished run ended, if its status says. */
  finishedMs?: number;
}

const FAILED_JOB_STATES = new Set(['FAILED', 'CANCELED']);

/** The runs a template controls: a controller owner reference with the template's uid. */
export function controlledBy(template: FlinkDeployment, candidates: FlinkDeployment[]): FlinkDeployment[] {
  const uid = template.metadata.uid;
  return candidates.filter((run) =>
    (run.metadata.ownerReferences ?? []).some(
      (ref) => ref.controller === true && ref.uid === uid && ref.kind === 'FlinkDeployment',
    ),
  );
}

export function describeRun(run: FlinkDeployment): RunView {
  const name = run.metadata.name ?? '';
  const scheduledMs = parseTimestamp(run.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION]);
  return { run, name, scheduledMs, phase: runPhase(run), finishedMs: finishedAt(run) };
}

/** Finished means the job reached FINISHED, FAILED or CANCELED, or the deployment failed for good. */
function runPhase(run: FlinkDeployment): RunPhase {
  if (run.metadata.deletionTimestamp) return 'deleting';
  const state = run.status?.jobStatus?.state;
  if (state === 'FINISHED') return 'succeeded';
  if ((state && FAILED_JOB_STATES.has(state)) || run.status?.lifecycleState === 'FAILED') return 'failed';
  return 'active';
}

/** `jobStatus.updateTime` holds epoch milliseconds as a string once the job reached its final state. */
function finishedAt(run: FlinkDeployment): number | undefined {
  const raw = run.status?.jobStatus?.updateTime;
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Orders runs by the tick they were started for (creation time when unknown), oldest first. */
export function byScheduledTime(a: RunView, b: RunView): number {
  const ta = a.scheduledMs ?? parseTimestamp(a.run.metadata.creationTimestamp) ?? 0;
  const tb = b.scheduledMs ?? parseTimestamp(b.run.metadata.creationTimestamp) ?? 0;
  return ta - tb || a.name.localeCompare(b.name);
}

/**
 * The run of `template` for tick `scheduled`: the template's spec without its schedule, started
 * (job state running), owned by the template, labelled and annotated with its tick.
 */
export function buildRun(
  template: FlinkDeployment,
  name: string,
  scheduled: Date,
  timeZone: string,
): FlinkDeployment {
  const spec = structuredClone(template.spec);
  delete spec.schedule;
  if (spec.job) spec.job.state = 'running';
  const annotations = { ...template.metadata.annotations };
  delete annotations[CRON_ANNOTATION];
  delete annotations[LAST_APPLIED_ANNOTATION];
  annotations[SCHEDULED_TIME_ANNOTATION] = rfc3339InZone(scheduled, timeZone);
  return {
    apiVersion: API_VERSION,
    kind: 'FlinkDeployment',
    metadata: {
      name,
      namespace: template.metadata.namespace,
      labels: {
        ...template.metadata.labels,
        [SCHEDULE_LABEL]: labelValue(template.metadata.name ?? ''),
        [SCHEDULED_TIME_LABEL]: compactUtc(scheduled),
      },
      annotations,
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'FlinkDeployment',
          name: template.metadata.name ?? '',
          uid: template.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
  };
}
