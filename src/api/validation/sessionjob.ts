/** Validation of FlinkSessionJob resources, alone or with the session cluster they target. */
import { FLINK_SESSION_JOB } from '../kinds.ts';
import { ErrorList, field, isRecord, type JsonRecord, type ValidationError } from './errors.ts';
import { checkAutoscalerConfig } from './autoscaler.ts';
import { mergeConfigs } from './flink-config.ts';
import { jarUriProblem } from './jar-uri.ts';
import { checkJobSpec } from './jobspec.ts';
import { lastReconciledSpec } from './last-reconciled.ts';
import { invalidDeploymentNameMessage, isValidClusterName } from './names.ts';
import { checkOperatorOptions } from './operator-options.ts';
import { checkSpecSize } from './spec-size.ts';
import type { OperatorValidationConfig } from './options.ts';
import { structuralErrors } from './structure.ts';

export interface SessionJobValidationOptions {
  /** The spec last deployed; defaults to the one recorded in `status.reconciliationStatus.lastReconciledSpec`. */
  previous?: unknown;
  operatorConfig?: OperatorValidationConfig;
}

/**
 * Everything wrong with a FlinkSessionJob; with `sessionDeployment` (the FlinkDeployment named by
 * `spec.deploymentName`) also whether it can run there. Never throws.
 */
export function validateSessionJob(
  job: unknown,
  sessionDeployment?: unknown,
  options: SessionJobValidationOptions = {},
): ValidationError[] {
  try {
    const structural = structuralErrors(FLINK_SESSION_JOB, job);
    if (structural.length > 0) return structural;
    return semanticErrors(job as JsonRecord, sessionDeployment, options);
  } catch (err) {
    return [
      {
        path: '',
        message: `Validation failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
      },
    ];
  }
}

function semanticErrors(
  resource: JsonRecord,
  session: unknown,
  options: SessionJobValidationOptions,
): ValidationError[] {
  const errors = new ErrorList();
  const spec = isRecord(resource.spec) ? resource.spec : {};
  if (!isValidClusterName(spec.deploymentName)) {
    errors.add('spec.deploymentName', invalidDeploymentNameMessage(spec.deploymentName));
  }
  if (!isRecord(spec.job)) errors.add('spec.job', 'The job spec should not be empty');
  checkSpecSize(errors, spec);
  const previous = isRecord(options.previous) ? options.previous : lastReconciledSpec(resource);
  if (previous && previous.deploymentName !== spec.deploymentName) {
    errors.add('spec.deploymentName', "The deploymentName can't be changed");
  }
  checkOperatorOptions(errors, spec.flinkConfiguration, options.operatorConfig?.operatorOptions);
  const jarURI = field(spec, 'job', 'jarURI');
  if (typeof jarURI === 'string') {
    const problem = jarUriProblem(jarURI, options.operatorConfig);
    if (problem) errors.add('spec.job.jarURI', problem);
  }
  if (isRecord(session)) {
    if (isRecord(field(session, 'spec', 'job'))) {
      errors.add('spec.deploymentName', 'Can not submit session job to application cluster');
    }
    if (field(session, 'metadata', 'name') !== spec.deploymentName) {
      errors.add('spec.deploymentName', "The session job's cluster id is not match with the session cluster");
    }
    const config = mergeConfigs(
      options.operatorConfig?.defaultFlinkConfiguration,
      field(session, 'spec', 'flinkConfiguration'),
      spec.flinkConfiguration,
    );
    checkJobSpec(errors, spec.job, undefined, config);
    checkAutoscalerConfig(errors, config);
  }
  return errors.errors;
}
