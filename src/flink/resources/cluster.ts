/** The Deployments, Services and ConfigMaps of a Flink cluster, native or standalone. */
import type { V1ConfigMap, V1Deployment, V1OwnerReference, V1Service } from '@kubernetes/client-node';
import YAML from 'yaml';
import { REST_SERVICE_TYPES, type FlinkDeployment, type PodTemplate } from '../../api/index.ts';
import { deploymentMode } from '../config/effective.ts';
import { isHighAvailabilityEnabled } from '../config/high-availability.ts';
import { FLINK_DEFAULTS, JOB_MANAGER_ENV_PREFIX, KEYS, TASK_MANAGER_ENV_PREFIX } from '../config/keys.ts';
import { loggingFiles } from '../config/logging.ts';
import { processMemoryMiB } from '../config/memory.ts';
import { parseList, parseMap, parseMapList } from '../config/values.ts';
import { configFileName, renderConfigFile } from '../config/config-file.ts';
import { POD_TEMPLATE_DIR, TASK_MANAGER_POD_TEMPLATE_FILE } from './cluster-config.ts';
import {
  commonLabels,
  flinkConfigMapName,
  internalServiceName,
  jobManagerDeploymentName,
  jobManagerSelector,
  podTemplateConfigMapName,
  restServiceName,
  taskManagerDeploymentName,
  taskManagerSelector,
  type DeploymentMode,
} from './names.ts';
import {
  addEnv,
  addPort,
  addVolume,
  addVolumeMount,
  envFromSecrets,
  loadPod,
  mountSecrets,
  numberOption,
  podTemplateSpec,
  prefixedEnv,
  processResources,
  resolveUserDefined,
  schedulingFromConfig,
  type FlinkPod,
  type Json,
} from './pod.ts';

type Config = Readonly<Record<string, string>>;

const FLINK_CONF_VOLUME = 'flink-config-volume';
const POD_TEMPLATE_VOLUME = 'pod-template-volume';
const USER_ARTIFACTS_VOLUME = 'user-artifacts-volume';
const USER_LIB_VOLUME = 'user-lib-dir';
const USER_LIB_DIR = '/opt/flink/usrlib';
/** Log configuration files Flink ships, in the order it lists them in the config volume. */
const LOG_FILE_ORDER = [
  'logback.xml',
  'log4j.properties',
  'logback-console.xml',
  'log4j-console.properties',
  'logback-session.xml',
  'log4j-session.properties',
  'log4j-cli.properties',
];

export interface ClusterContext {
  deployment: FlinkDeployment;
  name: string;
  namespace: string;
  mode: DeploymentMode;
  /** The configuration the cluster runs with (see `clusterConfiguration`). */
  config: Config;
  logFiles: Record<string, string>;
}

export function clusterContext(deployment: FlinkDeployment, config: Config): ClusterContext {
  return {
    deployment,
    name: deployment.metadata.name ?? '',
    namespace: deployment.metadata.namespace ?? 'default',
    mode: deploymentMode(deployment.spec),
    config,
    logFiles: loggingFiles(deployment.spec.logConfiguration),
  };
}

function defaultImage(deployment: FlinkDeployment): string {
  const match = /^v(\d+)_(\d+)$/.exec(deployment.spec.flinkVersion ?? '');
  return match ? `apache/flink:${match[1]}.${match[2]}` : 'apache/flink:latest';
}

/** Owner references from `kubernetes.jobmanager.owner.reference` (keys in any case). */
function ownerReferences(config: Config): V1OwnerReference[] {
  return parseMapList(config[KEYS.jobManagerOwnerReference]).map((entry) => {
    const get = (key: string): string | undefined =>
      Object.entries(entry).find(([k]) => k.toLowerCase() === key)?.[1];
    return {
      apiVersion: get('apiversion') ?? '',
      kind: get('kind') ?? '',
      name: get('name') ?? '',
      uid: get('uid') ?? '',
      ...(get('controller') !== undefined && { controller: get('controller') === 'true' }),
      ...(get('blockownerdeletion') !== undefined && {
        blockOwnerDeletion: get('blockownerdeletion') === 'true',
      }),
    };
  });
}

function mountFlinkConfig(pod: FlinkPod, ctx: ClusterContext): void {
  const configFile = configFileName(ctx.deployment.spec.flinkVersion);
  const items = [...LOG_FILE_ORDER.filter((f) => f in ctx.logFiles), configFile].map((f) => ({
    key: f,
    path: f,
  }));
  addVolume(pod, { name: FLINK_CONF_VOLUME, configMap: { name: flinkConfigMapName(ctx.name), items } });
  addVolumeMount(pod, {
    name: FLINK_CONF_VOLUME,
    mountPath: ctx.config[KEYS.confDir] ?? FLINK_DEFAULTS.confDir,
  });
}

function image(ctx: ClusterContext): string {
  return ctx.config[KEYS.image] ?? ctx.config[KEYS.legacyImage] ?? defaultImage(ctx.deployment);
}

function logDirEnv(pod: FlinkPod, config: Config): void {
  const logDir = config[KEYS.logDir];
  if (logDir) addEnv(pod, { name: 'FLINK_LOG_DIR', value: logDir });
}

/** The JobManager pod: Flink's JobManager decorators applied to the merged template. */
function jobManagerPod(
  ctx: ClusterContext,
  template: PodTemplate | undefined,
  hasTaskManagerTemplate: boolean,
): FlinkPod {
  const { config } = ctx;
  const pod = loadPod(template);
  const selector = jobManagerSelector(ctx.name, ctx.mode);
  const userLabels = parseMap(config[KEYS.jobManagerLabels]);
  pod.labels = {
    ...pod.labels,
    ...(ctx.mode === 'standalone' ? { ...selector, ...userLabels } : { ...userLabels, ...selector }),
  };
  pod.annotations = { ...pod.annotations, ...parseMap(config[KEYS.jobManagerAnnotations]) };

  const serviceAccount = resolveUserDefined(
    config,
    [KEYS.jobManagerServiceAccount, KEYS.serviceAccount],
    FLINK_DEFAULTS.serviceAccount,
    (pod.spec.serviceAccount ?? pod.spec.serviceAccountName) as string | undefined,
  );
  const hostNetwork = config[KEYS.hostNetwork]?.trim().toLowerCase() === 'true';
  pod.spec.serviceAccount = serviceAccount;
  pod.spec.serviceAccountName = serviceAccount;
  pod.spec.hostNetwork = hostNetwork;
  pod.spec.dnsPolicy = hostNetwork
    ? 'ClusterFirstWithHostNet'
    : ((pod.spec.dnsPolicy as string | undefined) ?? 'ClusterFirst');
  // A Deployment's pods must restart; a template's other policy cannot apply.
  delete pod.spec.restartPolicy;
  addVolume(pod, { name: USER_ARTIFACTS_VOLUME, emptyDir: {} });
  schedulingFromConfig(pod, config, KEYS.jobManagerNodeSelector, KEYS.jobManagerTolerations);

  pod.main.name = 'flink-main-container';
  // A JobManager that dies at start-up (a missing jar, a bad config) says why in its pod status.
  pod.main.terminationMessagePolicy ??= 'FallbackToLogsOnError';
  pod.main.image = resolveUserDefined(
    config,
    [KEYS.image, KEYS.legacyImage],
    image(ctx),
    pod.main.image as string | undefined,
  );
  pod.main.imagePullPolicy = resolveUserDefined(
    config,
    [KEYS.imagePullPolicy],
    FLINK_DEFAULTS.imagePullPolicy,
    pod.main.imagePullPolicy as string | undefined,
  );
  pod.main.resources = processResources(
    pod.main.resources,
    processMemoryMiB(config, 'jobmanager'),
    numberOption(config, KEYS.jobManagerMemoryLimitFactor, 1),
    numberOption(config, KEYS.jobManagerCpu, FLINK_DEFAULTS.jobManagerCpu),
    numberOption(config, KEYS.jobManagerCpuLimitFactor, 1),
  );
  addVolumeMount(pod, {
    name: USER_ARTIFACTS_VOLUME,
    mountPath: config[KEYS.userArtifactsDir] ?? FLINK_DEFAULTS.userArtifactsDir,
  });
  if (!hostNetwork) {
    addPort(pod, {
      name: 'rest',
      containerPort: numberOption(config, KEYS.restPort, FLINK_DEFAULTS.restPort),
    });
    addPort(pod, {
      name: 'jobmanager-rpc',
      containerPort: numberOption(config, KEYS.rpcPort, FLINK_DEFAULTS.rpcPort),
    });
    addPort(pod, {
      name: 'blobserver',
      containerPort: numberOption(config, KEYS.blobPort, FLINK_DEFAULTS.blobPort),
    });
  }
  for (const env of prefixedEnv(config, JOB_MANAGER_ENV_PREFIX)) addEnv(pod, env);
  addEnv(pod, {
    name: '_POD_IP_ADDRESS',
    valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } },
  });
  logDirEnv(pod, config);
  envFromSecrets(pod, config);
  mountSecrets(pod, config);

  pod.main.command = [config[KEYS.entryPath] ?? FLINK_DEFAULTS.entryPath];
  pod.main.args = ctx.mode === 'native' ? nativeJobManagerArgs(ctx) : standaloneJobManagerArgs(ctx);

  mountFlinkConfig(pod, ctx);
  if (ctx.mode === 'native' && hasTaskManagerTemplate) {
    addVolume(pod, {
      name: POD_TEMPLATE_VOLUME,
      configMap: {
        name: podTemplateConfigMapName(ctx.name),
        items: [{ key: TASK_MANAGER_POD_TEMPLATE_FILE, path: TASK_MANAGER_POD_TEMPLATE_FILE }],
      },
    });
    addVolumeMount(pod, { name: POD_TEMPLATE_VOLUME, mountPath: POD_TEMPLATE_DIR });
  }
  if (ctx.mode === 'standalone') mountUserLib(pod, ctx);
  return pod;
}

/** `bash -c "kubernetes-jobmanager.sh <target> <entrypoint args>"`, as Flink starts its JobManager. */
function nativeJobManagerArgs(ctx: ClusterContext): string[] {
  const target = ctx.deployment.spec.job ? 'kubernetes-application' : 'kubernetes-session';
  return [
    'bash',
    '-c',
    `kubernetes-jobmanager.sh ${target} ${ctx.config[KEYS.jobManagerEntrypointArgs] ?? ''}`,
  ];
}

/** With HA every JobManager announces its own pod IP instead of the shared Service name. */
const POD_IP_RPC_ADDRESS = ['-D', `${KEYS.rpcAddress}=$(_POD_IP_ADDRESS)`];

/** The standalone entry points: `standalone-job` (application) or `jobmanager` (session). */
function standaloneJobManagerArgs(ctx: ClusterContext): string[] {
  const { config } = ctx;
  const ha = isHighAvailabilityEnabled(config);
  if (!ctx.deployment.spec.job) return ['jobmanager', ...(ha ? POD_IP_RPC_ADDRESS : [])];
  const args = ['standalone-job'];
  const mainClass = config[KEYS.applicationMain];
  if (mainClass) args.push('--job-classname', mainClass);
  if (config[KEYS.ignoreUnclaimedState]?.trim().toLowerCase() === 'true')
    args.push('--allowNonRestoredState');
  const savepoint = config[KEYS.savepointPath];
  if (savepoint) args.push('--fromSavepoint', savepoint);
  if (ha) args.push(...POD_IP_RPC_ADDRESS);
  const jobArgs = config[KEYS.applicationArgs];
  if (jobArgs !== undefined) args.push(...parseList(jobArgs));
  return args;
}

/** Standalone application clusters load the job jar from an (initially empty) usrlib folder. */
function mountUserLib(pod: FlinkPod, ctx: ClusterContext): void {
  if (!ctx.deployment.spec.job || ctx.config[KEYS.classpaths] === undefined) return;
  const mounts = (pod.main.volumeMounts as Json[] | undefined) ?? [];
  if (mounts.some((m) => String(m.mountPath ?? '').startsWith(USER_LIB_DIR))) return;
  addVolume(pod, { name: USER_LIB_VOLUME, emptyDir: {} });
  addVolumeMount(pod, { name: USER_LIB_VOLUME, mountPath: USER_LIB_DIR });
}

/** The standalone TaskManager pod. */
function taskManagerPod(ctx: ClusterContext, template: PodTemplate | undefined): FlinkPod {
  const { config } = ctx;
  const pod = loadPod(template);
  pod.labels = {
    ...pod.labels,
    ...parseMap(config[KEYS.taskManagerLabels]),
    ...taskManagerSelector(ctx.name, ctx.mode),
  };
  pod.annotations = { ...pod.annotations, ...parseMap(config[KEYS.taskManagerAnnotations]) };
  const serviceAccount =
    config[KEYS.taskManagerServiceAccount] ?? config[KEYS.serviceAccount] ?? FLINK_DEFAULTS.serviceAccount;
  pod.spec.serviceAccount = serviceAccount;
  pod.spec.serviceAccountName = serviceAccount;
  schedulingFromConfig(pod, config, KEYS.taskManagerNodeSelector, KEYS.taskManagerTolerations);

  const slots = numberOption(config, KEYS.slots, 1);
  const configuredCpu = numberOption(config, KEYS.taskManagerCpu, -1);
  pod.main.name = 'flink-main-container';
  pod.main.image = image(ctx);
  pod.main.imagePullPolicy = config[KEYS.imagePullPolicy] ?? FLINK_DEFAULTS.imagePullPolicy;
  pod.main.resources = processResources(
    pod.main.resources,
    processMemoryMiB(config, 'taskmanager'),
    numberOption(config, KEYS.taskManagerMemoryLimitFactor, 1),
    // Without a configured amount a TaskManager asks for one cpu per slot, as in native mode.
    configuredCpu > 0 ? configuredCpu : slots,
    numberOption(config, KEYS.taskManagerCpuLimitFactor, 1),
  );
  addPort(pod, {
    name: 'taskmanager-rpc',
    containerPort: numberOption(config, KEYS.taskManagerRpcPort, FLINK_DEFAULTS.taskManagerRpcPort),
  });
  for (const env of prefixedEnv(config, TASK_MANAGER_ENV_PREFIX)) addEnv(pod, env);
  logDirEnv(pod, config);
  envFromSecrets(pod, config);
  mountSecrets(pod, config);
  pod.main.command = [config[KEYS.entryPath] ?? FLINK_DEFAULTS.entryPath];
  pod.main.args = ['taskmanager'];
  mountFlinkConfig(pod, ctx);
  return pod;
}

function deploymentObject(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  owners: V1OwnerReference[],
  replicas: number,
  selector: Record<string, string>,
  pod: FlinkPod,
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace,
      labels,
      ...(Object.keys(annotations).length > 0 && { annotations }),
      ...(owners.length > 0 && { ownerReferences: owners }),
    },
    spec: { replicas, selector: { matchLabels: selector }, template: podTemplateSpec(pod) },
  };
}

export function jobManagerDeployment(
  ctx: ClusterContext,
  template: PodTemplate | undefined,
  hasTaskManagerTemplate: boolean,
): V1Deployment {
  const { config } = ctx;
  const selector = jobManagerSelector(ctx.name, ctx.mode);
  const userLabels = parseMap(config[KEYS.jobManagerLabels]);
  const labels = ctx.mode === 'standalone' ? { ...selector, ...userLabels } : { ...userLabels, ...selector };
  return deploymentObject(
    jobManagerDeploymentName(ctx.name),
    ctx.namespace,
    labels,
    parseMap(config[KEYS.jobManagerAnnotations]),
    ownerReferences(config),
    numberOption(config, KEYS.jobManagerReplicas, 1),
    selector,
    jobManagerPod(ctx, template, hasTaskManagerTemplate),
  );
}

export function taskManagerDeployment(ctx: ClusterContext, template: PodTemplate | undefined): V1Deployment {
  const { config } = ctx;
  const selector = taskManagerSelector(ctx.name, ctx.mode);
  return deploymentObject(
    taskManagerDeploymentName(ctx.name),
    ctx.namespace,
    { ...parseMap(config[KEYS.taskManagerLabels]), ...selector },
    parseMap(config[KEYS.taskManagerAnnotations]),
    ownerReferences(config),
    numberOption(config, KEYS.taskManagerReplicas, 1),
    selector,
    taskManagerPod(ctx, template),
  );
}

/** The headless Service JobManager RPC and blob traffic goes through (no HA, or standalone). */
export function internalService(ctx: ClusterContext): V1Service {
  const { config } = ctx;
  const annotations = parseMap(config[KEYS.internalServiceAnnotations]);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: internalServiceName(ctx.name),
      namespace: ctx.namespace,
      labels: { ...commonLabels(ctx.name, ctx.mode), ...parseMap(config[KEYS.internalServiceLabels]) },
      ...(Object.keys(annotations).length > 0 && { annotations }),
    },
    spec: {
      clusterIP: 'None',
      selector: jobManagerSelector(ctx.name, ctx.mode),
      ports: [
        { name: 'jobmanager-rpc', port: numberOption(config, KEYS.rpcPort, FLINK_DEFAULTS.rpcPort) },
        { name: 'blobserver', port: numberOption(config, KEYS.blobPort, FLINK_DEFAULTS.blobPort) },
      ],
    },
  };
}

/** The REST Service `<name>-rest` of the type `kubernetes.rest-service.exposed.type` says. */
export function restService(ctx: ClusterContext): V1Service {
  const { config } = ctx;
  // Flink reads the type case-insensitively; Kubernetes wants its own spelling.
  const written = (config[KEYS.restServiceType] ?? 'ClusterIP').trim().toLowerCase();
  const exposed = REST_SERVICE_TYPES.find((t) => t.toLowerCase() === written) ?? 'ClusterIP';
  const restPort = numberOption(config, KEYS.restPort, FLINK_DEFAULTS.restPort);
  const annotations = parseMap(config[KEYS.restServiceAnnotations]);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: restServiceName(ctx.name),
      namespace: ctx.namespace,
      labels: { ...commonLabels(ctx.name, ctx.mode), ...parseMap(config[KEYS.restServiceLabels]) },
      ...(Object.keys(annotations).length > 0 && { annotations }),
    },
    spec: {
      type: exposed === 'Headless_ClusterIP' ? 'ClusterIP' : exposed,
      ...(exposed === 'Headless_ClusterIP' && { clusterIP: 'None' }),
      selector: jobManagerSelector(ctx.name, ctx.mode),
      ports: [
        { name: 'rest', port: restPort, targetPort: numberOption(config, KEYS.restBindPort, restPort) },
      ],
    },
  };
}

export function flinkConfigMap(ctx: ClusterContext): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: flinkConfigMapName(ctx.name),
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.mode),
    },
    data: ((file) => ({ ...ctx.logFiles, [file.name]: file.text }))(
      renderConfigFile(ctx.deployment.spec.flinkVersion, ctx.config),
    ),
  };
}

/** The TaskManager pod template the native JobManager creates TaskManager pods from. */
export function podTemplateConfigMap(ctx: ClusterContext, template: PodTemplate): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: podTemplateConfigMapName(ctx.name),
      namespace: ctx.namespace,
      labels: commonLabels(ctx.name, ctx.mode),
    },
    data: { [TASK_MANAGER_POD_TEMPLATE_FILE]: YAML.stringify(template, { lineWidth: 0 }) },
  };
}
