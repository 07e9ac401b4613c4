/**
 * Building a Flink pod from a template the way Flink's Kubernetes decorators do: the main
 * container (`flink-main-container`) is taken out of the template, fields the cluster depends on
 * are set on it and on the pod, and it is put back last. Lists the operator adds to (volumes,
 * mounts, env, ports) are merged by name: an entry the operator needs replaces a user entry of
 * the same name, other user entries stay.
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { PodTemplate } from '../../api/index.ts';
import { KEYS } from '../config/keys.ts';
import { formatDouble } from '../config/memory.ts';
import { parseMap, parseMapList } from '../config/values.ts';
import { MAIN_CONTAINER_NAME } from './names.ts';

export type Json = { [key: string]: unknown };
type Config = Readonly<Record<string, string>>;

export interface FlinkPod {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Other metadata fields of the template, kept as they are. */
  metadata: Json;
  /** The pod spec without the main container. */
  spec: Json;
  main: Json;
}

export function loadPod(template: PodTemplate | undefined): FlinkPod {
  const copy = structuredClone(template ?? {});
  const {
    labels = {},
    annotations = {},
    name: _name,
    namespace: _namespace,
    ...metadata
  } = copy.metadata ?? {};
  const spec: Json = { ...copy.spec };
  const containers = (spec.containers as Json[] | undefined) ?? [];
  const main = containers.find((c) => c.name === MAIN_CONTAINER_NAME) ?? {};
  spec.containers = containers.filter((c) => c !== main);
  return { labels: { ...labels }, annotations: { ...annotations }, metadata, spec, main: { ...main } };
}

/** The pod template of a Deployment: the main container goes after the template's others. */
export function podTemplateSpec(pod: FlinkPod): V1PodTemplateSpec {
  const containers = [...((pod.spec.containers as Json[] | undefined) ?? []), pod.main];
  return {
    metadata: {
      ...pod.metadata,
      labels: pod.labels,
      ...(Object.keys(pod.annotations).length > 0 && { annotations: pod.annotations }),
    },
    spec: { ...pod.spec, containers } as unknown as V1PodTemplateSpec['spec'],
  };
}

/** `item` put into `list` in place of an entry with the same name, else appended. */
export function upsertByName(list: unknown, item: Json): Json[] {
  const items = Array.isArray(list) ? (list as Json[]) : [];
  const index = items.findIndex((existing) => existing?.name === item.name);
  if (index < 0) return [...items, item];
  const out = [...items];
  out[index] = item;
  return out;
}

export function addVolume(pod: FlinkPod, volume: Json): void {
  pod.spec.volumes = upsertByName(pod.spec.volumes, volume);
}

export function addVolumeMount(pod: FlinkPod, mount: Json): void {
  pod.main.volumeMounts = upsertByName(pod.main.volumeMounts, mount);
}

export function addEnv(pod: FlinkPod, env: Json): void {
  pod.main.env = upsertByName(pod.main.env, env);
}

export function addPort(pod: FlinkPod, port: Json): void {
  pod.main.ports = upsertByName(pod.main.ports, port);
}

/** Flink's rule for a value both the configuration and the template may set. */
export function resolveUserDefined(
  config: Config,
  keys: readonly string[],
  fallback: string,
  fromTemplate: string | undefined,
): string {
  const configured = keys.map((key) => config[key]).find((v) => v !== undefined);
  if (fromTemplate !== undefined && fromTemplate !== null && configured === undefined) return fromTemplate;
  return configured ?? fallback;
}

/**
 * Container resources: the template's, with memory and cpu requests set to the process size and
 * cpu, and limits to those times their limit factors (as Flink computes them).
 */
export function processResources(
  existing: unknown,
  memoryMiB: number,
  memoryLimitFactor: number,
  cpu: number,
  cpuLimitFactor: number,
): Json {
  const base = (existing as { requests?: Json; limits?: Json } | undefined) ?? {};
  return {
    ...base,
    requests: { ...base.requests, memory: `${memoryMiB}Mi`, cpu: formatDouble(cpu) },
    limits: {
      ...base.limits,
      memory: `${Math.floor(memoryMiB * memoryLimitFactor)}Mi`,
      cpu: formatDouble(cpu * cpuLimitFactor),
    },
  };
}

export function numberOption(config: Config, key: string, fallback: number): number {
  const raw = config[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) ? value : fallback;
}

/** Environment variables from `<prefix>NAME: value` options. */
export function prefixedEnv(config: Config, prefix: string): Json[] {
  return Object.entries(config)
    .filter(([key]) => key.startsWith(prefix) && key.length > prefix.length)
    .map(([key, value]) => ({ name: key.slice(prefix.length), value }));
}

/** Tolerations from Flink's `key:k,operator:Equal,value:v,effect:NoSchedule;...` option. */
export function tolerations(text: string | undefined): Json[] {
  const fields: Record<string, string> = {
    key: 'key',
    operator: 'operator',
    value: 'value',
    effect: 'effect',
    tolerationseconds: 'tolerationSeconds',
  };
  return parseMapList(text).map((entry) => {
    const toleration: Json = {};
    for (const [k, v] of Object.entries(entry)) {
      const field = fields[k.toLowerCase()];
      if (field === 'tolerationSeconds') toleration[field] = Number(v);
      else if (field) toleration[field] = v;
    }
    return toleration;
  });
}

/** Secrets mounted into the main container (`kubernetes.secrets: name:/path,...`). */
export function mountSecrets(pod: FlinkPod, config: Config): void {
  for (const [secret, path] of Object.entries(parseMap(config[KEYS.secrets]))) {
    addVolume(pod, { name: `${secret}-volume`, secret: { secretName: secret } });
    addVolumeMount(pod, { name: `${secret}-volume`, mountPath: path });
  }
}

/** Environment variables read from secrets (`kubernetes.env.secretKeyRef: env:X,secret:s,key:k;...`). */
export function envFromSecrets(pod: FlinkPod, config: Config): void {
  for (const ref of parseMapList(config[KEYS.envSecretKeyRef])) {
    if (!ref.env || !ref.secret || !ref.key) continue;
    addEnv(pod, { name: ref.env, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } });
  }
}

/** Image pull secrets, node selector and tolerations from the configuration, added to the pod's. */
export function schedulingFromConfig(
  pod: FlinkPod,
  config: Config,
  nodeSelectorKey: string,
  tolerationsKey: string,
): void {
  const pullSecrets = (config[KEYS.imagePullSecrets] ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((name) => ({ name }));
  if (pullSecrets.length > 0) {
    pod.spec.imagePullSecrets = [
      ...((pod.spec.imagePullSecrets as Json[] | undefined) ?? []),
      ...pullSecrets,
    ];
  }
  const nodeSelector = parseMap(config[nodeSelectorKey]);
  if (Object.keys(nodeSelector).length > 0) {
    pod.spec.nodeSelector = { ...(pod.spec.nodeSelector as Json | undefined), ...nodeSelector };
  }
  const extraTolerations = tolerations(config[tolerationsKey]);
  if (extraTolerations.length > 0) {
    pod.spec.tolerations = [...((pod.spec.tolerations as Json[] | undefined) ?? []), ...extraTolerations];
  }
}
