import { redactText } from '../../runtime/redact.ts';

/**
 * `status.error` of FlinkDeployments and FlinkSessionJobs in the compatible operator's shape: a
 * JSON object naming the kind of failure (as a Java exception class, which tools match on) and
 * the message. `Job Not Found` is the one plain-text value it writes.
 */
export function errorText(type: string, message: string): string {
  return JSON.stringify({ type, message: redactText(message) });
}

/** The message inside `status.error` (the text itself when it is not JSON). */
export function errorMessage(error: string | undefined): string | undefined {
  if (!error) return undefined;
  try {
    const parsed = JSON.parse(error) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // plain text
  }
  return error;
}

export const ERROR_TYPES = {
  reconciliation: 'org.apache.flink.kubernetes.operator.exception.ReconciliationException',
  validation: 'org.apache.flink.kubernetes.operator.exception.ValidationException',
  jobFailed: 'org.apache.flink.runtime.client.JobExecutionException',
  sessionCluster: 'org.apache.flink.kubernetes.operator.exception.MissingSessionJobException',
  missingJobManager: 'org.apache.flink.kubernetes.operator.exception.MissingJobManagerException',
  deploymentFailed: 'org.apache.flink.kubernetes.operator.exception.DeploymentFailedException',
  upgradeFailed: 'org.apache.flink.kubernetes.operator.exception.UpgradeFailureException',
} as const;

export const JOB_NOT_FOUND = 'Job Not Found';
