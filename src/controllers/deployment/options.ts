/**
 * The `kubernetes.operator.*` keys that steer FlinkDeployment reconciles, with the compatible
 * operator's defaults. Each may be set per resource in `spec.flinkConfiguration`.
 */
import { OperatorConfig, RuntimeOptions, operatorOption as o } from '../../runtime/index.ts';
import { inPlaceScalingConfigured } from '../common/in-place-scaling.ts';
import { periodicTrigger } from '../../api/periodic-trigger.ts';
import { JobOptions, SnapshotOptions } from '../common/options.ts';
import type { DeploymentPolicy } from './policy.ts';

export const DeploymentOptions = {
  jmDeploymentRecovery: o.bool('jm-deployment-recovery.enabled', true),
  savepointTriggerGracePeriod: o.duration('savepoint.trigger.grace-period', 60_000),
  checkpointTriggerGracePeriod: o.duration('checkpoint.trigger.grace-period', 60_000),
  savepointCleanupEnabled: o.bool('savepoint.cleanup.enabled', true),
  rollbackEnabled: o.bool('deployment.rollback.enabled', false),
  readinessTimeout: o.duration('deployment.readiness.timeout', 5 * 60_000),
  restartFailed: o.bool('job.restart.failed', false),
} as const;

/** The policy of one resource from its effective operator configuration. */
export function deploymentPolicy(config: OperatorConfig): DeploymentPolicy {
  const maxCount = config.get(SnapshotOptions.historyMaxCount);
  const maxCountCap = config.get(SnapshotOptions.historyMaxCountThreshold);
  const maxAge = config.get(SnapshotOptions.historyMaxAge);
  const maxAgeCap = config.get(SnapshotOptions.historyMaxAgeThreshold);
  const format = config.get(SnapshotOptions.savepointFormatType).toUpperCase();
  const periodicSavepoint = periodicTrigger(config.get(JobOptions.periodicSavepointInterval)).trigger;
  const periodicCheckpoint = periodicTrigger(config.get(JobOptions.periodicCheckpointInterval)).trigger;
  return {
    reconcileIntervalMs: config.get(RuntimeOptions.reconcileInterval),
    progressCheckIntervalMs: config.get(JobOptions.progressCheckInterval),
    savepointOnDeletion: config.get(JobOptions.savepointOnDeletion),
    drainOnSavepoint: config.get(JobOptions.drainOnSavepointDeletion),
    jmDeploymentRecovery: config.get(DeploymentOptions.jmDeploymentRecovery),
    lastStateFallback: config.get(JobOptions.lastStateFallback),
    blockSessionDeletionOnJobs: config.get(JobOptions.blockOnSessionJobs),
    savepointFormatType: format === 'NATIVE' ? 'NATIVE' : 'CANONICAL',
    ...(periodicSavepoint ? { periodicSavepoint } : {}),
    ...(periodicCheckpoint ? { periodicCheckpoint } : {}),
    savepointTriggerGracePeriodMs: config.get(DeploymentOptions.savepointTriggerGracePeriod),
    checkpointTriggerGracePeriodMs: config.get(DeploymentOptions.checkpointTriggerGracePeriod),
    savepointHistoryMaxCount: maxCountCap !== undefined ? Math.min(maxCount, maxCountCap) : maxCount,
    savepointHistoryMaxAgeMs: maxAgeCap !== undefined ? Math.min(maxAge, maxAgeCap) : maxAge,
    savepointCleanupEnabled: config.get(DeploymentOptions.savepointCleanupEnabled),
    snapshotResources: config.get(SnapshotOptions.resourceEnabled),
    rollbackEnabled: config.get(DeploymentOptions.rollbackEnabled),
    readinessTimeoutMs: config.get(DeploymentOptions.readinessTimeout),
    restartFailedJobs: config.get(DeploymentOptions.restartFailed),
    inPlaceScaling: inPlaceScalingConfigured(config),
  };
}

/** The policy with every key at its default. */
export const DEFAULT_POLICY: DeploymentPolicy = deploymentPolicy(new OperatorConfig());
