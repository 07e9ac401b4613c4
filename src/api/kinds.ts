/**
 * The three custom resources: their names in the API, their printer columns, and their schemas.
 * Everything about the CRDs is declared here once; `crd.ts` renders it.
 */
import type { TSchema } from '@sinclair/typebox';
import { FlinkDeploymentSpecSchema, FlinkDeploymentStatusSchema } from './schema/flinkdeployment.ts';
import { FlinkSessionJobSpecSchema, FlinkSessionJobStatusSchema } from './schema/flinksessionjob.ts';
import { FlinkStateSnapshotSpecSchema, FlinkStateSnapshotStatusSchema } from './schema/flinkstatesnapshot.ts';

export const GROUP = 'flink.apache.org';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  /** 0: shown by `kubectl get`; 1: only with `-o wide`. */
  priority: 0 | 1;
  description?: string;
}

export interface KindDefinition {
  kind: 'FlinkDeployment' | 'FlinkSessionJob' | 'FlinkStateSnapshot';
  plural: string;
  singular: string;
  shortNames: string[];
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  spec: TSchema;
  status: TSchema;
}

const jobStatusColumns: PrinterColumn[] = [
  { name: 'Job Status', type: 'string', jsonPath: '.status.jobStatus.state', priority: 0 },
  { name: 'Lifecycle State', type: 'string', jsonPath: '.status.lifecycleState', priority: 0 },
];

export const FLINK_DEPLOYMENT: KindDefinition = {
  kind: 'FlinkDeployment',
  plural: 'flinkdeployments',
  singular: 'flinkdeployment',
  shortNames: ['flinkdep'],
  printerColumns: [
    ...jobStatusColumns,
    // Our additions come last and only with `-o wide`, so the default columns stay as users know them.
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule.cron', priority: 1 },
    { name: 'Next Run', type: 'string', jsonPath: '.status.schedule.nextScheduleTime', priority: 1 },
  ],
  scale: {
    specReplicasPath: '.spec.taskManager.replicas',
    statusReplicasPath: '.status.taskManager.replicas',
    labelSelectorPath: '.status.taskManager.labelSelector',
  },
  spec: FlinkDeploymentSpecSchema,
  status: FlinkDeploymentStatusSchema,
};

export const FLINK_SESSION_JOB: KindDefinition = {
  kind: 'FlinkSessionJob',
  plural: 'flinksessionjobs',
  singular: 'flinksessionjob',
  shortNames: ['sessionjob'],
  printerColumns: jobStatusColumns,
  spec: FlinkSessionJobSpecSchema,
  status: FlinkSessionJobStatusSchema,
};

export const FLINK_STATE_SNAPSHOT: KindDefinition = {
  kind: 'FlinkStateSnapshot',
  plural: 'flinkstatesnapshots',
  singular: 'flinkstatesnapshot',
  shortNames: ['flinksnp'],
  printerColumns: [
    { name: 'Path', type: 'string', jsonPath: '.status.path', priority: 0 },
    { name: 'Result Timestamp', type: 'string', jsonPath: '.status.resultTimestamp', priority: 0 },
    { name: 'Snapshot State', type: 'string', jsonPath: '.status.state', priority: 0 },
  ],
  spec: FlinkStateSnapshotSpecSchema,
  status: FlinkStateSnapshotStatusSchema,
};

export const KINDS: readonly KindDefinition[] = [FLINK_DEPLOYMENT, FLINK_SESSION_JOB, FLINK_STATE_SNAPSHOT];
