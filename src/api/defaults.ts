/**
 * The values a missing field stands for. The functions return a copy with them filled in; they
 * never change their argument and are meant for the operator's working view of a resource, not
 * for writing back to the API server.
 */
import { DEFAULT_TIME_ZONE } from './cron.ts';
import type { FlinkDeployment, FlinkSessionJob, FlinkStateSnapshot, JobSpec, ScheduleSpec } from './types.ts';

/** Label a session job carries with the name of its session cluster. */
export const TARGET_SESSION_LABEL = 'target.session';

export const SCHEDULE_DEFAULTS = {
  timeZone: DEFAULT_TIME_ZONE,
  concurrencyPolicy: 'Forbid',
  suspend: false,
  successfulRunsHistoryLimit: 3,
  failedRunsHistoryLimit: 1,
} as const satisfies ScheduleSpec;

function jobWithDefaults(job: JobSpec): JobSpec {
  return { state: 'running', upgradeMode: 'stateless', ...job };
}

export function applyDeploymentDefaults(deployment: FlinkDeployment): FlinkDeployment {
  const out = structuredClone(deployment);
  const spec = out.spec ?? {};
  out.spec = spec;
  if (spec.job) spec.job = jobWithDefaults(spec.job);
  spec.mode ??= 'native';
  spec.jobManager = { replicas: 1, ...spec.jobManager };
  if (spec.schedule) spec.schedule = { ...SCHEDULE_DEFAULTS, ...spec.schedule };
  return out;
}

export function applySessionJobDefaults(sessionJob: FlinkSessionJob): FlinkSessionJob {
  const out = structuredClone(sessionJob);
  const spec = out.spec ?? {};
  out.spec = spec;
  if (spec.job) spec.job = jobWithDefaults(spec.job);
  if (spec.deploymentName) {
    out.metadata = {
      ...out.metadata,
      labels: { ...out.metadata?.labels, [TARGET_SESSION_LABEL]: spec.deploymentName },
    };
  }
  return out;
}

export function applyStateSnapshotDefaults(snapshot: FlinkStateSnapshot): FlinkStateSnapshot {
  const out = structuredClone(snapshot);
  const spec = out.spec ?? {};
  out.spec = spec;
  spec.backoffLimit ??= -1;
  if (spec.savepoint) {
    spec.savepoint = {
      formatType: 'CANONICAL',
      disposeOnDelete: true,
      alreadyExists: false,
      ...spec.savepoint,
    };
  }
  return out;
}
