/** Schema parts shared by FlinkDeployment and FlinkSessionJob. */
import { Type } from '@sinclair/typebox';
import { AnyJson, IntOrString, MapOf, Obj, Opt, StringEnum } from './builders.ts';

export const JOB_STATES = ['running', 'suspended'] as const;
export const UPGRADE_MODES = ['last-state', 'savepoint', 'stateless'] as const;
export const SAVEPOINT_FORMAT_TYPES = ['CANONICAL', 'NATIVE', 'UNKNOWN'] as const;
export const CHECKPOINT_FORMAT_TYPES = ['FULL', 'INCREMENTAL', 'UNKNOWN'] as const;
export const SNAPSHOT_TRIGGER_TYPES = ['MANUAL', 'PERIODIC', 'UNKNOWN', 'UPGRADE'] as const;
/** Flink job states as reported in `status.jobStatus.state`. */
export const JOB_STATUS_STATES = [
  'CANCELED',
  'CANCELLING',
  'CREATED',
  'FAILED',
  'FAILING',
  'FINISHED',
  'INITIALIZING',
  'RECONCILING',
  'RESTARTING',
  'RUNNING',
  'SUSPENDED',
] as const;
export const LIFECYCLE_STATES = [
  'CREATED',
  'DELETED',
  'DELETING',
  'DEPLOYED',
  'FAILED',
  'ROLLED_BACK',
  'ROLLING_BACK',
  'STABLE',
  'SUSPENDED',
  'UPGRADING',
] as const;
export const RECONCILIATION_STATES = ['DEPLOYED', 'ROLLED_BACK', 'ROLLING_BACK', 'UPGRADING'] as const;

/** Nested maps are allowed and read as dotted keys (`state: {savepoints.dir: x}` = `state.savepoints.dir`). */
export type FlinkConfiguration = { [key: string]: unknown };

export const FlinkConfigurationSchema = AnyJson<FlinkConfiguration>({
  description: 'Flink configuration; nested maps are flattened into dotted keys.',
});

export const JobSpecSchema = Obj({
  jarURI: Opt(Type.String()),
  parallelism: Opt(Type.Integer()),
  entryClass: Opt(Type.String()),
  args: Opt(Type.Array(Type.String())),
  state: Opt(StringEnum(JOB_STATES)),
  savepointTriggerNonce: Opt(Type.Integer()),
  initialSavepointPath: Opt(Type.String()),
  checkpointTriggerNonce: Opt(Type.Integer()),
  upgradeMode: Opt(StringEnum(UPGRADE_MODES)),
  allowNonRestoredState: Opt(Type.Boolean()),
  savepointRedeployNonce: Opt(Type.Integer()),
  autoscalerResetNonce: Opt(Type.Integer()),
});

/** Kubernetes-style resource requirements of the JobManager or TaskManager containers. */
export const ResourceRequirementsSchema = Obj({
  claims: Opt(Type.Array(Obj({ name: Opt(Type.String()), request: Opt(Type.String()) }))),
  limits: Opt(MapOf(IntOrString())),
  requests: Opt(MapOf(IntOrString())),
});

/** The older, Flink-style resource section (cpu as a number, memory as a Flink or Kubernetes size). */
export const ResourceSchema = Obj({
  cpu: Opt(Type.Number()),
  memory: Opt(Type.String()),
  ephemeralStorage: Opt(Type.String()),
});

const SavepointSchema = Obj({
  timeStamp: Opt(Type.Integer()),
  location: Opt(Type.String()),
  triggerType: Opt(StringEnum(SNAPSHOT_TRIGGER_TYPES)),
  formatType: Opt(StringEnum(SAVEPOINT_FORMAT_TYPES)),
  triggerNonce: Opt(Type.Integer()),
});

const CheckpointSchema = Obj({
  timeStamp: Opt(Type.Integer()),
  triggerType: Opt(StringEnum(SNAPSHOT_TRIGGER_TYPES)),
  formatType: Opt(StringEnum(CHECKPOINT_FORMAT_TYPES)),
  triggerNonce: Opt(Type.Integer()),
});

/**
 * A scheduled FlinkDeployment (one with `spec.schedule`) runs no job of its own and reports
 * `CRON_SCHEDULED` instead.
 */
export const SCHEDULED_JOB_STATUS_STATES = [...JOB_STATUS_STATES, 'CRON_SCHEDULED'] as const;

export const jobStatusSchema = <const S extends readonly string[]>(states: S) =>
  Obj({
    jobName: Opt(Type.String()),
    jobId: Opt(Type.String()),
    state: Opt(StringEnum(states)),
    startTime: Opt(Type.String()),
    updateTime: Opt(Type.String()),
    upgradeSavepointPath: Opt(Type.String()),
    savepointInfo: Opt(
      Obj({
        lastSavepoint: Opt(SavepointSchema),
        triggerId: Opt(Type.String()),
        triggerTimestamp: Opt(Type.Integer()),
        triggerType: Opt(StringEnum(SNAPSHOT_TRIGGER_TYPES)),
        formatType: Opt(StringEnum(SAVEPOINT_FORMAT_TYPES)),
        savepointHistory: Opt(Type.Array(SavepointSchema)),
        lastPeriodicSavepointTimestamp: Opt(Type.Integer()),
      }),
    ),
    checkpointInfo: Opt(
      Obj({
        lastCheckpoint: Opt(CheckpointSchema),
        triggerId: Opt(Type.String()),
        triggerTimestamp: Opt(Type.Integer()),
        triggerType: Opt(StringEnum(SNAPSHOT_TRIGGER_TYPES)),
        formatType: Opt(StringEnum(CHECKPOINT_FORMAT_TYPES)),
        lastPeriodicCheckpointTimestamp: Opt(Type.Integer()),
      }),
    ),
  });

/** `lastReconciledSpec` and `lastStableSpec` hold the spec as a JSON string, as the compatible operator writes it. */
export const ReconciliationStatusSchema = Obj({
  reconciliationTimestamp: Opt(Type.Integer()),
  lastReconciledSpec: Opt(Type.String()),
  lastStableSpec: Opt(Type.String()),
  state: Opt(StringEnum(RECONCILIATION_STATES)),
});

/** Status fields both FlinkDeployment and FlinkSessionJob have (`jobStatus` differs by its states). */
export const commonStatusFields = {
  error: Opt(Type.String()),
  lifecycleState: Opt(StringEnum(LIFECYCLE_STATES)),
  observedGeneration: Opt(Type.Integer()),
  reconciliationStatus: Opt(ReconciliationStatusSchema),
};
