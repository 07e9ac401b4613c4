/**
 * The effective Flink configuration of a FlinkDeployment: the operator's defaults, then the
 * resource's `flinkConfiguration`, then what the operator derives from the rest of the spec. The
 * result is the operator's view (it keeps `kubernetes.operator.*` keys, which tune the operator
 * per resource); `shippedConfiguration` gives what the cluster receives.
 */
import {
  flinkVersionAtLeast,
  type FlinkDeployment,
  type FlinkDeploymentSpec,
  type JobSpec,
} from '../../api/index.ts';
import { isHighAvailabilityEnabled } from './high-availability.ts';
import { KEYS } from './keys.ts';
import {
  formatDouble,
  formatMemorySize,
  parseFlinkMemorySize,
  parseQuantity,
  parseResourceMemory,
} from './memory.ts';
import { defaultsFor, type FlinkVersion } from './operator-defaults.ts';
import { formatList, formatMap, formatMapList, parseMap } from './values.ts';

export type FlinkConfig = Record<string, string>;

/** Annotation on the JobManager Deployment with the resource generation it was deployed from. */
export const GENERATION_ANNOTATION = 'flinkdeployment.flink.apache.org/generation';

/** Savepoint path recorded for a last-state deployment whose state is in the HA metadata. */
export const LAST_STATE_DUMMY_SAVEPOINT_PATH = 'KUBERNETES_OPERATOR_LAST_STATE';

/** What changes from one deployment of the same spec to the next. */
export interface DeployParameters {
  /** Restore from this path; when absent any configured `execution.savepoint.path` is removed. */
  savepointPath?: string;
  /** Job ID of the application job, unless the user pinned `$internal.pipeline.job-id`. */
  jobId?: string;
  /** A fresh random id that makes the job result store path unique per deployment. */
  jobResultStoreId?: string;
}

/** Nested maps become dotted keys, lists `;`-separated strings, scalars their text. */
export function flattenFlinkConfiguration(value: unknown, prefix = '', into: FlinkConfig = {}): FlinkConfig {
  if (value === null || value === undefined) return into;
  if (Array.isArray(value)) {
    into[prefix] = value.map((item) => String(item)).join(';');
  } else if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      flattenFlinkConfiguration(child, prefix ? `${prefix}.${key}` : key, into);
    }
  } else if (prefix) {
    into[prefix] = String(value);
  }
  return into;
}

function setDefault(config: FlinkConfig, key: string, value: string): void {
  if (config[key] === undefined) config[key] = value;
}

type Role = 'jobmanager' | 'taskmanager';
type ResourceRequirements = NonNullable<NonNullable<FlinkDeploymentSpec['jobManager']>['resources']>;
type Resource = NonNullable<NonNullable<FlinkDeploymentSpec['jobManager']>['resource']>;

/** True when `resources` has any request or limit (an empty `resources: {}` does not count). */
export function hasResourceRequirements(resources: ResourceRequirements | undefined): boolean {
  return Object.keys(resources?.requests ?? {}).length > 0 || Object.keys(resources?.limits ?? {}).length > 0;
}

/** A memory value as the operator writes it: a Flink size stays a Flink size, a quantity becomes bytes. */
function memoryOption(value: string | number): string {
  if (typeof value === 'string' && parseFlinkMemorySize(value) !== undefined) {
    return formatMemorySize(parseFlinkMemorySize(value)!);
  }
  return String(parseResourceMemory(value));
}

function setCpu(config: FlinkConfig, role: Role, cpu: number, version: FlinkVersion | undefined): void {
  config[role === 'jobmanager' ? KEYS.jobManagerCpu : KEYS.taskManagerCpu] = formatDouble(cpu);
  if (!flinkVersionAtLeast(version, 1, 17)) {
    config[role === 'jobmanager' ? KEYS.legacyJobManagerCpu : KEYS.legacyTaskManagerCpu] = formatDouble(cpu);
  }
}

function limitFactor(resources: ResourceRequirements, name: 'cpu' | 'memory'): number | undefined {
  const request = resources.requests?.[name];
  const limit = resources.limits?.[name];
  if (request === undefined || limit === undefined) return undefined;
  const parse = name === 'memory' ? parseResourceMemory : parseQuantity;
  const requested = parse(request);
  return requested > 0 ? parse(limit) / requested : undefined;
}

/**
 * Memory and CPU of a process from `resources` (requests, else limits; limit factors when both
 * are set) or, when it has no entries, from the older `resource` section.
 */
function applyResources(
  config: FlinkConfig,
  role: Role,
  resources: ResourceRequirements | undefined,
  resource: Resource | undefined,
  version: FlinkVersion | undefined,
): void {
  const memoryKey = role === 'jobmanager' ? KEYS.jobManagerProcessMemory : KEYS.taskManagerProcessMemory;
  if (resources && hasResourceRequirements(resources)) {
    const memory = resources.requests?.memory ?? resources.limits?.memory;
    if (memory !== undefined) config[memoryKey] = memoryOption(memory);
    const cpu = resources.requests?.cpu ?? resources.limits?.cpu;
    if (cpu !== undefined) setCpu(config, role, parseQuantity(cpu), version);
    const cpuFactor = limitFactor(resources, 'cpu');
    if (cpuFactor !== undefined) {
      config[role === 'jobmanager' ? KEYS.jobManagerCpuLimitFactor : KEYS.taskManagerCpuLimitFactor] =
        formatDouble(cpuFactor);
    }
    const memoryFactor = limitFactor(resources, 'memory');
    if (memoryFactor !== undefined) {
      config[role === 'jobmanager' ? KEYS.jobManagerMemoryLimitFactor : KEYS.taskManagerMemoryLimitFactor] =
        formatDouble(memoryFactor);
    }
  } else if (resource) {
    if (resource.memory !== undefined) config[memoryKey] = memoryOption(resource.memory);
    if (resource.cpu !== undefined) setCpu(config, role, resource.cpu, version);
  }
}

function slotsPerTaskManager(config: FlinkConfig): number {
  const slots = Number(config[KEYS.slots] ?? '1');
  return Number.isInteger(slots) && slots > 0 ? slots : 1;
}

/**
 * The job parallelism: TaskManager replicas times slots when replicas are set, in standalone mode
 * the largest per-vertex override, else `job.parallelism`.
 */
function jobParallelism(spec: FlinkDeploymentSpec, config: FlinkConfig): number | undefined {
  const replicas = spec.taskManager?.replicas;
  if (replicas !== undefined && replicas !== null) return replicas * slotsPerTaskManager(config);
  if (spec.mode === 'standalone') {
    const overrides = Object.values(parseMap(config[KEYS.parallelismOverrides])).map(Number);
    const highest = Math.max(0, ...overrides.filter((n) => Number.isFinite(n)));
    if (highest > 0) return highest;
  }
  const parallelism = spec.job?.parallelism;
  return parallelism !== undefined && parallelism > 0 ? parallelism : undefined;
}

/** Standalone clusters take the jar on the classpath, where `local:` must be written `file:`. */
function standaloneJarUri(jarURI: string): string {
  return jarURI.replace(/^local:/i, 'file:');
}

function applyJobConfig(config: FlinkConfig, name: string, job: JobSpec): void {
  setDefault(config, KEYS.pipelineName, name);
  if (job.upgradeMode === 'last-state') setDefault(config, KEYS.checkpointInterval, '5 min');
  setDefault(config, KEYS.externalizedCheckpointRetention, 'RETAIN_ON_CANCELLATION');
  if (job.allowNonRestoredState !== undefined && job.allowNonRestoredState !== null) {
    config[KEYS.ignoreUnclaimedState] = String(job.allowNonRestoredState);
  }
  if (job.entryClass) config[KEYS.applicationMain] = job.entryClass;
  if (job.args) config[KEYS.applicationArgs] = formatList(job.args);
}

function applyJobOrSession(config: FlinkConfig, name: string, spec: FlinkDeploymentSpec): void {
  const standalone = spec.mode === 'standalone';
  const job = spec.job;
  if (job) {
    config[KEYS.target] = 'kubernetes-application';
    if (!standalone && job.jarURI) config[KEYS.jars] = formatList([job.jarURI]);
    const parallelism = jobParallelism(spec, config);
    if (parallelism !== undefined) config[KEYS.parallelism] = String(parallelism);
    // The operator observes the finished job, so the cluster must outlive it.
    config[KEYS.shutdownOnApplicationFinish] = 'false';
    setDefault(config, KEYS.submitFailedJobOnApplicationError, 'true');
    applyJobConfig(config, name, job);
  } else {
    config[KEYS.target] = 'kubernetes-session';
  }
  if (standalone) {
    config[KEYS.target] = 'remote';
    config[KEYS.clusterMode] = job ? 'APPLICATION' : 'SESSION';
    if (job?.jarURI) config[KEYS.classpaths] = formatList([standaloneJarUri(job.jarURI)]);
  }
}

function applyTaskManagerReplicas(config: FlinkConfig, spec: FlinkDeploymentSpec): void {
  const replicas = spec.taskManager?.replicas;
  if (replicas !== undefined && replicas > 0) config[KEYS.taskManagerReplicas] = String(replicas);
  if (spec.job && spec.mode === 'standalone' && config[KEYS.taskManagerReplicas] === undefined) {
    const parallelism = Number(config[KEYS.parallelism] ?? '1');
    config[KEYS.taskManagerReplicas] = String(Math.ceil(parallelism / slotsPerTaskManager(config)));
  }
}

function applyDeployParameters(
  config: FlinkConfig,
  deployment: FlinkDeployment,
  deploy: DeployParameters,
): void {
  const { metadata } = deployment;
  if (deploy.savepointPath) config[KEYS.savepointPath] = deploy.savepointPath;
  else delete config[KEYS.savepointPath];
  if (deploy.jobId && config[KEYS.jobId] === undefined && deployment.spec.job)
    config[KEYS.jobId] = deploy.jobId;
  const haStorage = config[KEYS.haStorageDir];
  if (haStorage && deploy.jobResultStoreId) {
    setDefault(config, KEYS.jobResultStoreDeleteOnCommit, 'false');
    config[KEYS.jobResultStorePath] =
      `${haStorage}/job-result-store/${metadata.name}/${deploy.jobResultStoreId}`;
  }
  if (metadata.generation !== undefined) {
    config[KEYS.jobManagerAnnotations] = formatMap({
      ...parseMap(config[KEYS.jobManagerAnnotations]),
      [GENERATION_ANNOTATION]: String(metadata.generation),
    });
  }
  if (metadata.uid && metadata.name) {
    config[KEYS.jobManagerOwnerReference] = formatMapList([
      {
        apiVersion: deployment.apiVersion,
        kind: deployment.kind,
        name: metadata.name,
        uid: metadata.uid,
        controller: 'false',
        blockOwnerDeletion: 'true',
      },
    ]);
  }
}

/**
 * The effective configuration of `deployment` given the operator configuration (flat keys, as
 * in the operator's config file). With `deploy`, the settings of one concrete deployment are
 * added: savepoint to restore, job ID, job result store path, generation annotation and the
 * JobManager's owner reference.
 */
export function effectiveConfiguration(
  deployment: FlinkDeployment,
  operatorConfig: Readonly<Record<string, string>>,
  deploy?: DeployParameters,
): FlinkConfig {
  const { metadata } = deployment;
  const name = metadata.name ?? '';
  const spec: FlinkDeploymentSpec = { mode: 'native', ...deployment.spec };
  const version = spec.flinkVersion;
  const config = defaultsFor(operatorConfig, metadata.namespace, version);

  Object.assign(config, flattenFlinkConfiguration(spec.flinkConfiguration));
  setDefault(config, KEYS.restServiceType, 'ClusterIP');
  // Cancelling from the web UI would bypass the operator's upgrade and savepoint handling.
  setDefault(config, KEYS.webCancel, 'false');
  if (version) config[KEYS.flinkVersion] = version;

  if (spec.image?.trim())
    config[flinkVersionAtLeast(version, 1, 17) ? KEYS.image : KEYS.legacyImage] = spec.image;
  if (spec.imagePullPolicy?.trim()) config[KEYS.imagePullPolicy] = spec.imagePullPolicy;
  if (spec.serviceAccount) config[KEYS.serviceAccount] = spec.serviceAccount;

  if (spec.jobManager) {
    applyResources(config, 'jobmanager', spec.jobManager.resources, spec.jobManager.resource, version);
    const replicas = spec.jobManager.replicas;
    if (replicas !== undefined && replicas > 0) config[KEYS.jobManagerReplicas] = String(replicas);
  }
  if (spec.taskManager) {
    applyResources(config, 'taskmanager', spec.taskManager.resources, spec.taskManager.resource, version);
  }
  applyJobOrSession(config, name, spec);
  applyTaskManagerReplicas(config, spec);

  config[KEYS.namespace] = metadata.namespace ?? 'default';
  config[KEYS.clusterId] = name;
  if (isHighAvailabilityEnabled(config)) config[KEYS.haClusterId] = name;

  if (deploy) applyDeployParameters(config, deployment, deploy);
  return config;
}

/** The deployment mode of a spec (`native` when unset). */
export function deploymentMode(spec: FlinkDeploymentSpec): 'native' | 'standalone' {
  return spec.mode === 'standalone' ? 'standalone' : 'native';
}
