/**
 * A FlinkStateSnapshot's next step as a pure function of its spec, status and the job it refers
 * to: TRIGGER_PENDING → IN_PROGRESS → COMPLETED, FAILED after `backoffLimit` retries, ABANDONED
 * when the job is gone or not running.
 */
import type { FlinkStateSnapshot, FlinkStateSnapshotStatus } from '../../api/index.ts';

/** The referenced FlinkDeployment or FlinkSessionJob, as far as the snapshot cares. */
export type TargetObservation =
  | { kind: 'missing'; message: string }
  | { kind: 'found'; jobId?: string; jobState?: string; description: string };

export type SnapshotStep =
  | { type: 'none' }
  | { type: 'complete-existing'; path: string | undefined }
  | { type: 'fail'; message: string }
  | { type: 'abandon'; message: string }
  | { type: 'trigger'; jobId: string }
  | { type: 'poll'; jobId: string; triggerId: string }
  /** A failed attempt's back-off has not run out: try again then, whatever woke the reconcile. */
  | { type: 'wait'; retryInMs: number };

export type SnapshotStatus = FlinkStateSnapshotStatus;

export const isFinished = (state: SnapshotStatus['state']): boolean =>
  state === 'COMPLETED' || state === 'FAILED' || state === 'ABANDONED';

export function planSnapshot(
  snapshot: FlinkStateSnapshot,
  target: TargetObservation,
  nowMs: number = Date.now(),
): SnapshotStep {
  const status = snapshot.status ?? {};
  const state = status.state ?? 'TRIGGER_PENDING';
  if (isFinished(state)) return { type: 'none' };
  const savepoint = snapshot.spec.savepoint;
  if (state === 'TRIGGER_PENDING' && savepoint?.alreadyExists) {
    return { type: 'complete-existing', path: savepoint.path };
  }
  if (target.kind === 'missing') {
    return state === 'TRIGGER_PENDING'
      ? { type: 'fail', message: target.message }
      : { type: 'abandon', message: target.message };
  }
  if (!target.jobId || target.jobState !== 'RUNNING') {
    return {
      type: 'abandon',
      message: `Job of ${target.description} is not running (state ${target.jobState ?? 'unknown'}), cannot take snapshot ${snapshot.metadata.name}`,
    };
  }
  if (state === 'IN_PROGRESS' && status.triggerId) {
    return { type: 'poll', jobId: target.jobId, triggerId: status.triggerId };
  }
  const retryAt = nextAttemptAt(status);
  if (retryAt !== undefined && nowMs < retryAt) return { type: 'wait', retryInMs: retryAt - nowMs };
  return { type: 'trigger', jobId: target.jobId };
}

/** The delay after the n-th failed attempt: 10 s, doubling up to about 2.8 hours. */
export const retryDelayMs = (failures: number): number => 10_000 * 2 ** Math.min(failures - 1, 10);

/**
 * When a snapshot that failed may be triggered again, from what its status recorded. Kept in the
 * status, not in a timer, so that our own status and label writes (which wake the reconcile at
 * once) and operator restarts do not turn the back-off into a retry loop.
 */
function nextAttemptAt(status: SnapshotStatus): number | undefined {
  const failures = status.failures ?? 0;
  const failedAt = status.resultTimestamp ? Date.parse(status.resultTimestamp) : NaN;
  if (failures <= 0 || Number.isNaN(failedAt)) return undefined;
  return failedAt + retryDelayMs(failures);
}

/** Status after a failed attempt: TRIGGER_PENDING for a retry, or FAILED once `backoffLimit` retries are used up. */
export function failedAttempt(
  status: SnapshotStatus | undefined,
  backoffLimit: number,
  message: string,
  nowIso: string,
): { status: SnapshotStatus; retryInMs?: number } {
  const failures = (status?.failures ?? 0) + 1;
  const base: SnapshotStatus = { ...status, failures, error: message, resultTimestamp: nowIso };
  if (backoffLimit >= 0 && failures > backoffLimit) return { status: { ...base, state: 'FAILED' } };
  return {
    status: { ...base, state: 'TRIGGER_PENDING' },
    retryInMs: retryDelayMs(failures),
  };
}
