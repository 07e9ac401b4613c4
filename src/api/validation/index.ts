export type { ValidationError } from './errors.ts';
export type { OperatorValidationConfig } from './options.ts';
export {
  validateFlinkDeployment,
  SUPPORTED_FLINK_VERSIONS,
  type DeploymentValidationOptions,
} from './deployment.ts';
export { validateSessionJob, type SessionJobValidationOptions } from './sessionjob.ts';
export { validateStateSnapshot, type SnapshotValidationOptions } from './snapshot.ts';
export { jarUriProblem } from './jar-uri.ts';
