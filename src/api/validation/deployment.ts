/** Validation of FlinkDeployment resources. */
import { FLINK_DEPLOYMENT } from '../kinds.ts';
import { flinkVersionSupport, unsupportedFlinkVersionMessage } from '../flink-versions.ts';
import { ErrorList, field, isBlank, isRecord, type JsonRecord, type ValidationError } from './errors.ts';
import {
  FORBIDDEN_CONFIG_KEYS,
  OPTIONS,
  isHighAvailabilityEnabled,
  jobManagerMemoryConfigured,
  mergeConfigs,
  readBoolean,
  taskManagerMemoryConfigured,
  type FlatConfig,
} from './flink-config.ts';
import { checkAutoscalerConfig } from './autoscaler.ts';
import { checkIngress } from './ingress.ts';
import { checkJobSpec } from './jobspec.ts';
import { lastReconciledSpec } from './last-reconciled.ts';
import { invalidDeploymentNameMessage, isValidClusterName } from './names.ts';
import { checkOperatorOptions } from './operator-options.ts';
import { checkSpecSize } from './spec-size.ts';
import type { OperatorValidationConfig } from './options.ts';
import { checkResource, checkResourceRequirements, memoryDefined, type Component } from './resources.ts';
import { checkSchedule } from './schedule.ts';
import { structuralErrors } from './structure.ts';

export const ALLOWED_LOG_CONFIG_KEYS = ['log4j-console.properties', 'logback-console.xml'];

export interface DeploymentValidationOptions {
  /** The spec last deployed; defaults to the one recorded in `status.reconciliationStatus.lastReconciledSpec`. */
  previous?: unknown;
  operatorConfig?: OperatorValidationConfig;
}

/**
 * Everything wrong with a FlinkDeployment, in the order a user should fix it; empty when it is
 * valid. Never throws, whatever `resource` is.
 */
export function validateFlinkDeployment(
  resource: unknown,
  options: DeploymentValidationOptions = {},
): ValidationError[] {
  try {
    const structural = structuralErrors(FLINK_DEPLOYMENT, resource);
    if (structural.length > 0) return structural;
    return semanticErrors(resource as JsonRecord, options);
  } catch (err) {
    return [
      {
        path: '',
        message: `Validation failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
      },
    ];
  }
}

function semanticErrors(resource: JsonRecord, options: DeploymentValidationOptions): ValidationError[] {
  const errors = new ErrorList();
  const name = field(resource, 'metadata', 'name');
  const namespace = field(resource, 'metadata', 'namespace');
  const spec = isRecord(resource.spec) ? resource.spec : {};
  const config = mergeConfigs(options.operatorConfig?.defaultFlinkConfiguration, spec.flinkConfiguration);
  const previous = isRecord(options.previous) ? options.previous : lastReconciledSpec(resource);

  if (!isValidClusterName(name)) errors.add('metadata.name', invalidDeploymentNameMessage(name));
  checkSpecSize(errors, spec);
  checkFlinkVersion(errors, spec, previous);
  checkConfig(errors, config);
  checkOperatorOptions(errors, spec.flinkConfiguration, options.operatorConfig?.operatorOptions);
  checkAutoscalerConfig(errors, config);
  checkIngress(errors, spec.ingress, String(name), typeof namespace === 'string' ? namespace : 'default');
  checkLogConfig(errors, spec.logConfiguration);
  checkJobSpec(errors, spec.job, spec.taskManager, config);
  checkJarUri(errors, spec);
  checkComponent(errors, 'JobManager', spec.jobManager, config);
  checkComponent(errors, 'TaskManager', spec.taskManager, config, isRecord(spec.job));
  if (previous) checkSpecChange(errors, spec, previous);
  if (spec.serviceAccount === undefined) {
    errors.add(
      'spec.serviceAccount',
      'spec.serviceAccount must be defined. If you use helm, its value should be the same with the name of jobServiceAccount.',
    );
  }
  checkSchedule(errors, spec.schedule, spec.job);
  return errors.errors;
}

function checkFlinkVersion(errors: ErrorList, spec: JsonRecord, previous: JsonRecord | undefined): void {
  const version = spec.flinkVersion;
  if (version === undefined) {
    errors.add('spec.flinkVersion', 'Flink Version must be defined.');
    return;
  }
  if (flinkVersionSupport(version) === 'unsupported') {
    errors.add('spec.flinkVersion', unsupportedFlinkVersionMessage(version));
    return;
  }
  const lastJob = field(previous, 'job');
  if (
    isRecord(lastJob) &&
    isRecord(spec.job) &&
    (spec.job.upgradeMode ?? 'stateless') !== 'stateless' &&
    lastJob.state === 'suspended' &&
    lastJob.upgradeMode === 'last-state' &&
    field(previous, 'flinkVersion') !== version
  ) {
    errors.add(
      'spec.flinkVersion',
      'Changing flinkVersion after last-state suspend is not allowed. Restore your cluster with the current flinkVersion and perform the version upgrade afterwards.',
    );
  }
}

/** The values Flink accepts (case-insensitively) for `kubernetes.rest-service.exposed.type`. */
export const REST_SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'Headless_ClusterIP'] as const;
const REST_SERVICE_TYPE_KEY = 'kubernetes.rest-service.exposed.type';

function checkConfig(errors: ErrorList, config: FlatConfig): void {
  for (const key of FORBIDDEN_CONFIG_KEYS) {
    if (config.has(key)) errors.add(`spec.flinkConfiguration.${key}`, `Forbidden Flink config key: ${key}`);
  }
  const serviceType = config.get(REST_SERVICE_TYPE_KEY);
  if (
    serviceType !== undefined &&
    !REST_SERVICE_TYPES.some((t) => t.toLowerCase() === serviceType.trim().toLowerCase())
  ) {
    errors.add(
      `spec.flinkConfiguration.${REST_SERVICE_TYPE_KEY}`,
      `Invalid ${REST_SERVICE_TYPE_KEY}: ${serviceType} (one of ${REST_SERVICE_TYPES.join(', ')})`,
    );
  }
  if (readBoolean(config, OPTIONS.rollbackEnabled, false) && !isHighAvailabilityEnabled(config)) {
    errors.add('spec.flinkConfiguration', 'HA must be enabled for rollback support.');
  }
  if (
    readBoolean(config, OPTIONS.healthCheckEnabled, false) &&
    !readBoolean(config, OPTIONS.jmDeploymentRecoveryEnabled, true)
  ) {
    errors.add(
      'spec.flinkConfiguration',
      `Deployment recovery (${OPTIONS.jmDeploymentRecoveryEnabled.key}) must be enabled for job health check (${OPTIONS.healthCheckEnabled.key}) support.`,
    );
  }
}

function checkLogConfig(errors: ErrorList, logConfiguration: unknown): void {
  if (!isRecord(logConfiguration)) return;
  for (const key of Object.keys(logConfiguration)) {
    if (!ALLOWED_LOG_CONFIG_KEYS.includes(key)) {
      errors.add(
        `spec.logConfiguration.${key}`,
        `Invalid log config key: ${key}. Allowed keys are [${ALLOWED_LOG_CONFIG_KEYS.join(', ')}]`,
      );
    }
  }
}

/** A native application cluster submits the job from its jar, so it needs to know where the jar is. */
function checkJarUri(errors: ErrorList, spec: JsonRecord): void {
  if (isRecord(spec.job) && (spec.mode ?? 'native') === 'native' && isBlank(spec.job.jarURI)) {
    errors.add('spec.job.jarURI', 'Job jarURI must be defined for application deployments in native mode');
  }
}

/** `replicasChecked`: the job rules already judged the TaskManager replicas. */
function checkComponent(
  errors: ErrorList,
  component: Component,
  componentSpec: unknown,
  config: FlatConfig,
  replicasChecked = false,
): void {
  const path = component === 'JobManager' ? 'spec.jobManager' : 'spec.taskManager';
  const configured =
    component === 'JobManager' ? jobManagerMemoryConfigured(config) : taskManagerMemoryConfigured(config);
  if (!memoryDefined(componentSpec) && !configured) {
    errors.add(
      `${path}.resource.memory`,
      `${component} resource memory must be defined using \`${path}.resource.memory\` or \`${path}.resources.requests.memory\``,
    );
  }
  if (!isRecord(componentSpec)) return;
  checkResource(errors, component, `${path}.resource`, componentSpec.resource);
  checkResourceRequirements(errors, component, `${path}.resources`, componentSpec.resources);
  const replicas = componentSpec.replicas;
  if (component === 'JobManager') {
    const jmReplicas = typeof replicas === 'number' ? replicas : 1;
    if (jmReplicas < 1) {
      errors.add(`${path}.replicas`, 'JobManager replicas should not be configured less than one.');
    } else if (jmReplicas > 1 && !isHighAvailabilityEnabled(config)) {
      errors.add(
        `${path}.replicas`,
        'High availability should be enabled when starting standby JobManagers.',
      );
    }
  } else if (!replicasChecked && typeof replicas === 'number' && replicas < 1) {
    errors.add(`${path}.replicas`, 'TaskManager replicas should not be configured less than one.');
  }
}

function checkSpecChange(errors: ErrorList, spec: JsonRecord, previous: JsonRecord): void {
  const job = spec.job;
  const oldJob = previous.job;
  if (isRecord(job) && !isRecord(oldJob)) errors.add('spec.job', 'Cannot switch from session to job cluster');
  if (!isRecord(job) && isRecord(oldJob)) errors.add('spec.job', 'Cannot switch from job to session cluster');
  const oldMode = previous.mode ?? 'native';
  const newMode = spec.mode ?? 'native';
  if (oldMode === 'native' && newMode !== 'native') {
    errors.add('spec.mode', 'Cannot switch from native kubernetes to standalone kubernetes cluster');
  }
  if (oldMode === 'standalone' && newMode !== 'standalone') {
    errors.add('spec.mode', 'Cannot switch from standalone kubernetes to native kubernetes cluster');
  }
  if (
    isRecord(job) &&
    isRecord(oldJob) &&
    job.savepointRedeployNonce !== undefined &&
    job.savepointRedeployNonce !== null &&
    job.savepointRedeployNonce !== oldJob.savepointRedeployNonce &&
    isBlank(job.initialSavepointPath)
  ) {
    errors.add(
      'spec.job.initialSavepointPath',
      'InitialSavepointPath must not be empty for savepoint redeployment',
    );
  }
}
