/** FlinkSessionJob: a job submitted to the session cluster of a FlinkDeployment without a job. */
import { Type, type Static } from '@sinclair/typebox';
import { Obj, Opt } from './builders.ts';
import { FlinkConfigurationSchema, JobSpecSchema, commonStatusFields } from './common.ts';

export const FlinkSessionJobSpecSchema = Obj({
  deploymentName: Opt(Type.String()),
  job: Opt(JobSpecSchema),
  restartNonce: Opt(Type.Integer()),
  flinkConfiguration: Opt(FlinkConfigurationSchema),
});

export const FlinkSessionJobStatusSchema = Obj({ ...commonStatusFields });

export type FlinkSessionJobSpec = Static<typeof FlinkSessionJobSpecSchema>;
export type FlinkSessionJobStatus = Static<typeof FlinkSessionJobStatusSchema>;
