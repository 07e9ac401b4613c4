/**
 * Reading `flinkConfiguration` the way Flink does: nested maps become dotted keys, scalar values
 * become strings, and a few options are read under their current key or a deprecated one.
 */
import { isRecord } from './errors.ts';

export type FlatConfig = Map<string, string>;

/** Dotted keys and string values from a `flinkConfiguration` value of any shape. */
export function flattenConfig(config: unknown, into: FlatConfig = new Map(), prefix = ''): FlatConfig {
  if (!isRecord(config)) return into;
  for (const [key, value] of Object.entries(config)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (isRecord(value)) flattenConfig(value, into, full);
    else if (Array.isArray(value)) into.set(full, value.map((v) => String(v)).join(';'));
    else if (value !== null && value !== undefined) into.set(full, String(value));
  }
  return into;
}

/** Later layers override earlier ones (operator defaults, then the resource's own configuration). */
export function mergeConfigs(...layers: unknown[]): FlatConfig {
  const merged: FlatConfig = new Map();
  for (const layer of layers) flattenConfig(layer, merged);
  return merged;
}

export interface ConfigOption {
  key: string;
  deprecatedKeys?: string[];
}

export function readOption(config: FlatConfig, option: ConfigOption): string | undefined {
  for (const key of [option.key, ...(option.deprecatedKeys ?? [])]) {
    const value = config.get(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

export function readBoolean(config: FlatConfig, option: ConfigOption, fallback: boolean): boolean {
  const value = readOption(config, option)?.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fallback;
}

export const OPTIONS = {
  checkpointDir: { key: 'execution.checkpointing.dir', deprecatedKeys: ['state.checkpoints.dir'] },
  savepointDir: { key: 'execution.checkpointing.savepoint-dir', deprecatedKeys: ['state.savepoints.dir'] },
  haType: { key: 'high-availability.type', deprecatedKeys: ['high-availability', 'recovery.mode'] },
  rollbackEnabled: { key: 'kubernetes.operator.deployment.rollback.enabled' },
  healthCheckEnabled: { key: 'kubernetes.operator.cluster.health-check.enabled' },
  jmDeploymentRecoveryEnabled: { key: 'kubernetes.operator.jm-deployment-recovery.enabled' },
  periodicSavepointInterval: {
    key: 'kubernetes.operator.periodic.savepoint.interval',
    deprecatedKeys: ['kubernetes.operator.job.periodic-savepoint.interval'],
  },
  periodicCheckpointInterval: { key: 'kubernetes.operator.periodic.checkpoint.interval' },
  lastStateMaxCheckpointAge: { key: 'kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age' },
} as const satisfies Record<string, ConfigOption>;

/** Keys the operator sets itself from the resource's identity; users may not set them. */
export const FORBIDDEN_CONFIG_KEYS = [
  'kubernetes.namespace',
  'kubernetes.cluster-id',
  'high-availability.cluster-id',
];

/** Any high-availability mode other than none. */
export function isHighAvailabilityEnabled(config: FlatConfig): boolean {
  const mode = readOption(config, OPTIONS.haType)?.trim().toLowerCase();
  return mode !== undefined && mode !== '' && mode !== 'none';
}

/** Memory options from which Flink can size a JobManager process without a resource section. */
export function jobManagerMemoryConfigured(config: FlatConfig): boolean {
  return [
    'jobmanager.memory.process.size',
    'jobmanager.memory.flink.size',
    'jobmanager.memory.heap.size',
    'jobmanager.heap.size',
  ].some((k) => config.has(k));
}

/** Memory options from which Flink can size a TaskManager process without a resource section. */
export function taskManagerMemoryConfigured(config: FlatConfig): boolean {
  return (
    config.has('taskmanager.memory.process.size') ||
    config.has('taskmanager.memory.flink.size') ||
    (config.has('taskmanager.memory.task.heap.size') && config.has('taskmanager.memory.managed.size'))
  );
}
