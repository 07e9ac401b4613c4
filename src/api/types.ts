/** The custom resources as JSON objects read from or sent to the API server. */
import type { ObjectMeta as KubeObjectMeta } from '../runtime/kube/types.ts';
import type { FlinkDeploymentSpec, FlinkDeploymentStatus } from './schema/flinkdeployment.ts';
import type { FlinkSessionJobSpec, FlinkSessionJobStatus } from './schema/flinksessionjob.ts';
import type { FlinkStateSnapshotSpec, FlinkStateSnapshotStatus } from './schema/flinkstatesnapshot.ts';

/** Object metadata as it appears in JSON; fields the runtime does not use pass through. */
export interface ObjectMeta extends KubeObjectMeta {
  [key: string]: unknown;
}

interface Resource<K extends string, Spec, Status> {
  apiVersion: 'flink.apache.org/v1beta1';
  kind: K;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type FlinkDeployment = Resource<'FlinkDeployment', FlinkDeploymentSpec, FlinkDeploymentStatus>;
export type FlinkSessionJob = Resource<'FlinkSessionJob', FlinkSessionJobSpec, FlinkSessionJobStatus>;
export type FlinkStateSnapshot = Resource<
  'FlinkStateSnapshot',
  FlinkStateSnapshotSpec,
  FlinkStateSnapshotStatus
>;

export type JobSpec = NonNullable<FlinkDeploymentSpec['job']>;
export type JobStatus = NonNullable<FlinkDeploymentStatus['jobStatus']>;
export type ReconciliationStatus = NonNullable<FlinkDeploymentStatus['reconciliationStatus']>;
export type JobManagerSpec = NonNullable<FlinkDeploymentSpec['jobManager']>;
export type TaskManagerSpec = NonNullable<FlinkDeploymentSpec['taskManager']>;
export type IngressSpec = NonNullable<FlinkDeploymentSpec['ingress']>;
export type ScheduleSpec = NonNullable<FlinkDeploymentSpec['schedule']>;
export type ScheduleStatus = NonNullable<FlinkDeploymentStatus['schedule']>;
export type ScheduleRunRecord = NonNullable<ScheduleStatus['history']>[number];

export type { FlinkDeploymentSpec, FlinkDeploymentStatus } from './schema/flinkdeployment.ts';
export type { FlinkSessionJobSpec, FlinkSessionJobStatus } from './schema/flinksessionjob.ts';
export type { FlinkStateSnapshotSpec, FlinkStateSnapshotStatus } from './schema/flinkstatesnapshot.ts';
export type { FlinkConfiguration } from './schema/common.ts';
export type { PodTemplate } from './schema/pod.ts';
