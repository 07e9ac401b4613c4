import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { parseQuantity } from '../../api/validation/quantity.ts';
import { expandReferences } from './expansion.ts';
import { LaunchError } from './runtimes.ts';

/** Reads ConfigMap and Secret data for environment references. */
export interface DataSource {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/**
 * Resolves a container's environment as the kubelet does: envFrom first, then env entries in
 * order, `$(VAR)` references expanded against what came before.
 */
export async function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  podIp: string,
  data: DataSource,
): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const values = await data.configMap(ns, from.configMapRef.name ?? '');
      if (!values && !from.configMapRef.optional) {
        throw new LaunchError(
          'CreateContainerConfigError',
          `configmap "${from.configMapRef.name}" not found`,
        );
      }
      for (const [k, v] of Object.entries(values ?? {})) env[prefix + k] = v;
    }
    if (from.secretRef) {
      const values = await data.secret(ns, from.secretRef.name ?? '');
      if (!values && !from.secretRef.optional) {
        throw new LaunchError('CreateContainerConfigError', `secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(values ?? {})) env[prefix + k] = v;
    }
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env[entry.name] = expandReferences(entry.value, env);
      continue;
    }
    const source = entry.valueFrom;
    if (!source) {
      env[entry.name] = '';
      continue;
    }
    if (source.fieldRef) env[entry.name] = fieldValue(pod, source.fieldRef.fieldPath, podIp);
    else if (source.resourceFieldRef)
      env[entry.name] = resourceValue(container, source.resourceFieldRef.resource);
    else if (source.configMapKeyRef) {
      const ref = source.configMapKeyRef;
      const value = (await data.configMap(ns, ref.name ?? ''))?.[ref.key];
      if (value === undefined && !ref.optional) {
        throw new LaunchError(
          'CreateContainerConfigError',
          `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`,
        );
      }
      if (value !== undefined) env[entry.name] = value;
    } else if (source.secretKeyRef) {
      const ref = source.secretKeyRef;
      const value = (await data.secret(ns, ref.name ?? ''))?.[ref.key];
      if (value === undefined && !ref.optional) {
        throw new LaunchError(
          'CreateContainerConfigError',
          `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`,
        );
      }
      if (value !== undefined) env[entry.name] = value;
    }
  }
  return env;
}

function fieldValue(pod: V1Pod, fieldPath: string, podIp: string): string {
  const labels = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (labels) return pod.metadata?.labels?.[labels[1] as string] ?? '';
  const annotations = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotations) return pod.metadata?.annotations?.[annotations[1] as string] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.hostIP':
      return podIp;
    case 'status.podIPs':
      return podIp;
    default:
      return '';
  }
}

function resourceValue(container: V1Container, resource: string): string {
  const [kind, name] = resource.split('.') as [string, string];
  const source = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  const raw = source?.[name];
  const parsed = raw === undefined ? undefined : parseQuantity(raw);
  const value = parsed?.ok ? parsed.value : undefined;
  if (value === undefined) return '0';
  return String(name === 'cpu' ? Math.max(1, Math.ceil(value)) : Math.round(value));
}
