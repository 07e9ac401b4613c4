/** FlinkSessionJob: a job submitted to the session cluster of a FlinkDeployment without a job. */
import { Type, type Static } from '@sinclair/typebox';
import { Obj, Opt } from './builders.ts';
import {
  FlinkConfigurationSchema,
  JOB_STATUS_STATES,
  JobSpecSchema,
  commonStatusFields,
  jobStatusSchema,
} from './common.ts';

export const FlinkSessionJobSpecSchema = Obj({
  deploymentName: Opt(Type.String()),
  job: Opt(JobSpecSchema),
  restartNonce: Opt(Type.Integer()),
  flinkConfiguration: Opt(FlinkConfigurationSchema),
});

export const FlinkSessionJobStatusSchema = Obj({
  ...commonStatusFields,
  jobStatus: Opt(jobStatusSchema(JOB_STATUS_STATES)),
});

export type FlinkSessionJobSpec = Static<typeof FlinkSessionJobSpecSchema>;
export type FlinkSessionJobStatus = Static<typeof FlinkSessionJobStatusSchema>;
