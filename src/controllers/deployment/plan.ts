/**
 * The FlinkDeployment planner: a pure function from (resource, what was observed, policy, now)
 * to the status to write and the cluster actions to take. It never does I/O, so every upgrade
 * path is tested as a table of inputs and outputs.
 *
 * The state machine follows the compatible operator's status model:
 * - `reconciliationStatus.state` UPGRADING with a `lastReconciledSpec` whose `job.state` is
 *   `suspended` means "the old job is being (or has been) stopped; bring up the new spec". The
 *   recorded `job.upgradeMode` of that spec is how state is carried over (savepoint path in
 *   `jobStatus.upgradeSavepointPath`, HA metadata for last-state, nothing for stateless).
 * - Status is always written before an irreversible action, so a restart resumes instead of
 *   repeating or losing work: an UPGRADE savepoint is marked in status before it is triggered,
 *   and the job id of a deploy is recorded before the cluster is created.
 */
import type {
  FlinkDeployment,
  FlinkDeploymentSpec,
  FlinkDeploymentStatus,
  JobSpec,
} from '../../api/index.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';
import { flinkTriggersCheckpoints } from '../../api/index.ts';
import {
  PARALLELISM_OVERRIDES_KEY,
  driftedOverrides,
  flinkIgnoresSubmittedOverrides,
  flinkSupportsInPlaceScaling,
  overridesRescalableInPlace,
  parallelismOverrides,
} from '../common/in-place-scaling.ts';
import {
  parseReconciledSpec,
  serializeReconciledSpec,
  type ReconciledSpec,
} from '../common/reconciled-spec.ts';
import { GLOBALLY_TERMINAL_JOB_STATES, type ObservedDeployment } from './observed.ts';
import type { PeriodicTrigger } from '../../api/periodic-trigger.ts';
import type { DeploymentPolicy } from './policy.ts';
import { ERROR_TYPES, JOB_NOT_FOUND, errorText } from '../common/status-error.ts';
import { diffSpecs, type SpecDiff } from './spec-diff.ts';
import { recordedRestorePath } from '../common/restore-path.ts';

export type UpgradeMode = 'stateless' | 'savepoint' | 'last-state';
export type SnapshotTriggerType = 'MANUAL' | 'PERIODIC' | 'UPGRADE';

export type ClusterAction =
  | {
      type: 'deploy';
      spec: FlinkDeploymentSpec;
      generation: number;
      jobId?: string;
      savepointPath?: string;
      allowNonRestoredState: boolean;
      /** last-state: the new JobManager recovers the job from the kept HA metadata. */
      restoreFromHa: boolean;
    }
  | { type: 'deleteCluster'; keepHaData: boolean }
  | { type: 'stopWithSavepoint'; jobId: string; drain: boolean; formatType: 'CANONICAL' | 'NATIVE' }
  | {
      type: 'triggerSavepoint';
      jobId: string;
      triggerType: 'MANUAL' | 'PERIODIC';
      formatType: 'CANONICAL' | 'NATIVE';
    }
  | { type: 'triggerCheckpoint'; jobId: string; triggerType: 'MANUAL' | 'PERIODIC' }
  /** A FlinkStateSnapshot resource whose controller takes the snapshot. */
  | { type: 'createSnapshot'; kind: 'checkpoint'; triggerType: 'MANUAL' }
  | { type: 'scaleTaskManagers'; replicas: number }
  /** Sets vertex parallelisms of the running job through the adaptive scheduler (Flink 1.18+). */
  | { type: 'rescaleJob'; jobId: string; parallelism: Record<string, number> }
  | { type: 'disposeSavepoint'; location: string };

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: 'Operator' | 'JobManagerDeployment' | 'Job';
  /** Events with a key are recorded once per key (SpecChanged once per generation). */
  onceKey?: string;
}

export interface DeploymentPlan {
  /** Status to persist before the actions run. */
  status: FlinkDeploymentStatus;
  actions: ClusterAction[];
  /** Status to persist once every action succeeded. */
  after?: FlinkDeploymentStatus;
  events: PlannedEvent[];
  requeueAfterMs: number;
}

export interface PlanInput {
  resource: FlinkDeployment;
  observed: ObservedDeployment;
  policy: DeploymentPolicy;
  now: number;
  /** Makes a new random Flink job id (32 hex characters); injected to keep planning pure. */
  newJobId: () => string;
}

type Status = FlinkDeploymentStatus;
type JobStatus = NonNullable<Status['jobStatus']>;
type SavepointInfo = NonNullable<JobStatus['savepointInfo']>;
type CheckpointInfo = NonNullable<JobStatus['checkpointInfo']>;
type SavepointRecord = NonNullable<SavepointInfo['lastSavepoint']>;

const RECHECK_SOON_MS = 1_000;

/** Working state of one planning run. */
class Planner {
  readonly status: Status;
  readonly actions: ClusterAction[] = [];
  readonly events: PlannedEvent[] = [];
  after?: Status;
  requeueAfterMs: number;

  constructor(readonly input: PlanInput) {
    this.status = structuredClone(input.resource.status ?? {});
    this.requeueAfterMs = input.policy.reconcileIntervalMs;
  }

  get now(): number {
    return this.input.now;
  }
  /** The spec being deployed: the resource's, or during a rollback the last stable one. */
  get spec(): FlinkDeploymentSpec {
    return this.rollbackTarget ?? this.input.resource.spec;
  }
  rollbackTarget?: FlinkDeploymentSpec;
  get observed(): ObservedDeployment {
    return this.input.observed;
  }
  get policy(): DeploymentPolicy {
    return this.input.policy;
  }
  get generation(): number {
    return this.input.resource.metadata.generation ?? 0;
  }
  get jobStatus(): JobStatus {
    this.status.jobStatus ??= {};
    return this.status.jobStatus;
  }
  get recon(): NonNullable<Status['reconciliationStatus']> {
    this.status.reconciliationStatus ??= {};
    return this.status.reconciliationStatus;
  }
  get last(): ReconciledSpec<FlinkDeploymentSpec> | undefined {
    return parseReconciledSpec<FlinkDeploymentSpec>(this.status.reconciliationStatus?.lastReconciledSpec);
  }

  event(
    type: PlannedEvent['type'],
    reason: string,
    message: string,
    component: PlannedEvent['component'] = 'Operator',
    onceKey?: string,
  ) {
    this.events.push({ type, reason, message, component, ...(onceKey ? { onceKey } : {}) });
  }

  soon(ms = RECHECK_SOON_MS) {
    this.requeueAfterMs = Math.min(this.requeueAfterMs, ms);
  }

  progress() {
    this.soon(this.policy.progressCheckIntervalMs);
  }
}

export function planDeployment(input: PlanInput): DeploymentPlan {
  const p = new Planner(input);
  observe(p);
  reconcile(p);
  finish(p);
  return {
    status: p.status,
    actions: p.actions,
    ...(p.after ? { after: p.after } : {}),
    events: p.events,
    requeueAfterMs: p.requeueAfterMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Observation: fold what was seen into status (never acts on the cluster).

function observe(p: Planner): void {
  const last = p.last;
  if (!last) return;
  const recordedSuspended = last.spec.job?.state === 'suspended';
  const upgrading = p.recon.state === 'UPGRADING';
  const jm = p.observed.jobManager;
  const previous = p.status.jobManagerDeploymentStatus ?? 'MISSING';
  const jobState = p.status.jobStatus?.state;
  const terminal = jobState !== undefined && GLOBALLY_TERMINAL_JOB_STATES.has(jobState);

  if (!jm.exists) {
    p.status.jobManagerDeploymentStatus = 'MISSING';
    if (previous !== 'MISSING' && !recordedSuspended && !upgrading) {
      p.status.error = errorText(ERROR_TYPES.missingJobManager, 'Missing JobManager deployment');
      p.event('Warning', 'Missing', 'Missing JobManager deployment', 'JobManagerDeployment');
      if (last.spec.job && !terminal) p.jobStatus.state = 'RECONCILING';
    }
  } else if (jm.failure) {
    p.status.jobManagerDeploymentStatus = 'ERROR';
    const message = `[${jm.failure.container ?? 'flink-main-container'}] ${jm.failure.message}`;
    const error = errorText(ERROR_TYPES.deploymentFailed, message);
    if (previous !== 'ERROR' || p.status.error !== error) {
      p.event('Warning', jm.failure.reason, message, 'JobManagerDeployment');
    }
    p.status.error = error;
    if (last.spec.job && !terminal) p.jobStatus.state = 'RECONCILING';
  } else if (jm.availableReplicas > 0 && p.observed.rest === 'ok') {
    p.status.jobManagerDeploymentStatus = 'READY';
  } else if (jm.availableReplicas > 0) {
    p.status.jobManagerDeploymentStatus = 'DEPLOYED_NOT_READY';
    if (previous === 'READY' && p.observed.rest === 'unreachable') jobManagerStoppedAnswering(p, last);
  } else {
    p.status.jobManagerDeploymentStatus = 'DEPLOYING';
  }
  if (p.observed.clusterInfo) p.status.clusterInfo = { ...p.status.clusterInfo, ...p.observed.clusterInfo };

  if (last.spec.job && p.status.jobManagerDeploymentStatus === 'READY' && p.observed.job) observeJob(p);
  markStable(p);
}

/**
 * A JobManager that answered and now does not (frozen, overloaded, network cut) while its pod looks
 * available: say so in status and an Event, and stop claiming the job runs; the next answer
 * restores READY and the job's state, and clears the error.
 */
function jobManagerStoppedAnswering(p: Planner, last: NonNullable<Planner['last']>): void {
  const message = `JobManager REST API stopped answering: ${p.observed.restError ?? 'no answer'}`;
  p.status.error = errorText(ERROR_TYPES.reconciliation, message);
  p.event('Warning', 'Error', message, 'JobManagerDeployment');
  if (last.spec.job && p.jobStatus.state === 'RUNNING') p.jobStatus.state = 'RECONCILING';
}

function observeJob(p: Planner): void {
  const job = p.observed.job!;
  const js = p.jobStatus;
  if (!job.found) {
    // A freshly started application cluster submits its job a moment after the REST API is up.
    const starting =
      js.state === 'RECONCILING' &&
      p.now - (p.recon.reconciliationTimestamp ?? 0) < p.policy.readinessTimeoutMs;
    if (!starting && p.status.error !== JOB_NOT_FOUND) {
      p.event('Warning', 'Missing', 'Job Not Found', 'Job');
      p.status.error = JOB_NOT_FOUND;
      js.state = 'RECONCILING';
    }
    return;
  }
  const before = js.state;
  if (before !== job.state) {
    js.updateTime = String(p.now);
    p.event(
      'Normal',
      'JobStatusChanged',
      `Job status changed from ${before ?? 'UNKNOWN'} to ${job.state}`,
      'Job',
    );
    if (job.state === 'FAILED') {
      const cause = p.observed.jobFailure ?? 'The job failed';
      p.event('Warning', 'Error', cause, 'Job');
    }
  }
  js.state = job.state;
  js.jobId = job.id;
  js.jobName = job.name;
  if (job.startTime !== undefined) js.startTime = String(job.startTime);
  if (job.state === 'FAILED') {
    p.status.error = errorText(ERROR_TYPES.jobFailed, p.observed.jobFailure ?? 'The job failed');
  }
}

/** A deployed spec becomes stable once it is seen working; the error clears then. */
function markStable(p: Planner): void {
  const recon = p.recon;
  if (recon.state !== 'DEPLOYED' || !recon.lastReconciledSpec) return;
  const last = p.last!;
  const jm = p.status.jobManagerDeploymentStatus;
  const jobState = p.status.jobStatus?.state;
  let healthy: boolean;
  if (!last.spec.job) healthy = jm === 'READY';
  else if (last.spec.job.state === 'suspended') healthy = true;
  else healthy = jobState === 'RUNNING' || jobState === 'FINISHED';
  if (healthy && recon.lastStableSpec !== recon.lastReconciledSpec)
    recon.lastStableSpec = recon.lastReconciledSpec;
  if (
    healthy &&
    jm !== 'ERROR' &&
    jobState !== 'FAILED' &&
    p.status.error &&
    p.status.error !== JOB_NOT_FOUND
  ) {
    delete p.status.error;
  }
  if (healthy && p.status.error === JOB_NOT_FOUND && p.observed.job?.found) delete p.status.error;
}

// ---------------------------------------------------------------------------------------------
// Reconciliation: move the cluster toward the spec.

function reconcile(p: Planner): void {
  const last = p.last;
  if (!last) return firstDeploy(p);
  if (p.recon.state === 'UPGRADING') return continueUpgrade(p);
  if (p.recon.state === 'ROLLING_BACK') {
    // A spec change by the user during a rollback wins: it becomes a normal upgrade.
    if (p.generation !== p.status.observedGeneration) {
      p.recon.state = 'UPGRADING';
      return continueUpgrade(p);
    }
    p.rollbackTarget = parseReconciledSpec<FlinkDeploymentSpec>(p.recon.lastStableSpec)?.spec;
    return continueUpgrade(p);
  }
  const diff = diffSpecs(last.spec, p.spec);
  if (diff.type === 'IGNORE') {
    p.status.observedGeneration = p.generation;
    return otherChanges(p);
  }
  if (diff.type === 'SCALE' && scaleInPlace(p, diff)) return;
  startUpgrade(p, diff);
}

function firstDeploy(p: Planner): void {
  const job = p.spec.job;
  if (job?.state === 'suspended') {
    // Nothing to run yet; the resource stays CREATED until the job is set to running.
    return;
  }
  warnIneffectiveOverrides(p);
  const restoreMode: UpgradeMode = job?.initialSavepointPath ? 'savepoint' : 'stateless';
  if (job?.initialSavepointPath) p.jobStatus.upgradeSavepointPath = job.initialSavepointPath;
  writeUpgradeMarker(p, restoreMode, true);
  continueUpgrade(p);
}

/** Records the target spec (job stopped) as UPGRADING: the old job is being or has been stopped. */
function writeUpgradeMarker(
  p: Planner,
  restoreMode: UpgradeMode,
  firstDeployment: boolean,
  state: 'UPGRADING' | 'ROLLING_BACK' = 'UPGRADING',
): void {
  const spec = structuredClone(p.spec);
  if (spec.job) spec.job = { ...spec.job, state: 'suspended', upgradeMode: restoreMode };
  keepNonces(spec, p.last?.spec);
  p.recon.state = state;
  p.recon.lastReconciledSpec = serializeReconciledSpec(spec, firstDeployment);
  p.recon.reconciliationTimestamp = p.now;
  p.status.observedGeneration = p.generation;
}

/** Snapshot nonces move forward only when their snapshot completes, so the recorded ones are kept. */
function keepNonces(spec: FlinkDeploymentSpec, previous: FlinkDeploymentSpec | undefined): void {
  if (!spec.job) return;
  const prev = previous?.job;
  const job: JobSpec = { ...spec.job };
  if (prev?.savepointTriggerNonce !== undefined) job.savepointTriggerNonce = prev.savepointTriggerNonce;
  else delete job.savepointTriggerNonce;
  if (prev?.checkpointTriggerNonce !== undefined) job.checkpointTriggerNonce = prev.checkpointTriggerNonce;
  else delete job.checkpointTriggerNonce;
  spec.job = job;
}

/** The Event of a spec change being acted on, once per generation. */
function specChanged(p: Planner, diff: SpecDiff): void {
  p.event(
    'Normal',
    'SpecChanged',
    `${diff.type} change(s) detected (${diff.changes.join(', ')}), starting reconciliation.`,
    'Operator',
    `SpecChange: ${p.generation}`,
  );
}

function startUpgrade(p: Planner, diff: SpecDiff): void {
  const last = p.last!;
  specChanged(p, diff);
  warnIneffectiveOverrides(p);
  if (!last.spec.job || !p.spec.job) {
    // Session cluster (or a change between session and application): replace the cluster.
    writeUpgradeMarker(p, 'stateless', false);
    return continueUpgrade(p);
  }
  const recordedMode = (last.spec.job.upgradeMode ?? 'stateless') as UpgradeMode;
  if (last.spec.job.state === 'suspended') {
    // Nothing runs: resume (or apply the change) with the state kept when the job was suspended.
    const mode: UpgradeMode = p.spec.job.upgradeMode === 'stateless' ? 'stateless' : recordedMode;
    writeUpgradeMarker(p, mode, false);
    return continueUpgrade(p);
  }
  if (diff.type === 'SAVEPOINT_REDEPLOY') {
    p.jobStatus.upgradeSavepointPath = p.spec.job.initialSavepointPath;
    writeUpgradeMarker(p, 'savepoint', false);
    return continueUpgrade(p);
  }
  const mode = (p.spec.job.upgradeMode ?? 'stateless') as UpgradeMode;
  const jobState = p.status.jobStatus?.state;
  const running = jobState === 'RUNNING';
  if (mode === 'stateless') {
    p.event('Normal', 'Suspended', 'Suspending existing deployment.');
    writeUpgradeMarker(p, 'stateless', false);
    return continueUpgrade(p);
  }
  if (jobState && GLOBALLY_TERMINAL_JOB_STATES.has(jobState)) {
    // Nothing to stop: carry over the newest retained checkpoint, if the job left one.
    const restorePath = p.observed.latestCheckpoint?.location ?? p.observed.latestSavepoint?.location;
    if (restorePath) p.jobStatus.upgradeSavepointPath = restorePath;
    writeUpgradeMarker(p, restorePath ? 'savepoint' : 'stateless', false);
    return continueUpgrade(p);
  }
  if (jobState === 'CANCELLING') return p.progress();
  const useLastState = mode === 'last-state' && p.observed.haMetadataAvailable;
  const fallBackToLastState =
    mode === 'savepoint' && !running && p.policy.lastStateFallback && p.observed.haMetadataAvailable;
  if (useLastState || fallBackToLastState) {
    p.event('Normal', 'Suspended', 'Suspending existing deployment.');
    writeUpgradeMarker(p, 'last-state', false);
    return continueUpgrade(p);
  }
  if (running) {
    // savepoint mode, or last-state without HA metadata: stop the job with a savepoint.
    p.event('Normal', 'Suspended', 'Suspending existing deployment.');
    writeUpgradeMarker(p, 'savepoint', false);
    markUpgradeSavepoint(p);
    return continueUpgrade(p);
  }
  // The job is restarting or initializing: a savepoint cannot be taken yet and state must not be lost.
  p.progress();
}

function markUpgradeSavepoint(p: Planner): void {
  const info: SavepointInfo = { ...p.jobStatus.savepointInfo };
  delete info.triggerId;
  info.triggerType = 'UPGRADE';
  info.triggerTimestamp = p.now;
  info.formatType = p.policy.savepointFormatType;
  p.jobStatus.savepointInfo = info;
  delete p.jobStatus.upgradeSavepointPath;
}

function pendingUpgradeSavepoint(p: Planner): boolean {
  const info = p.status.jobStatus?.savepointInfo;
  return info?.triggerType === 'UPGRADE' && info.triggerTimestamp !== undefined;
}

function clearTrigger(info: SavepointInfo | CheckpointInfo): void {
  delete info.triggerId;
  delete info.triggerType;
  delete info.triggerTimestamp;
  delete info.formatType;
}

function recordSavepoint(
  p: Planner,
  location: string,
  triggerType: SnapshotTriggerType,
  nonce?: number,
): void {
  const info: SavepointInfo = { ...p.jobStatus.savepointInfo };
  const savepoint: SavepointRecord = {
    timeStamp: p.now,
    location,
    triggerType,
    formatType: (info.formatType as SavepointRecord['formatType']) ?? p.policy.savepointFormatType,
    ...(nonce !== undefined ? { triggerNonce: nonce } : {}),
  };
  info.lastSavepoint = savepoint;
  info.savepointHistory = [...(info.savepointHistory ?? []), savepoint];
  clearTrigger(info);
  p.jobStatus.savepointInfo = info;
}

/** UPGRADING: finish stopping the old job, then bring up the current spec (or stay suspended). */
function continueUpgrade(p: Planner): void {
  if (pendingUpgradeSavepoint(p) && !followUpgradeSavepoint(p)) return;
  const marker = p.last!;
  const restoreMode = (marker.spec.job?.upgradeMode ?? 'stateless') as UpgradeMode;
  const keepHaData = restoreMode === 'last-state';
  const jm = p.observed.jobManager;
  const target = p.spec;

  if (target.job?.state === 'suspended') {
    if (jm.exists) {
      if (!jm.terminating) p.actions.push({ type: 'deleteCluster', keepHaData });
      return p.soon();
    }
    const spec = structuredClone(target);
    spec.job = { ...spec.job!, state: 'suspended', upgradeMode: restoreMode };
    keepNonces(spec, marker.spec);
    p.recon.state = 'DEPLOYED';
    p.recon.lastReconciledSpec = serializeReconciledSpec(spec, false);
    p.recon.lastStableSpec = p.recon.lastReconciledSpec;
    p.recon.reconciliationTimestamp = p.now;
    p.status.jobManagerDeploymentStatus = 'MISSING';
    if (p.jobStatus.state && !GLOBALLY_TERMINAL_JOB_STATES.has(p.jobStatus.state))
      p.jobStatus.state = 'FINISHED';
    delete p.status.error;
    return;
  }

  // A rollback redeploys a generation that already has a (failing) cluster: never adopt that one.
  if (jm.exists && !p.rollbackTarget && deployedForThisAttempt(p)) {
    // The cluster was created but the DEPLOYED status was never written (for example the operator restarted).
    markDeployed(p.status, p, marker);
    return;
  }
  if (jm.exists) {
    if (!jm.terminating) p.actions.push({ type: 'deleteCluster', keepHaData });
    return p.soon();
  }

  let savepointPath: string | undefined;
  if (restoreMode === 'savepoint') {
    savepointPath = recordedRestorePath(p.jobStatus);
    if (!savepointPath) {
      upgradeFailed(
        p,
        'UpgradeFailed',
        'No savepoint path is recorded for this upgrade. Manual restore required.',
      );
      return;
    }
  }
  if (restoreMode === 'last-state' && !p.observed.haMetadataAvailable) {
    upgradeFailed(
      p,
      'RestoreFailed',
      'HA metadata is not available to restore from the last state. Manual restore required.',
    );
    return;
  }
  const retry = p.status.jobStatus?.state === 'RECONCILING' && p.status.jobStatus.jobId;
  const jobId = target.job
    ? retry || (restoreMode === 'last-state' && p.status.jobStatus?.jobId) || p.input.newJobId()
    : undefined;
  if (target.job) {
    p.jobStatus.jobId = jobId as string;
    p.jobStatus.state = 'RECONCILING';
  }
  p.status.jobManagerDeploymentStatus = 'DEPLOYING';
  delete p.status.error;
  p.actions.push({
    type: 'deploy',
    spec: target,
    generation: p.generation,
    ...(jobId ? { jobId } : {}),
    ...(savepointPath ? { savepointPath } : {}),
    allowNonRestoredState: target.job?.allowNonRestoredState ?? false,
    restoreFromHa: restoreMode === 'last-state',
  });
  p.event('Normal', 'Submit', 'Starting deployment');
  const after = structuredClone(p.status);
  markDeployed(after, p, marker);
  p.after = after;
  p.progress();
}

/** The JobManager Deployment carries the generation it was made for; a match means our deploy happened. */
function deployedForThisAttempt(p: Planner): boolean {
  const jm = p.observed.jobManager;
  return (
    jm.exists &&
    !jm.terminating &&
    jm.generation === p.generation &&
    (p.spec.job ? p.status.jobStatus?.state === 'RECONCILING' : true)
  );
}

function markDeployed(status: Status, p: Planner, marker: ReconciledSpec<FlinkDeploymentSpec>): void {
  if (p.rollbackTarget) {
    // The stable spec runs again; the spec the user asked for stays recorded, so it is not retried
    // until the user changes it.
    const recon = (status.reconciliationStatus ??= {});
    recon.state = 'ROLLED_BACK';
    recon.lastReconciledSpec = serializeReconciledSpec(p.input.resource.spec, false);
    recon.reconciliationTimestamp = p.now;
    status.observedGeneration = p.generation;
    return;
  }
  const spec = structuredClone(p.spec);
  keepNonces(spec, marker.spec);
  const recon = (status.reconciliationStatus ??= {});
  recon.state = 'DEPLOYED';
  recon.lastReconciledSpec = serializeReconciledSpec(spec, marker.firstDeployment);
  recon.reconciliationTimestamp = p.now;
  status.observedGeneration = p.generation;
}

function upgradeFailed(p: Planner, reason: string, message: string): void {
  const error = errorText(ERROR_TYPES.upgradeFailed, message);
  if (p.status.error !== error) p.event('Warning', reason, message);
  p.status.error = error;
}

/** Follows the UPGRADE savepoint; returns true once its result is recorded and the upgrade may go on. */
function followUpgradeSavepoint(p: Planner): boolean {
  const info = p.jobStatus.savepointInfo!;
  const jobId = p.status.jobStatus?.jobId;
  const jobState = p.status.jobStatus?.state;
  if (info.triggerId) {
    const trigger = p.observed.trigger;
    if (!trigger || trigger.status === 'IN_PROGRESS') {
      p.progress();
      return false;
    }
    if (trigger.status === 'COMPLETED' && trigger.location) {
      p.jobStatus.upgradeSavepointPath = trigger.location;
      recordSavepoint(p, trigger.location, 'UPGRADE');
      return true;
    }
    const error = trigger.status === 'COMPLETED' ? 'no savepoint location returned' : trigger.error;
    upgradeFailed(p, 'SavepointError', `Savepoint failed: ${error}`);
    // Try again on the next reconcile while the job still runs.
    delete info.triggerId;
    info.triggerTimestamp = p.now;
    return false;
  }
  const newer = p.observed.latestSavepoint;
  if (newer && newer.timestamp >= (info.triggerTimestamp ?? 0) - 1_000) {
    p.jobStatus.upgradeSavepointPath = newer.location;
    recordSavepoint(p, newer.location, 'UPGRADE');
    return true;
  }
  if (jobState === 'RUNNING' && jobId && p.status.jobManagerDeploymentStatus === 'READY') {
    p.actions.push({
      type: 'stopWithSavepoint',
      jobId,
      drain: p.policy.drainOnSavepoint,
      formatType: p.policy.savepointFormatType,
    });
    p.progress();
    return false;
  }
  if (jobState && GLOBALLY_TERMINAL_JOB_STATES.has(jobState)) {
    upgradeFailed(
      p,
      'UpgradeFailed',
      'The job stopped but no savepoint taken for this upgrade can be found. Manual restore required.',
    );
    return false;
  }
  p.progress();
  return false;
}

function scaleInPlace(p: Planner, diff: SpecDiff): boolean {
  const standalone = (p.spec.mode ?? 'native') === 'standalone';
  if (!standalone) return rescaleJobInPlace(p, diff);
  const onlyReplicas = diff.changes.every((c) => c.startsWith('taskManager.replicas'));
  if (!onlyReplicas || p.spec.taskManager?.replicas === undefined) return false;
  p.actions.push({ type: 'scaleTaskManagers', replicas: p.spec.taskManager.replicas });
  p.event('Normal', 'Scaling', `Scaling TaskManagers to ${p.spec.taskManager.replicas} replicas`);
  recordScaledSpec(p);
  return true;
}

/**
 * A native cluster's only SCALE change is `pipeline.jobvertex-parallelism-overrides`. With the
 * adaptive scheduler on Flink 1.18+ the running job takes new vertex parallelisms through its
 * resource requirements, without a restart from a snapshot. A vertex that loses its override goes
 * back to the job's parallelism, which only a redeploy restores.
 */
function rescaleJobInPlace(p: Planner, diff: SpecDiff): boolean {
  const jobId = p.status.jobStatus?.jobId;
  if (!p.policy.inPlaceScaling || !p.spec.job || !jobId || !flinkSupportsInPlaceScaling(p.spec.flinkVersion))
    return false;
  if (p.status.jobStatus?.state !== 'RUNNING' || !p.observed.job?.found) return false;
  const after = parallelismOverrides(p.spec.flinkConfiguration);
  if (!overridesRescalableInPlace(parallelismOverrides(p.last!.spec.flinkConfiguration), after)) return false;
  specChanged(p, diff);
  p.actions.push({ type: 'rescaleJob', jobId, parallelism: after });
  p.event('Normal', 'Scaling', 'In-place scaling triggered', 'Job');
  recordScaledSpec(p);
  return true;
}

/**
 * Flink 2 starts a job without the vertex parallelism overrides of its configuration, so after a
 * deploy, upgrade or restart the job runs its vertices at its own parallelism. When the adaptive
 * scheduler's bounds differ from the overrides on record, they are set again in place.
 */
function reapplyOverrides(p: Planner): boolean {
  const jobId = p.status.jobStatus?.jobId;
  const bounds = p.observed.vertexUpperBounds;
  if (!p.policy.inPlaceScaling || !bounds || !jobId) return false;
  const overrides = parallelismOverrides(p.last!.spec.flinkConfiguration);
  const drifted = driftedOverrides(overrides, bounds);
  if (drifted.length === 0) return false;
  p.actions.push({ type: 'rescaleJob', jobId, parallelism: overrides });
  p.event(
    'Normal',
    'Scaling',
    `Setting the vertex parallelism overrides again in place: ${drifted
      .map(([v, target]) => `${v} runs at ${bounds[v]} instead of ${target}`)
      .join(', ')}`,
    'Job',
  );
  return true;
}

/**
 * Flink 2 ignores vertex parallelism overrides when it starts a job; only a cluster that rescales
 * in place sets them afterwards. Elsewhere a deploy that carries them is worth a warning.
 */
function warnIneffectiveOverrides(p: Planner): void {
  const spec = p.spec;
  if (!spec.job || spec.job.state === 'suspended' || !flinkIgnoresSubmittedOverrides(spec.flinkVersion))
    return;
  if (p.policy.inPlaceScaling || Object.keys(parallelismOverrides(spec.flinkConfiguration)).length === 0)
    return;
  p.event(
    'Warning',
    'IneffectiveScaling',
    `Flink 2 ignores ${PARALLELISM_OVERRIDES_KEY} when it starts a job: its vertices keep the job's ` +
      'parallelism. Run the cluster with jobmanager.scheduler: adaptive to have the overrides set in place.',
    'Operator',
    `IneffectiveScaling: ${p.generation}`,
  );
}

/** The scaled spec becomes the reconciled one; the job keeps running. */
function recordScaledSpec(p: Planner): void {
  const spec = structuredClone(p.spec);
  keepNonces(spec, p.last?.spec);
  p.recon.lastReconciledSpec = serializeReconciledSpec(spec, false);
  p.recon.reconciliationTimestamp = p.now;
  p.status.observedGeneration = p.generation;
}

// ---------------------------------------------------------------------------------------------
// No spec change: snapshots, recovery.

function otherChanges(p: Planner): void {
  const last = p.last!;
  const jm = p.observed.jobManager;
  if (shouldRollBack(p)) return startRollback(p);
  if (!last.spec.job) {
    if (!jm.exists && p.policy.jmDeploymentRecovery) recoverDeployment(p, 'stateless');
    return;
  }
  if (last.spec.job.state === 'suspended') return;
  const jobState = p.status.jobStatus?.state;
  const terminal = jobState !== undefined && GLOBALLY_TERMINAL_JOB_STATES.has(jobState);
  if (!jm.exists && !terminal && p.policy.jmDeploymentRecovery) {
    const mode = (last.spec.job.upgradeMode ?? 'stateless') as UpgradeMode;
    if (p.observed.haMetadataAvailable) return recoverDeployment(p, 'last-state');
    if (mode === 'stateless') return recoverDeployment(p, 'stateless');
    upgradeFailed(
      p,
      'RestoreFailed',
      'JobManager deployment is missing and HA metadata is not available to make a clean upgrade. Manual restore required.',
    );
    return;
  }
  if (jobState === 'FAILED' && p.policy.restartFailedJobs) return restartFailedJob(p);
  if (p.status.jobManagerDeploymentStatus !== 'READY' || jobState !== 'RUNNING') {
    if (p.status.jobManagerDeploymentStatus !== 'READY') p.progress();
    return;
  }
  if (reapplyOverrides(p)) return;
  followSnapshots(p);
  pruneSavepointHistory(p);
}

/**
 * A deployed spec that has not become stable within the readiness timeout is replaced by the last
 * stable one, when rollback is enabled and state can be carried over (HA metadata, or the savepoint
 * of the upgrade when the new JobManager never became ready).
 */
function shouldRollBack(p: Planner): boolean {
  const recon = p.recon;
  if (!p.policy.rollbackEnabled || recon.state !== 'DEPLOYED') return false;
  if (!recon.lastStableSpec || recon.lastStableSpec === recon.lastReconciledSpec) return false;
  const last = p.last!;
  const stable = parseReconciledSpec<FlinkDeploymentSpec>(recon.lastStableSpec)?.spec;
  if (!stable || last.spec.job?.state === 'suspended' || stable.flinkVersion !== last.spec.flinkVersion)
    return false;
  if (p.now < (recon.reconciliationTimestamp ?? 0) + p.policy.readinessTimeoutMs) return false;
  const neverReady = p.status.jobManagerDeploymentStatus !== 'READY';
  const stateless = (last.spec.job?.upgradeMode ?? 'stateless') === 'stateless' || !last.spec.job;
  return (
    stateless ||
    p.observed.haMetadataAvailable ||
    (neverReady && Boolean(p.status.jobStatus?.upgradeSavepointPath))
  );
}

function startRollback(p: Planner): void {
  const last = p.last!;
  p.event('Normal', 'Rollback', 'Rolling back failed deployment.');
  p.rollbackTarget = parseReconciledSpec<FlinkDeploymentSpec>(p.recon.lastStableSpec)!.spec;
  const recorded = (last.spec.job?.upgradeMode ?? 'stateless') as UpgradeMode;
  const mode: UpgradeMode =
    recorded === 'stateless' || !last.spec.job
      ? 'stateless'
      : p.observed.haMetadataAvailable
        ? 'last-state'
        : 'savepoint';
  const stableSpec = p.recon.lastStableSpec;
  writeUpgradeMarker(p, mode, false, 'ROLLING_BACK');
  p.recon.lastStableSpec = stableSpec;
  continueUpgrade(p);
}

/**
 * `job.restart.failed`: a FAILED job is redeployed with the deployed spec, from its newest retained
 * checkpoint or savepoint unless it runs stateless.
 */
function restartFailedJob(p: Planner): void {
  const recorded = (p.last!.spec.job?.upgradeMode ?? 'stateless') as UpgradeMode;
  const restorePath =
    p.observed.latestCheckpoint?.location ??
    p.observed.latestSavepoint?.location ??
    p.status.jobStatus?.savepointInfo?.lastSavepoint?.location;
  const mode: UpgradeMode = recorded !== 'stateless' && restorePath ? 'savepoint' : 'stateless';
  if (mode === 'savepoint') p.jobStatus.upgradeSavepointPath = restorePath;
  p.event(
    'Normal',
    'Restart',
    `Restarting the failed job${mode === 'savepoint' ? ` from ${restorePath}` : ''}`,
  );
  delete p.status.error;
  writeUpgradeMarker(p, mode, false);
  continueUpgrade(p);
}

function recoverDeployment(p: Planner, mode: UpgradeMode): void {
  p.event('Warning', 'RecoverDeployment', 'Recovering lost deployment', 'JobManagerDeployment');
  writeUpgradeMarker(p, mode, false);
  continueUpgrade(p);
}

function followSnapshots(p: Planner): void {
  const jobId = p.status.jobStatus!.jobId!;
  const last = p.last!;
  const spec = p.spec.job!;
  const sp: SavepointInfo = { ...p.jobStatus.savepointInfo };
  p.jobStatus.savepointInfo = sp;
  if (sp.triggerId && (sp.triggerType === 'MANUAL' || sp.triggerType === 'PERIODIC')) {
    const trigger = p.observed.trigger;
    if (!trigger || trigger.status === 'IN_PROGRESS') return p.progress();
    const manual = sp.triggerType === 'MANUAL';
    if (trigger.status === 'COMPLETED' && trigger.location) {
      if (manual) {
        recordSavepoint(p, trigger.location, 'MANUAL', spec.savepointTriggerNonce);
        advanceNonce(p, 'savepointTriggerNonce', spec.savepointTriggerNonce);
      } else {
        recordSavepoint(p, trigger.location, 'PERIODIC');
        p.jobStatus.savepointInfo!.lastPeriodicSavepointTimestamp = p.now;
      }
      return;
    }
    const error = trigger.status === 'COMPLETED' ? 'no savepoint location returned' : trigger.error;
    p.event(
      'Warning',
      'SavepointError',
      manual
        ? `Savepoint failed for savepointTriggerNonce: ${spec.savepointTriggerNonce}: ${error}`
        : `Periodic savepoint failed: ${error}`,
      'Job',
    );
    const gaveUp = p.now - (sp.triggerTimestamp ?? 0) >= p.policy.savepointTriggerGracePeriodMs;
    clearTrigger(sp);
    if (gaveUp) {
      if (manual) advanceNonce(p, 'savepointTriggerNonce', spec.savepointTriggerNonce);
      else sp.lastPeriodicSavepointTimestamp = p.now;
    }
    return p.soon(p.policy.progressCheckIntervalMs);
  }
  const cp: CheckpointInfo = { ...p.jobStatus.checkpointInfo };
  p.jobStatus.checkpointInfo = cp;
  if (cp.triggerId) {
    const trigger = p.observed.trigger;
    if (!trigger || trigger.status === 'IN_PROGRESS') return p.progress();
    const manual = cp.triggerType === 'MANUAL';
    if (trigger.status === 'COMPLETED') {
      cp.lastCheckpoint = {
        timeStamp: p.now,
        triggerType: cp.triggerType ?? 'UNKNOWN',
        formatType: 'FULL',
        ...(manual && spec.checkpointTriggerNonce !== undefined
          ? { triggerNonce: spec.checkpointTriggerNonce }
          : {}),
      };
      if (manual) advanceNonce(p, 'checkpointTriggerNonce', spec.checkpointTriggerNonce);
      else cp.lastPeriodicCheckpointTimestamp = p.now;
      clearTrigger(cp);
      return;
    }
    p.event(
      'Warning',
      'CheckpointError',
      manual
        ? `Checkpoint failed for checkpointTriggerNonce: ${spec.checkpointTriggerNonce}: ${trigger.error}`
        : `Periodic checkpoint failed: ${trigger.error}`,
      'Job',
    );
    const gaveUp = p.now - (cp.triggerTimestamp ?? 0) >= p.policy.checkpointTriggerGracePeriodMs;
    clearTrigger(cp);
    if (gaveUp) {
      if (manual) advanceNonce(p, 'checkpointTriggerNonce', spec.checkpointTriggerNonce);
      else cp.lastPeriodicCheckpointTimestamp = p.now;
    }
    return p.soon(p.policy.progressCheckIntervalMs);
  }

  const format = p.policy.savepointFormatType;
  if (
    spec.savepointTriggerNonce !== undefined &&
    spec.savepointTriggerNonce !== last.spec.job?.savepointTriggerNonce
  ) {
    Object.assign(sp, { triggerType: 'MANUAL', triggerTimestamp: p.now, formatType: format });
    p.actions.push({ type: 'triggerSavepoint', jobId, triggerType: 'MANUAL', formatType: format });
    return p.progress();
  }
  if (
    spec.checkpointTriggerNonce !== undefined &&
    spec.checkpointTriggerNonce !== last.spec.job?.checkpointTriggerNonce
  ) {
    if (!flinkTriggersCheckpoints(p.spec.flinkVersion)) {
      p.event(
        'Warning',
        'CheckpointError',
        `Checkpoint failed for checkpointTriggerNonce: ${spec.checkpointTriggerNonce}: Flink ${p.spec.flinkVersion} cannot trigger checkpoints (requires Flink 1.17+)`,
        'Job',
      );
      advanceNonce(p, 'checkpointTriggerNonce', spec.checkpointTriggerNonce);
      return;
    }
    if (p.policy.snapshotResources) {
      // The snapshot resource carries the request from here: the nonce is handled once it exists.
      // The nonce is recorded only after the resource exists (in `after`), so a failed create is retried.
      p.actions.push({ type: 'createSnapshot', kind: 'checkpoint', triggerType: 'MANUAL' });
      const before = structuredClone(p.recon);
      advanceNonce(p, 'checkpointTriggerNonce', spec.checkpointTriggerNonce);
      p.after = structuredClone(p.status);
      p.status.reconciliationStatus = before;
      return;
    }
    Object.assign(cp, { triggerType: 'MANUAL', triggerTimestamp: p.now });
    p.actions.push({ type: 'triggerCheckpoint', jobId, triggerType: 'MANUAL' });
    return p.progress();
  }
  // Counted from the last periodic snapshot. Before the first one: from the job's start (an
  // in-place rescale keeps it, so frequent autoscaling cannot postpone it), else from the deploy.
  const jobStart = Number(p.jobStatus.startTime) || undefined;
  const dueAt = (trigger: PeriodicTrigger | undefined, last: number | undefined) =>
    trigger?.nextAfter(last ?? jobStart ?? p.recon.reconciliationTimestamp ?? p.now);
  const savepointDue = dueAt(p.policy.periodicSavepoint, sp.lastPeriodicSavepointTimestamp);
  if (savepointDue !== undefined && savepointDue <= p.now) {
    Object.assign(sp, { triggerType: 'PERIODIC', triggerTimestamp: p.now, formatType: format });
    p.actions.push({ type: 'triggerSavepoint', jobId, triggerType: 'PERIODIC', formatType: format });
    return p.progress();
  }
  // Before 1.17 Flink cannot be asked for a checkpoint: periodic ones are left to its own interval.
  const checkpointDue = flinkTriggersCheckpoints(p.spec.flinkVersion)
    ? dueAt(p.policy.periodicCheckpoint, cp.lastPeriodicCheckpointTimestamp)
    : undefined;
  if (checkpointDue !== undefined && checkpointDue <= p.now) {
    Object.assign(cp, { triggerType: 'PERIODIC', triggerTimestamp: p.now });
    p.actions.push({ type: 'triggerCheckpoint', jobId, triggerType: 'PERIODIC' });
    return p.progress();
  }
  if (savepointDue !== undefined) p.soon(savepointDue - p.now);
  if (checkpointDue !== undefined) p.soon(checkpointDue - p.now);
}

/** Records a completed manual snapshot's nonce in the deployed spec (nonce changes are not redeploys). */
function advanceNonce(
  p: Planner,
  key: 'savepointTriggerNonce' | 'checkpointTriggerNonce',
  nonce: number | undefined,
): void {
  const last = p.last!;
  const spec = structuredClone(last.spec);
  if (spec.job) {
    if (nonce === undefined) delete spec.job[key];
    else spec.job[key] = nonce;
  }
  const stable = p.recon.lastStableSpec === p.recon.lastReconciledSpec;
  p.recon.lastReconciledSpec = serializeReconciledSpec(spec, last.firstDeployment);
  if (stable) p.recon.lastStableSpec = p.recon.lastReconciledSpec;
}

/** Keeps the savepoint history within count and age; older entries are disposed in Flink first. */
function pruneSavepointHistory(p: Planner): void {
  const info = p.jobStatus.savepointInfo;
  const history = info?.savepointHistory ?? [];
  if (history.length === 0) return;
  const minTime = p.now - p.policy.savepointHistoryMaxAgeMs;
  const newest = history[history.length - 1];
  const keep = history.filter(
    (s, i) =>
      s === newest ||
      (i >= history.length - p.policy.savepointHistoryMaxCount && (s.timeStamp ?? 0) >= minTime),
  );
  if (keep.length === history.length) return;
  const dropped = history.filter((s) => !keep.includes(s));
  if (p.policy.savepointCleanupEnabled) {
    for (const s of dropped)
      if (s.location) p.actions.push({ type: 'disposeSavepoint', location: s.location });
    const after = structuredClone(p.status);
    after.jobStatus!.savepointInfo!.savepointHistory = keep;
    p.after = after;
  } else {
    info!.savepointHistory = keep;
  }
}

// ---------------------------------------------------------------------------------------------

function finish(p: Planner): void {
  for (const status of [p.status, p.after]) {
    if (!status) continue;
    status.lifecycleState = lifecycleState(status);
    status.taskManager = taskManagerStatus(p, status);
    status.conditions = runningCondition(p, status);
  }
  const jm = p.status.jobManagerDeploymentStatus;
  if (jm === 'DEPLOYING' || jm === 'DEPLOYED_NOT_READY') p.progress();
}

export function lifecycleState(status: Status): NonNullable<Status['lifecycleState']> {
  if (status.lifecycleState === 'DELETING' || status.lifecycleState === 'DELETED')
    return status.lifecycleState;
  const recon = status.reconciliationStatus;
  if (!recon?.lastReconciledSpec) return status.error ? 'FAILED' : 'CREATED';
  if (recon.state === 'UPGRADING') return 'UPGRADING';
  if (recon.state === 'ROLLING_BACK') return 'ROLLING_BACK';
  const last = parseReconciledSpec<FlinkDeploymentSpec>(recon.lastReconciledSpec);
  if (last?.spec.job?.state === 'suspended') return 'SUSPENDED';
  if (status.jobStatus?.state === 'FAILED') return 'FAILED';
  const jm = status.jobManagerDeploymentStatus;
  if (
    (jm === 'MISSING' || jm === 'ERROR') &&
    status.error &&
    /Manual restore required|HA metadata is not available/.test(status.error)
  ) {
    return 'FAILED';
  }
  if (recon.state === 'ROLLED_BACK') return 'ROLLED_BACK';
  if (recon.lastStableSpec === recon.lastReconciledSpec) return 'STABLE';
  return 'DEPLOYED';
}

function taskManagerStatus(p: Planner, status: Status): Status['taskManager'] {
  const spec = p.spec;
  if (!spec.job) return status.taskManager;
  const name = p.input.resource.metadata.name ?? '';
  const running = status.jobStatus?.state === 'RUNNING' || status.jobStatus?.state === 'RECONCILING';
  if (!running) return { labelSelector: '', replicas: 0 };
  const config = flattenFlinkConfiguration(spec.flinkConfiguration);
  const slots = Math.max(1, Number(config['taskmanager.numberOfTaskSlots'] ?? 1) || 1);
  const parallelism = spec.job.parallelism ?? Number(config['parallelism.default'] ?? 1);
  const replicas =
    (spec.mode ?? 'native') === 'standalone' && spec.taskManager?.replicas !== undefined
      ? spec.taskManager.replicas
      : Math.ceil(Math.max(1, parallelism) / slots);
  return { labelSelector: `component=taskmanager,app=${name}`, replicas };
}

function runningCondition(p: Planner, status: Status): Status['conditions'] {
  const previous = status.conditions?.find((c) => c.type === 'Running');
  let ok: boolean;
  let reason: string;
  let message: string;
  if (p.spec.job) {
    const state = status.jobStatus?.state ?? 'UNKNOWN';
    ok = state === 'RUNNING';
    reason = state.charAt(0) + state.slice(1).toLowerCase();
    message = `Job status ${state}`;
  } else {
    const jm = status.jobManagerDeploymentStatus ?? 'MISSING';
    ok = jm === 'READY';
    const reasons: Record<string, string> = {
      READY: 'JobManagerReady',
      DEPLOYED_NOT_READY: 'DeployedNotReady',
      DEPLOYING: 'JobManagerIsDeploying',
      MISSING: 'JobManagerDeploymentMissing',
      ERROR: 'Error',
    };
    reason = reasons[jm] ?? jm;
    message = `JobManager deployment ${jm}`;
  }
  const value = ok ? 'True' : 'False';
  const lastTransitionTime =
    previous && previous.status === value && previous.lastTransitionTime
      ? previous.lastTransitionTime
      : new Date(p.now).toISOString();
  return [{ type: 'Running', status: value, reason, message, lastTransitionTime }];
}

// ---------------------------------------------------------------------------------------------
// Deletion.

export interface CleanupPlan {
  status: FlinkDeploymentStatus;
  actions: ClusterAction[];
  events: PlannedEvent[];
  /** True when nothing is left to clean: the finalizer may go. */
  done: boolean;
  requeueAfterMs: number;
}

/**
 * Deleting a FlinkDeployment: a session cluster still used by session jobs is kept (with a
 * Warning); a running job is stopped with a savepoint when configured; then the cluster and its HA
 * data are deleted, and the finalizer is removed once the JobManager Deployment is gone.
 */
export function planCleanup(input: PlanInput): CleanupPlan {
  const p = new Planner(input);
  p.status.lifecycleState = 'DELETING';
  const plan = (done: boolean): CleanupPlan => ({
    status: p.status,
    actions: p.actions,
    events: p.events,
    done,
    requeueAfterMs: p.requeueAfterMs,
  });
  const name = input.resource.metadata.name;
  p.event(
    'Normal',
    'Cleanup',
    'Cleaning up FlinkDeployment',
    'Operator',
    `Cleanup: ${input.resource.metadata.uid}`,
  );
  const jm = p.observed.jobManager;

  if (!p.spec.job && p.policy.blockSessionDeletionOnJobs && p.observed.sessionJobs.length > 0) {
    const message = `The session jobs [${p.observed.sessionJobs.join(', ')}] should be deleted first`;
    p.event('Warning', 'CleanupFailed', message);
    p.status.error = errorText(ERROR_TYPES.reconciliation, message);
    return plan(false);
  }

  const jobId = p.status.jobStatus?.jobId;
  const jobRunning = p.observed.job?.found === true && p.observed.job.state === 'RUNNING';
  if (p.spec.job && p.policy.savepointOnDeletion && jm.exists && !jm.terminating) {
    const info = p.status.jobStatus?.savepointInfo;
    if (info?.triggerType === 'UPGRADE' && info.triggerId) {
      const trigger = p.observed.trigger;
      if (!trigger || trigger.status === 'IN_PROGRESS') {
        p.progress();
        return plan(false);
      }
      if (trigger.status === 'COMPLETED' && trigger.location) {
        p.jobStatus.upgradeSavepointPath = trigger.location;
        recordSavepoint(p, trigger.location, 'UPGRADE');
      } else {
        const error = trigger.status === 'COMPLETED' ? 'no savepoint location returned' : trigger.error;
        p.event('Warning', 'SavepointError', `Savepoint on deletion of ${name} failed: ${error}`);
        clearTrigger(p.jobStatus.savepointInfo!);
        p.progress();
        return plan(false);
      }
    } else if (jobRunning && jobId) {
      markUpgradeSavepoint(p);
      p.actions.push({
        type: 'stopWithSavepoint',
        jobId,
        drain: p.policy.drainOnSavepoint,
        formatType: p.policy.savepointFormatType,
      });
      p.progress();
      return plan(false);
    }
  }

  if (jm.exists) {
    if (!jm.terminating) p.actions.push({ type: 'deleteCluster', keepHaData: false });
    p.soon();
    return plan(false);
  }
  if (p.observed.haMetadataAvailable) {
    p.actions.push({ type: 'deleteCluster', keepHaData: false });
    p.soon();
    return plan(false);
  }
  p.status.jobManagerDeploymentStatus = 'MISSING';
  p.status.lifecycleState = 'DELETED';
  if (p.status.jobStatus?.state && !GLOBALLY_TERMINAL_JOB_STATES.has(p.status.jobStatus.state)) {
    p.jobStatus.state = 'FINISHED';
  }
  return plan(true);
}
