/** FlinkDeployment: a Flink cluster, running one application job or serving session jobs. */
import { Type, type Static } from '@sinclair/typebox';
import { MapOf, Obj, Opt, StringEnum } from './builders.ts';
import {
  FlinkConfigurationSchema,
  JobSpecSchema,
  ResourceRequirementsSchema,
  ResourceSchema,
  SCHEDULED_JOB_STATUS_STATES,
  commonStatusFields,
  jobStatusSchema,
} from './common.ts';
import { PodTemplateSchema } from './pod.ts';
import { ScheduleSpecSchema, ScheduleStatusSchema } from './schedule.ts';

/** Every value the CRD accepts; `flinkVersionSupport` (flink-versions.ts) says which ones we run. */
export const FLINK_VERSIONS = [
  'v1_13',
  'v1_14',
  'v1_15',
  'v1_16',
  'v1_17',
  'v1_18',
  'v1_19',
  'v1_20',
  'v2_0',
  'v2_1',
  'v2_2',
  'v2_3',
  'v2_4',
] as const;
export const DEPLOYMENT_MODES = ['native', 'standalone'] as const;
export const JOB_MANAGER_DEPLOYMENT_STATUSES = [
  'DEPLOYED_NOT_READY',
  'DEPLOYING',
  'ERROR',
  'MISSING',
  'READY',
] as const;

export const IngressSpecSchema = Obj({
  template: Opt(Type.String()),
  className: Opt(Type.String()),
  annotations: Opt(MapOf(Type.String())),
  labels: Opt(MapOf(Type.String())),
  tls: Opt(Type.Array(Obj({ hosts: Opt(Type.Array(Type.String())), secretName: Opt(Type.String()) }))),
});

export const JobManagerSpecSchema = Obj({
  resource: Opt(ResourceSchema),
  resources: Opt(ResourceRequirementsSchema),
  replicas: Opt(Type.Integer()),
  podTemplate: Opt(PodTemplateSchema()),
});

export const TaskManagerSpecSchema = Obj({
  resource: Opt(ResourceSchema),
  resources: Opt(ResourceRequirementsSchema),
  replicas: Opt(Type.Integer()),
  podTemplate: Opt(PodTemplateSchema()),
});

export const FlinkDeploymentSpecSchema = Obj({
  job: Opt(JobSpecSchema),
  restartNonce: Opt(Type.Integer()),
  flinkConfiguration: Opt(FlinkConfigurationSchema),
  image: Opt(Type.String()),
  imagePullPolicy: Opt(Type.String()),
  serviceAccount: Opt(Type.String()),
  flinkVersion: Opt(StringEnum(FLINK_VERSIONS)),
  ingress: Opt(IngressSpecSchema),
  podTemplate: Opt(PodTemplateSchema()),
  jobManager: Opt(JobManagerSpecSchema),
  taskManager: Opt(TaskManagerSpecSchema),
  logConfiguration: Opt(MapOf(Type.String())),
  mode: Opt(StringEnum(DEPLOYMENT_MODES)),
  schedule: Opt(ScheduleSpecSchema),
});

export const ConditionSchema = Obj({
  type: Opt(Type.String()),
  status: Opt(Type.String()),
  reason: Opt(Type.String()),
  message: Opt(Type.String()),
  lastTransitionTime: Opt(Type.String()),
  observedGeneration: Opt(Type.Integer()),
});

export const FlinkDeploymentStatusSchema = Obj({
  ...commonStatusFields,
  jobStatus: Opt(jobStatusSchema(SCHEDULED_JOB_STATUS_STATES)),
  clusterInfo: Opt(MapOf(Type.String())),
  jobManagerDeploymentStatus: Opt(StringEnum(JOB_MANAGER_DEPLOYMENT_STATUSES)),
  taskManager: Opt(Obj({ labelSelector: Opt(Type.String()), replicas: Opt(Type.Integer()) })),
  conditions: Opt(Type.Array(ConditionSchema)),
  schedule: Opt(ScheduleStatusSchema),
});

export type FlinkDeploymentSpec = Static<typeof FlinkDeploymentSpecSchema>;
export type FlinkDeploymentStatus = Static<typeof FlinkDeploymentStatusSchema>;
