/**
 * Where the operator reaches the REST API of a FlinkDeployment's JobManager.
 *
 * - `service-dns` (in a cluster): the REST Service's DNS name, `http://<name>-rest.<namespace>:<port>`.
 * - `pod-ip` (the local embedded mode): the operator runs on the host, where Service names do
 *   not resolve and local pods have loopback addresses that Kubernetes keeps out of
 *   EndpointSlices; so the Service's selector and `rest` port are read and the first Ready
 *   JobManager pod's IP is used instead.
 */
import { restServiceName } from '../resources/names.ts';
import type { ConfigOption, KubeClient, KubeObject, OperatorConfig } from '../../runtime/index.ts';
import { WellKnown } from '../../runtime/index.ts';

export const ADDRESS_RESOLUTION_MODES = ['service-dns', 'pod-ip'] as const;
export type AddressResolutionMode = (typeof ADDRESS_RESOLUTION_MODES)[number];

export const REST_ADDRESS_RESOLUTION: ConfigOption<AddressResolutionMode> = {
  key: 'kubernetes.operator.rest.address-resolution',
  defaultValue: 'service-dns',
  deprecatedKeys: [],
  parse(text) {
    const mode = text.trim().toLowerCase();
    if (!(ADDRESS_RESOLUTION_MODES as readonly string[]).includes(mode)) {
      throw new Error(`"${text}" is not one of ${ADDRESS_RESOLUTION_MODES.join(', ')}`);
    }
    return mode as AddressResolutionMode;
  },
};

export const DEFAULT_REST_PORT = 8081;

/** What to resolve: the FlinkDeployment (session or application cluster) by namespace and name. */
export interface RestTarget {
  namespace: string;
  name: string;
  /** `rest.port` of the cluster's configuration; 8081 when not set. */
  port?: number;
}

/** Base URL (no trailing slash, no `/v1`) of a cluster's REST API. */
export type RestAddressResolver = (target: RestTarget, signal?: AbortSignal) => Promise<string>;

export class RestAddressUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestAddressUnavailable';
  }
}

export function serviceDnsAddress(target: RestTarget): string {
  return `http://${restServiceName(target.name)}.${target.namespace}:${target.port ?? DEFAULT_REST_PORT}`;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

export interface ServiceObject extends KubeObject {
  spec?: { selector?: Record<string, string>; ports?: ServicePort[] };
}

export interface PodObject extends KubeObject {
  spec?: { containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

const isReady = (pod: PodObject): boolean =>
  !pod.metadata.deletionTimestamp &&
  !!pod.status?.podIP &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** The port a pod serves the Service's port on: a numeric targetPort, a named container port, or the port itself. */
function podPort(port: ServicePort, pod: PodObject): number | undefined {
  const target = port.targetPort;
  if (typeof target === 'number') return target;
  if (target === undefined || target === '') return port.port;
  if (/^\d+$/.test(target)) return Number(target);
  for (const container of pod.spec?.containers ?? []) {
    const match = container.ports?.find((p) => p.name === target);
    if (match) return match.containerPort;
  }
  return undefined;
}

/**
 * The REST address on the first Ready pod (by name, for a stable choice) behind the Service's
 * `rest` port (its only port when none is named so); an error says what is missing.
 */
export function podIpAddress(service: ServiceObject, pods: PodObject[]): string {
  const serviceName = `${service.metadata.namespace}/${service.metadata.name}`;
  const ports = service.spec?.ports ?? [];
  const port = ports.find((p) => p.name === 'rest') ?? (ports.length === 1 ? ports[0] : undefined);
  if (!port) throw new RestAddressUnavailable(`Service ${serviceName} has no port named rest`);
  const ready = pods
    .filter(isReady)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const pod of ready) {
    const number = podPort(port, pod);
    if (number !== undefined) return `http://${pod.status?.podIP}:${number}`;
  }
  throw new RestAddressUnavailable(
    ready.length === 0
      ? `no Ready pod behind Service ${serviceName}`
      : `no Ready pod behind Service ${serviceName} serves its port ${String(port.targetPort)}`,
  );
}

export function selectorText(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The resolver the operator configuration asks for. */
export function restAddressResolver(client: KubeClient, config: () => OperatorConfig): RestAddressResolver {
  return async (target, signal) => {
    if (config().get(REST_ADDRESS_RESOLUTION) === 'service-dns') return serviceDnsAddress(target);
    const service = await client
      .get<ServiceObject>(WellKnown.services, target.namespace, restServiceName(target.name), signal)
      .catch((err: unknown) => {
        if ((err as { status?: number }).status === 404) {
          throw new RestAddressUnavailable(
            `Service ${target.namespace}/${restServiceName(target.name)} not found`,
          );
        }
        throw err;
      });
    const selector = service.spec?.selector ?? {};
    if (Object.keys(selector).length === 0) {
      throw new RestAddressUnavailable(
        `Service ${target.namespace}/${restServiceName(target.name)} has no selector`,
      );
    }
    const pods = await client.list<PodObject>(WellKnown.pods, target.namespace, {
      labelSelector: selectorText(selector),
      signal,
    });
    return podIpAddress(service, pods.items);
  };
}
