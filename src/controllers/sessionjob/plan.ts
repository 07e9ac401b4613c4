/**
 * The session job's decisions as pure functions of (spec, status, what was observed):
 * `applyObservation` folds the observed Flink job into the status, `plan` picks the one next
 * step, `planCleanup` decides what deletion needs. Effects live in apply.ts.
 */
import type { FlinkSessionJobSpec } from '../../api/index.ts';
import type { EventInput } from '../../runtime/index.ts';
import {
  PARALLELISM_OVERRIDES_KEY,
  driftedOverrides,
  overridesRescalableInPlace,
  parallelismOverrides,
} from '../common/in-place-scaling.ts';
import type { PeriodicTrigger } from '../../api/periodic-trigger.ts';
import type { SessionState } from './session.ts';
import { upgradeChanges } from './diff.ts';
import {
  ERROR_TYPES,
  JOB_NOT_FOUND,
  TERMINAL_STATES,
  errorText,
  recordedSpec,
  serializeRecord,
  specToRecord,
  type JobStatusState,
  type SessionJobStatus,
} from './status.ts';
import { recordedRestorePath } from '../common/restore-path.ts';

export type UpgradeMode = 'stateless' | 'savepoint' | 'last-state';

/** The Flink job named by `status.jobStatus.jobId`, as the cluster reports it. */
export type JobObservation =
  /** Not looked up: no job id, or the cluster cannot be asked. */
  | { kind: 'none' }
  | { kind: 'found'; state: JobStatusState; name: string; startTime: number; failure?: string }
  | { kind: 'not-found' }
  | { kind: 'unreachable'; error: string };

export type Step =
  /** The session cluster cannot take work now; report it and look again later. */
  | { type: 'wait-session'; session: Exclude<SessionState, { kind: 'ready' }> }
  /** Nothing to run now (e.g. the job is cancelling); look again later. */
  | { type: 'wait'; message: string }
  /** Record the spec as reconciled without running anything (a suspended job). */
  | { type: 'record-suspended' }
  /**
   * Submit the job. `jobId` is the one recorded before an earlier attempt that may have reached
   * the cluster; reusing it makes a repeated submission fail as a duplicate instead of starting
   * the job twice.
   */
  | {
      type: 'submit';
      restorePath?: string;
      upgradeMode: UpgradeMode;
      firstDeployment: boolean;
      jobId?: string;
    }
  /**
   * Stop the running job: `savepoint` = stop-with-savepoint, `cancel` = cancel, `none` = it
   * already stopped. `restoreFrom` says which state the next run starts from: the savepoint just
   * taken, the latest checkpoint or savepoint of the stopped job, the path recorded earlier, or
   * nothing.
   */
  | {
      type: 'suspend';
      method: 'savepoint' | 'cancel' | 'none';
      restoreFrom: 'savepoint' | 'latest' | 'recorded' | 'none';
      upgradeMode: UpgradeMode;
      thenRunning: boolean;
    }
  /** Take a savepoint or checkpoint: for a changed trigger nonce (MANUAL) or because one is due (PERIODIC). */
  | { type: 'snapshot'; kind: 'savepoint' | 'checkpoint'; trigger: 'MANUAL'; nonce: number }
  | { type: 'snapshot'; kind: 'savepoint' | 'checkpoint'; trigger: 'PERIODIC' }
  /**
   * Give the running job new vertex parallelisms in place, through the adaptive scheduler's
   * resource requirements; should that fail, take the `otherwise` step (the upgrade) instead.
   */
  | { type: 'rescale'; jobId: string; parallelism: Record<string, number>; otherwise: Step }
  | { type: 'none' };

export interface Plan {
  step: Step;
  events: EventInput[];
}

export interface PlanInput {
  spec: FlinkSessionJobSpec;
  status: SessionJobStatus | undefined;
  session: SessionState;
  job: JobObservation;
  /** `job.upgrade.last-state-fallback.enabled`: a savepoint upgrade of a job that is not running cancels it instead of waiting. */
  lastStateFallback: boolean;
  /** Which periodic snapshot is due now (see `periodicDue`), if any. */
  periodicDue?: 'savepoint' | 'checkpoint';
  /**
   * The session cluster rescales jobs in place: `job.upgrade.inplace-scaling.enabled`, the adaptive
   * scheduler and Flink 1.18 or later.
   */
  inPlaceScaling?: boolean;
  /**
   * The upper parallelism bound per vertex the adaptive scheduler runs the job with, when looked
   * up (a running job with overrides on record, on a cluster that rescales in place).
   */
  runningParallelism?: Record<string, number>;
  /**
   * The session cluster ignores the vertex parallelism overrides shipped with a submission (Flink
   * 2 runs a job submitted through the REST API from its stream graph, which they do not reach).
   */
  submittedOverridesIgnored?: boolean;
}

const desiredState = (spec: FlinkSessionJobSpec) => spec.job?.state ?? 'running';
const upgradeModeOf = (spec: FlinkSessionJobSpec | undefined): UpgradeMode =>
  spec?.job?.upgradeMode ?? 'stateless';
const OVERRIDES_CHANGE = `flinkConfiguration.${PARALLELISM_OVERRIDES_KEY}`;
const SUBMITTED_OVERRIDES_IGNORED =
  `The job is redeployed, but Flink 2 ignores ${PARALLELISM_OVERRIDES_KEY} of jobs submitted through the ` +
  "REST API: its vertices keep the job's parallelism. Run the session cluster with jobmanager.scheduler: " +
  'adaptive to rescale them in place.';

export function plan(input: PlanInput): Plan {
  const { spec, status, session, job } = input;
  if (session.kind !== 'ready') return { step: { type: 'wait-session', session }, events: [] };
  const recorded = recordedSpec(status);
  if (!recorded) {
    if (desiredState(spec) === 'suspended') return { step: { type: 'record-suspended' }, events: [] };
    const initial = spec.job?.initialSavepointPath;
    return {
      step: {
        type: 'submit',
        restorePath: initial,
        upgradeMode: initial ? 'savepoint' : 'stateless',
        firstDeployment: true,
      },
      events: [],
    };
  }
  const upgrading = status?.reconciliationStatus?.state === 'UPGRADING';
  const changes = upgradeChanges(recorded.spec, spec);
  if (changes.length === 0 && !upgrading) {
    const reapply = reapplyOverrides(input, recorded.spec);
    if (reapply) return { step: reapply, events: [] };
    return otherChanges(spec, recorded.spec, status, job, input.periodicDue);
  }

  const events: EventInput[] = [];
  if (changes.length > 0 && !upgrading) {
    const onlyOverrides = changes.every((c) => c === OVERRIDES_CHANGE);
    events.push({
      type: 'Normal',
      reason: 'SpecChanged',
      message: `${onlyOverrides ? 'SCALE' : 'UPGRADE'} change(s) detected (${changes.join(', ')}), starting reconciliation.`,
    });
    const rescale = onlyOverrides ? rescaleStep(input, recorded.spec) : undefined;
    if (rescale) return { step: rescale, events };
    const overridden = Object.keys(parallelismOverrides(spec.flinkConfiguration)).length > 0;
    if (
      input.submittedOverridesIgnored &&
      !input.inPlaceScaling &&
      overridden &&
      desiredState(spec) === 'running'
    ) {
      events.push({ type: 'Warning', reason: 'IneffectiveScaling', message: SUBMITTED_OVERRIDES_IGNORED });
    }
  }
  if ((recorded.spec.job?.state ?? 'running') === 'running') {
    return { step: suspendStep(spec, job, input.lastStateFallback), events };
  }
  if (desiredState(spec) === 'suspended') return { step: { type: 'record-suspended' }, events };
  const recordedMode = upgradeModeOf(recorded.spec);
  const upgradeMode = upgradeModeOf(spec) === 'stateless' ? 'stateless' : recordedMode;
  const reuse = upgrading && status?.jobStatus?.state === 'RECONCILING' ? status.jobStatus.jobId : undefined;
  return {
    step: {
      type: 'submit',
      restorePath: upgradeMode === 'stateless' ? undefined : recordedRestorePath(status?.jobStatus),
      upgradeMode,
      firstDeployment: recorded.firstDeployment,
      jobId: reuse,
    },
    events,
  };
}

/**
 * A change of only the vertex parallelism overrides of a running job, on a cluster that rescales
 * in place, is applied to the job as it runs. A vertex that loses its override goes back to the
 * job's parallelism, which only a resubmission restores.
 */
function rescaleStep(input: PlanInput, recorded: FlinkSessionJobSpec): Step | undefined {
  const { spec, status, job } = input;
  const jobId = status?.jobStatus?.jobId;
  if (!input.inPlaceScaling || !jobId || status.jobStatus?.state !== 'RUNNING') return undefined;
  if (job.kind !== 'found' || job.state !== 'RUNNING') return undefined;
  if (desiredState(spec) !== 'running' || (recorded.job?.state ?? 'running') !== 'running') return undefined;
  const after = parallelismOverrides(spec.flinkConfiguration);
  if (!overridesRescalableInPlace(parallelismOverrides(recorded.flinkConfiguration), after)) return undefined;
  return {
    type: 'rescale',
    jobId,
    parallelism: after,
    otherwise: suspendStep(spec, job, input.lastStateFallback),
  };
}

/**
 * The running job no longer runs with the overrides on record: Flink 2 ignores the overrides
 * shipped with a job submitted through the REST API, so a resubmitted job starts at its own
 * parallelism. They are set again in place.
 */
function reapplyOverrides(input: PlanInput, recorded: FlinkSessionJobSpec): Step | undefined {
  const { status, job, runningParallelism: running } = input;
  const jobId = status?.jobStatus?.jobId;
  if (!input.inPlaceScaling || !running || !jobId || status.jobStatus?.state !== 'RUNNING') return undefined;
  if (job.kind !== 'found' || job.state !== 'RUNNING') return undefined;
  if ((recorded.job?.state ?? 'running') !== 'running') return undefined;
  const overrides = parallelismOverrides(recorded.flinkConfiguration);
  return driftedOverrides(overrides, running).length > 0
    ? { type: 'rescale', jobId, parallelism: overrides, otherwise: { type: 'none' } }
    : undefined;
}

/** How to stop a deployed job for an upgrade or suspension, by the spec's upgrade mode. */
function suspendStep(spec: FlinkSessionJobSpec, job: JobObservation, lastStateFallback: boolean): Step {
  const mode = upgradeModeOf(spec);
  const thenRunning = desiredState(spec) === 'running';
  const stopped = (restoreFrom: 'latest' | 'recorded'): Step => ({
    type: 'suspend',
    method: 'none',
    restoreFrom: mode === 'stateless' ? 'none' : restoreFrom,
    upgradeMode: mode,
    thenRunning,
  });
  if (job.kind === 'unreachable') return { type: 'wait', message: `Job status unknown: ${job.error}` };
  if (job.kind !== 'found') return stopped('recorded');
  if (job.state === 'CANCELLING') return { type: 'wait', message: 'Job is being cancelled' };
  if (TERMINAL_STATES.has(job.state)) return stopped('latest');
  if (mode === 'stateless') {
    return { type: 'suspend', method: 'cancel', restoreFrom: 'none', upgradeMode: mode, thenRunning };
  }
  if (mode === 'savepoint' && job.state === 'RUNNING') {
    return { type: 'suspend', method: 'savepoint', restoreFrom: 'savepoint', upgradeMode: mode, thenRunning };
  }
  if (mode === 'savepoint' && !lastStateFallback) {
    return { type: 'wait', message: `Savepoint upgrade waits for the job to be RUNNING (now ${job.state})` };
  }
  if (job.state === 'RECONCILING') return { type: 'wait', message: 'Job is reconciling' };
  return { type: 'suspend', method: 'cancel', restoreFrom: 'latest', upgradeMode: mode, thenRunning };
}

/** With the spec unchanged: trigger nonces, then periodic snapshots, of a running job. */
function otherChanges(
  spec: FlinkSessionJobSpec,
  recorded: FlinkSessionJobSpec,
  status: SessionJobStatus | undefined,
  job: JobObservation,
  periodicDue: 'savepoint' | 'checkpoint' | undefined,
): Plan {
  const none: Plan = { step: { type: 'none' }, events: [] };
  if ((recorded.job?.state ?? 'running') !== 'running') return none;
  if (job.kind !== 'found' || job.state !== 'RUNNING' || status?.jobStatus?.state !== 'RUNNING') return none;
  const savepointNonce = spec.job?.savepointTriggerNonce;
  if (typeof savepointNonce === 'number' && savepointNonce !== recorded.job?.savepointTriggerNonce) {
    return {
      step: { type: 'snapshot', kind: 'savepoint', trigger: 'MANUAL', nonce: savepointNonce },
      events: [],
    };
  }
  const checkpointNonce = spec.job?.checkpointTriggerNonce;
  if (typeof checkpointNonce === 'number' && checkpointNonce !== recorded.job?.checkpointTriggerNonce) {
    return {
      step: { type: 'snapshot', kind: 'checkpoint', trigger: 'MANUAL', nonce: checkpointNonce },
      events: [],
    };
  }
  if (periodicDue) return { step: { type: 'snapshot', kind: periodicDue, trigger: 'PERIODIC' }, events: [] };
  return none;
}

/**
 * The status after looking at the job in Flink, and the Events that change deserves. Nothing
 * changes before the first deployment, during an upgrade or without a job id.
 */
export function applyObservation(
  status: SessionJobStatus | undefined,
  spec: FlinkSessionJobSpec,
  job: JobObservation,
  now: number,
): { status: SessionJobStatus | undefined; events: EventInput[] } {
  const recorded = recordedSpec(status);
  const jobStatus = status?.jobStatus;
  if (!status || !recorded || status.reconciliationStatus?.state === 'UPGRADING' || !jobStatus?.jobId) {
    return { status, events: [] };
  }
  const events: EventInput[] = [];
  const next: SessionJobStatus = structuredClone(status);
  const nextJob = { ...jobStatus };
  next.jobStatus = nextJob;
  const recon = { ...next.reconciliationStatus };
  next.reconciliationStatus = recon;
  switch (job.kind) {
    case 'found': {
      if (jobStatus.state !== job.state) {
        nextJob.updateTime = String(now);
        events.push({
          type: 'Normal',
          reason: 'JobStatusChanged',
          component: 'Job',
          message: `Job status changed from ${jobStatus.state ?? 'UNKNOWN'} to ${job.state}`,
        });
        if (job.state === 'FAILED') {
          events.push({
            type: 'Warning',
            reason: 'Error',
            component: 'Job',
            message: job.failure ?? 'Job failed',
          });
        }
      }
      nextJob.state = job.state;
      nextJob.jobName = job.name;
      if (job.startTime > 0) nextJob.startTime = String(job.startTime);
      if (job.state === 'FAILED') {
        next.error = errorText(ERROR_TYPES.jobFailed, job.failure ?? 'Job failed');
      } else {
        delete next.error;
        if (recon.state === 'DEPLOYED' && job.state === 'RUNNING')
          recon.lastStableSpec = recon.lastReconciledSpec;
      }
      break;
    }
    case 'not-found':
      if (nextJob.state !== 'RECONCILING' || next.error !== JOB_NOT_FOUND) {
        events.push({ type: 'Warning', reason: 'Missing', component: 'Job', message: JOB_NOT_FOUND });
      }
      next.error = JOB_NOT_FOUND;
      nextJob.state = 'RECONCILING';
      // A lost stateless job is simply submitted again: record it as suspended so the next plan runs it.
      if (upgradeModeOf(spec) === 'stateless' && (recorded.spec.job?.state ?? 'running') === 'running') {
        recon.lastReconciledSpec = serializeRecord(
          specToRecord(recorded.spec, 'suspended', recorded.spec),
          recorded.firstDeployment,
        );
      }
      break;
    case 'unreachable':
      if (nextJob.state === 'RUNNING') nextJob.state = 'RECONCILING';
      break;
    case 'none':
      break;
  }
  return { status: next, events };
}

export type CleanupDecision =
  | { type: 'remove'; why: string }
  | { type: 'wait'; why: string }
  | { type: 'cancel' }
  | { type: 'savepoint' };

export interface CleanupInput {
  status: SessionJobStatus | undefined;
  session: SessionState;
  job: JobObservation;
  savepointOnDeletion: boolean;
}

/** What deleting the session job needs before its finalizer may go. */
export function planCleanup({ status, session, job, savepointOnDeletion }: CleanupInput): CleanupDecision {
  const recorded = recordedSpec(status);
  if (!recorded) return { type: 'remove', why: 'never deployed' };
  if (!status?.jobStatus?.jobId) return { type: 'remove', why: 'no job was submitted' };
  if (
    (recorded.spec.job?.state ?? 'running') === 'suspended' &&
    status.reconciliationStatus?.state !== 'UPGRADING'
  ) {
    return { type: 'remove', why: 'the job is suspended' };
  }
  if (status.error === JOB_NOT_FOUND) return { type: 'remove', why: 'the job is gone' };
  if (session.kind === 'missing') return { type: 'remove', why: 'the session cluster is gone' };
  if (session.kind === 'not-ready' || session.kind === 'deleting') {
    if (session.kind === 'not-ready' && session.ha) {
      return { type: 'wait', why: 'the session cluster is not ready but keeps its jobs (high availability)' };
    }
    return { type: 'remove', why: session.message };
  }
  if (job.kind === 'not-found' || job.kind === 'none') return { type: 'remove', why: 'the job is gone' };
  if (job.kind === 'unreachable') return { type: 'wait', why: `the job cannot be reached: ${job.error}` };
  if (TERMINAL_STATES.has(job.state)) return { type: 'remove', why: `the job is ${job.state}` };
  if (job.state === 'CANCELLING') return { type: 'wait', why: 'the job is being cancelled' };
  if (savepointOnDeletion && job.state === 'RUNNING') return { type: 'savepoint' };
  return { type: 'cancel' };
}

/**
 * Which periodic snapshot is due: a savepoint (checked first) or checkpoint whose interval (ms;
 * undefined or 0 = off) has passed since the last one of its kind, or since `since` (when the job
 * started) when there was none.
 */
export function periodicDue(
  triggers: { savepoint?: PeriodicTrigger | undefined; checkpoint?: PeriodicTrigger | undefined },
  last: { savepoint?: number; checkpoint?: number },
  since: number,
  now: number,
): 'savepoint' | 'checkpoint' | undefined {
  for (const kind of ['savepoint', 'checkpoint'] as const) {
    const due = triggers[kind]?.nextAfter(last[kind] ?? since);
    if (due !== undefined && due <= now) return kind;
  }
  return undefined;
}
