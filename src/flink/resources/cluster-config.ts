/**
 * The configuration a cluster runs with (config.yaml in `flink-config-<name>`): the shipped part
 * of the effective configuration plus what Flink's Kubernetes client adds before it creates a
 * cluster — fixed ports (Services need them), the entry point class, the JobManager address
 * (the internal Service, unless HA makes every JobManager announce its pod IP) and where the
 * JobManager finds the TaskManager pod template.
 */
import type { FlinkDeployment } from '../../api/index.ts';
import { deploymentMode } from '../config/effective.ts';
import { isHighAvailabilityEnabled } from '../config/high-availability.ts';
import { FLINK_DEFAULTS, KEYS } from '../config/keys.ts';
import { shippedConfiguration } from '../config/shipped.ts';
import { internalServiceName } from './names.ts';

export const POD_TEMPLATE_DIR = '/opt/flink/pod-template';
export const TASK_MANAGER_POD_TEMPLATE_FILE = 'taskmanager-pod-template.yaml';

const APPLICATION_ENTRYPOINT =
  'org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint';
const SESSION_ENTRYPOINT = 'org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint';

type Config = Record<string, string>;

function fixPort(config: Config, key: string, port: number): void {
  const value = config[key]?.trim();
  if (value === undefined || value === '' || value === '0') config[key] = String(port);
}

export function clusterConfiguration(
  deployment: FlinkDeployment,
  effective: Readonly<Record<string, string>>,
  hasTaskManagerTemplate: boolean,
): Config {
  const config = shippedConfiguration(effective);
  const mode = deploymentMode(deployment.spec);
  const ha = isHighAvailabilityEnabled(config);
  if (mode === 'native') {
    config[KEYS.executionMode] = 'NORMAL';
    config[KEYS.entrypointClass] = deployment.spec.job ? APPLICATION_ENTRYPOINT : SESSION_ENTRYPOINT;
    delete config[KEYS.jobManagerPodTemplate];
    if (hasTaskManagerTemplate) {
      config[KEYS.taskManagerPodTemplate] = `${POD_TEMPLATE_DIR}/${TASK_MANAGER_POD_TEMPLATE_FILE}`;
    } else {
      delete config[KEYS.taskManagerPodTemplate];
    }
  }
  fixPort(config, KEYS.blobPort, FLINK_DEFAULTS.blobPort);
  fixPort(config, KEYS.taskManagerRpcPort, FLINK_DEFAULTS.taskManagerRpcPort);
  if (config[KEYS.restBindPort]?.trim() === '0') config[KEYS.restBindPort] = String(FLINK_DEFAULTS.restPort);
  if (ha) {
    config[KEYS.haClusterId] = config[KEYS.clusterId] ?? '';
    fixPort(config, KEYS.haJobManagerPort, Number(config[KEYS.rpcPort] ?? FLINK_DEFAULTS.rpcPort));
  }
  if (mode === 'standalone' || !ha) {
    config[KEYS.rpcAddress] =
      `${internalServiceName(config[KEYS.clusterId] ?? '')}.${config[KEYS.namespace]}`;
  }
  return config;
}

/** The JobManager REST base URL for a cluster configuration (https when REST SSL is on). */
export function restUrlOf(config: Readonly<Record<string, string>>): string {
  const ssl =
    (config['security.ssl.rest.enabled'] ?? config['security.ssl.enabled'])?.trim().toLowerCase() === 'true';
  const port = config[KEYS.restPort] ?? String(FLINK_DEFAULTS.restPort);
  return `${ssl ? 'https' : 'http'}://${config[KEYS.clusterId]}-rest.${config[KEYS.namespace]}:${port}`;
}
