/** The session cluster a session job runs on: its FlinkDeployment, whether it can take jobs, and its REST client. */
import { FLINK_DEPLOYMENT, type FlinkDeployment } from '../../api/index.ts';
import { FlinkRestClient } from '../../flink/rest/client.ts';
import { DEFAULT_REST_PORT, type RestAddressResolver } from '../../flink/rest/address.ts';
import { isNotFound, type KubeClient, type ResourceType } from '../../runtime/index.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';
import { FlinkKeys, haEnabled } from '../common/options.ts';

export const FLINK_DEPLOYMENTS: ResourceType = {
  group: 'flink.apache.org',
  version: 'v1beta1',
  plural: FLINK_DEPLOYMENT.plural,
  kind: 'FlinkDeployment',
  namespaced: true,
};

export type SessionState =
  | { kind: 'missing'; message: string }
  | { kind: 'deleting'; message: string }
  | { kind: 'not-ready'; message: string; ha: boolean }
  | { kind: 'ready' };

export async function readDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<FlinkDeployment | undefined> {
  try {
    return await client.get<FlinkDeployment>(FLINK_DEPLOYMENTS, namespace, name, signal);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Whether the FlinkDeployment can run session jobs now, and in words why not. */
export function sessionState(
  namespace: string,
  name: string,
  deployment: FlinkDeployment | undefined,
): SessionState {
  const id = `${namespace}/${name}`;
  if (!deployment) {
    return { kind: 'missing', message: `Session cluster FlinkDeployment ${id} not found` };
  }
  if (deployment.metadata.deletionTimestamp) {
    return { kind: 'deleting', message: `Session cluster FlinkDeployment ${id} is being deleted` };
  }
  const jm = deployment.status?.jobManagerDeploymentStatus ?? 'MISSING';
  if (jm !== 'READY') {
    return {
      kind: 'not-ready',
      message: `Session cluster FlinkDeployment ${id} is not ready (JobManager deployment status ${jm})`,
      ha: haEnabled(flattenFlinkConfiguration(deployment.spec.flinkConfiguration)),
    };
  }
  return { kind: 'ready' };
}

export function restPort(deployment: FlinkDeployment): number {
  const text = flattenFlinkConfiguration(deployment.spec.flinkConfiguration)[FlinkKeys.restPort];
  const port = Number(text);
  return text !== undefined && Number.isInteger(port) && port > 0 ? port : DEFAULT_REST_PORT;
}

export async function restClientFor(
  deployment: FlinkDeployment,
  resolve: RestAddressResolver,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<FlinkRestClient> {
  const baseUrl = await resolve(
    {
      namespace: deployment.metadata.namespace ?? 'default',
      name: deployment.metadata.name ?? '',
      port: restPort(deployment),
    },
    signal,
  );
  return new FlinkRestClient({ baseUrl, timeoutMs });
}
