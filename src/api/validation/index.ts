export type { ValidationError } from './errors.ts';
export type { OperatorValidationConfig } from './options.ts';
export {
  validateFlinkDeployment,
  REST_SERVICE_TYPES,
  type DeploymentValidationOptions,
} from './deployment.ts';
export { validateSessionJob, type SessionJobValidationOptions } from './sessionjob.ts';
export { validateStateSnapshot, type SnapshotValidationOptions } from './snapshot.ts';
export { jarUriProblem } from './jar-uri.ts';
export { operatorOptionErrors, type ParsableOption } from './operator-options.ts';
