/**
 * Names and labels of the objects of a Flink cluster, the same as Flink's native Kubernetes
 * integration and the compatible operator give them (so that either can adopt the other's).
 */

export const MAIN_CONTAINER_NAME = 'flink-main-container';

export const LABEL_APP = 'app';
export const LABEL_COMPONENT = 'component';
export const LABEL_TYPE = 'type';
export const COMPONENT_JOB_MANAGER = 'jobmanager';
export const COMPONENT_TASK_MANAGER = 'taskmanager';
export const COMPONENT_INGRESS = 'ingress';
export const TYPE_NATIVE = 'flink-native-kubernetes';
export const TYPE_STANDALONE = 'flink-standalone-kubernetes';

export type DeploymentMode = 'native' | 'standalone';

export const jobManagerDeploymentName = (name: string): string => name;
export const taskManagerDeploymentName = (name: string): string => `${name}-taskmanager`;
export const restServiceName = (name: string): string => `${name}-rest`;
export const internalServiceName = (name: string): string => name;
export const flinkConfigMapName = (name: string): string => `flink-config-${name}`;
export const podTemplateConfigMapName = (name: string): string => `pod-template-${name}`;
export const ingressName = (name: string): string => name;

/** Labels every object of the cluster carries. */
export function commonLabels(name: string, mode: DeploymentMode = 'native'): Record<string, string> {
  return { [LABEL_TYPE]: mode === 'standalone' ? TYPE_STANDALONE : TYPE_NATIVE, [LABEL_APP]: name };
}

/** Labels selecting the JobManager pods. */
export function jobManagerSelector(name: string, mode: DeploymentMode = 'native'): Record<string, string> {
  return { ...commonLabels(name, mode), [LABEL_COMPONENT]: COMPONENT_JOB_MANAGER };
}

/** Labels selecting the TaskManager pods. */
export function taskManagerSelector(name: string, mode: DeploymentMode = 'native'): Record<string, string> {
  return { ...commonLabels(name, mode), [LABEL_COMPONENT]: COMPONENT_TASK_MANAGER };
}

/** A label selector string (`a=b,c=d`) for list and watch calls. */
export function labelSelectorString(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * `status.taskManager.labelSelector` as the compatible operator writes it (the scale subresource
 * reads it): `component=taskmanager,app=<name>`.
 */
export function taskManagerStatusSelector(name: string): string {
  return `${LABEL_COMPONENT}=${COMPONENT_TASK_MANAGER},${LABEL_APP}=${name}`;
}

/** The in-cluster base URL of the JobManager REST API: `http://<name>-rest.<namespace>:<port>`. */
export function restUrl(name: string, namespace: string, port = 8081): string {
  return `http://${restServiceName(name)}.${namespace}:${port}`;
}
