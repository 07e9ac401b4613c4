import type { PeriodicTrigger } from '../../api/periodic-trigger.ts';

/**
 * The operator settings that steer a FlinkDeployment's reconcile, resolved once per reconcile from
 * the operator configuration and the resource's own `kubernetes.operator.*` overrides.
 */
export interface DeploymentPolicy {
  reconcileIntervalMs: number;
  progressCheckIntervalMs: number;
  /** stop-with-savepoint on deletion instead of a plain cancel. */
  savepointOnDeletion: boolean;
  drainOnSavepoint: boolean;
  /** Redeploy a JobManager Deployment that vanished while its job should run. */
  jmDeploymentRecovery: boolean;
  /** Savepoint mode may fall back to last-state when the job is not running and HA metadata exists. */
  lastStateFallback: boolean;
  /** Refuse deleting a session cluster while FlinkSessionJobs still use it. */
  blockSessionDeletionOnJobs: boolean;
  savepointFormatType: 'CANONICAL' | 'NATIVE';
  periodicSavepoint?: PeriodicTrigger;
  periodicCheckpoint?: PeriodicTrigger;
  savepointTriggerGracePeriodMs: number;
  checkpointTriggerGracePeriodMs: number;
  savepointHistoryMaxCount: number;
  savepointHistoryMaxAgeMs: number;
  savepointCleanupEnabled: boolean;
  /** Manual checkpoints are FlinkStateSnapshot resources (`snapshot.resource.enabled`), taken by their controller. */
  snapshotResources: boolean;
  rollbackEnabled: boolean;
  readinessTimeoutMs: number;
  restartFailedJobs: boolean;
  /** Vertex parallelism overrides are applied to the running job (adaptive scheduler) instead of an upgrade. */
  inPlaceScaling: boolean;
}
