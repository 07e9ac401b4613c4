/** Rules for `spec.job` shared by FlinkDeployment and FlinkSessionJob, given the effective Flink configuration. */
import type { ErrorList } from './errors.ts';
import { field, isBlank, isRecord } from './errors.ts';
import { periodicTrigger } from '../periodic-trigger.ts';
import { OPTIONS, readOption, type FlatConfig } from './flink-config.ts';

export function checkJobSpec(
  errors: ErrorList,
  job: unknown,
  taskManager: unknown,
  config: FlatConfig,
): void {
  if (!isRecord(job)) return;
  const upgradeMode = job.upgradeMode ?? 'stateless';
  const checkpointDir = OPTIONS.checkpointDir.key;
  const savepointDir = OPTIONS.savepointDir.key;

  if (upgradeMode !== 'stateless' && isBlank(readOption(config, OPTIONS.checkpointDir))) {
    errors.add(
      'spec.job.upgradeMode',
      `Checkpoint directory[${checkpointDir}] must be defined for last-state and savepoint upgrade modes`,
    );
  }
  if (isBlank(readOption(config, OPTIONS.savepointDir))) {
    if (upgradeMode === 'savepoint') {
      errors.add(
        'spec.job.upgradeMode',
        `Job could not be upgraded with savepoint while config key[${savepointDir}] is not set`,
      );
    } else if (job.savepointTriggerNonce !== undefined && job.savepointTriggerNonce !== null) {
      errors.add(
        'spec.job.savepointTriggerNonce',
        `Savepoint could not be manually triggered for the running job while config key[${savepointDir}] is not set`,
      );
    } else if (readOption(config, OPTIONS.periodicSavepointInterval) !== undefined) {
      errors.add(
        'spec.flinkConfiguration',
        `Periodic savepoints cannot be enabled when config key[${savepointDir}] is not set`,
      );
    } else if (!isBlank(readOption(config, OPTIONS.lastStateMaxCheckpointAge))) {
      errors.add(
        'spec.flinkConfiguration',
        `In order to use max-checkpoint age functionality config key[${savepointDir}] must be set to allow triggering savepoint upgrades.`,
      );
    }
  }

  for (const option of [OPTIONS.periodicSavepointInterval, OPTIONS.periodicCheckpointInterval]) {
    const { error } = periodicTrigger(readOption(config, option));
    if (error) errors.add('spec.flinkConfiguration', `Invalid ${option.key}: ${error}`);
  }

  const tmReplicas = field(taskManager, 'replicas');
  if (typeof tmReplicas === 'number') {
    if (tmReplicas < 1) errors.add('spec.taskManager.replicas', 'TaskManager replicas must be larger than 0');
    else if (tmReplicas > MAX_PARALLELISM)
      errors.add('spec.taskManager.replicas', `TaskManager replicas must not exceed ${MAX_PARALLELISM}`);
  } else if (typeof job.parallelism !== 'number' || job.parallelism < 1) {
    errors.add('spec.job.parallelism', 'Job parallelism must be larger than 0');
  }
  if (typeof job.parallelism === 'number' && job.parallelism > MAX_PARALLELISM) {
    errors.add(
      'spec.job.parallelism',
      `Job parallelism must not exceed ${MAX_PARALLELISM}, the largest maximum parallelism Flink supports`,
    );
  }
}

/** Flink's upper bound for a job's maximum parallelism (its key-group limit): no job runs wider. */
export const MAX_PARALLELISM = 32_768;
