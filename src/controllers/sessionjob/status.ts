/** Helpers for a session job's status in the compatible operator's shape. */
import type { FlinkSessionJobSpec, FlinkSessionJobStatus } from '../../api/index.ts';
import {
  parseReconciledSpec,
  serializeReconciledSpec,
  type ReconciledSpec,
} from '../common/reconciled-spec.ts';

export type SessionJobStatus = FlinkSessionJobStatus;
export type JobStatusState = NonNullable<NonNullable<SessionJobStatus['jobStatus']>['state']>;
export type LifecycleState = NonNullable<SessionJobStatus['lifecycleState']>;

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['FAILED', 'CANCELED', 'FINISHED']);

export { ERROR_TYPES, JOB_NOT_FOUND, errorMessage, errorText } from '../common/status-error.ts';

export function recordedSpec(
  status: SessionJobStatus | undefined,
): ReconciledSpec<FlinkSessionJobSpec> | undefined {
  return parseReconciledSpec<FlinkSessionJobSpec>(status?.reconciliationStatus?.lastReconciledSpec);
}

/**
 * What `lastReconciledSpec` should hold for `spec`: the spec with `job.state` as given and the
 * trigger nonces of the previous record (nonces advance only when their snapshot is taken).
 */
export function specToRecord(
  spec: FlinkSessionJobSpec,
  jobState: 'running' | 'suspended',
  previous: FlinkSessionJobSpec | undefined,
  overrides: { upgradeMode?: 'stateless' | 'savepoint' | 'last-state' } = {},
): FlinkSessionJobSpec {
  const copy = structuredClone(spec);
  const job = { ...copy.job, state: jobState, ...overrides };
  setOrDelete(job, 'savepointTriggerNonce', previous?.job?.savepointTriggerNonce);
  setOrDelete(job, 'checkpointTriggerNonce', previous?.job?.checkpointTriggerNonce);
  copy.job = job;
  return copy;
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined || value === null) delete target[key];
  else target[key] = value;
}

export function serializeRecord(spec: FlinkSessionJobSpec, firstDeployment: boolean): string {
  return serializeReconciledSpec(spec, firstDeployment);
}

/** The lifecycle state the status shows (first match wins), as the compatible operator derives it. */
export function lifecycleOf(status: SessionJobStatus): LifecycleState {
  const recon = status.reconciliationStatus;
  const recorded = recordedSpec(status);
  if (!recorded) return status.error ? 'FAILED' : 'CREATED';
  if (recon?.state === 'UPGRADING') return 'UPGRADING';
  if (recon?.state === 'ROLLING_BACK') return 'ROLLING_BACK';
  if (recorded.spec.job?.state === 'suspended') return 'SUSPENDED';
  if (status.jobStatus?.state === 'FAILED') return 'FAILED';
  if (recon?.state === 'ROLLED_BACK') return 'ROLLED_BACK';
  if (recon?.lastStableSpec !== undefined && recon.lastStableSpec === recon.lastReconciledSpec)
    return 'STABLE';
  return 'DEPLOYED';
}

/** The status with `lifecycleState` recomputed (kept when cleanup set DELETING/DELETED). */
export function withLifecycle(status: SessionJobStatus): SessionJobStatus {
  if (status.lifecycleState === 'DELETING' || status.lifecycleState === 'DELETED') return status;
  return { ...status, lifecycleState: lifecycleOf(status) };
}
