/**
 * The `job.autoscaler.*` keys, with the compatible operator's defaults. They are Flink-style keys
 * read from the operator configuration and from each resource's `spec.flinkConfiguration`; the
 * older `kubernetes.operator.job.autoscaler.*` spelling is still accepted.
 */
import type { OperatorConfig } from '../runtime/config/operator-config.ts';
import { flinkOption as f } from '../runtime/config/options.ts';

const OLD = 'kubernetes.operator.job.autoscaler.';
const old = (...names: string[]) => names.map((n) => OLD + n);

export const AutoscalerOptions = {
  enabled: f.bool('job.autoscaler.enabled', false, old('enabled')),
  scalingEnabled: f.bool('job.autoscaler.scaling.enabled', true, old('scaling.enabled')),
  metricsWindow: f.duration('job.autoscaler.metrics.window', 15 * 60_000, old('metrics.window')),
  stabilizationInterval: f.duration(
    'job.autoscaler.stabilization.interval',
    5 * 60_000,
    old('stabilization.interval'),
  ),
  targetUtilization: f.number('job.autoscaler.utilization.target', 0.7, [
    'job.autoscaler.target.utilization',
    ...old('utilization.target', 'target.utilization'),
  ]),
  targetUtilizationBoundary: f.number(
    'job.autoscaler.target.utilization.boundary',
    0.3,
    old('target.utilization.boundary'),
  ),
  utilizationMax: f.optionalNumber('job.autoscaler.utilization.max', old('utilization.max')),
  utilizationMin: f.optionalNumber('job.autoscaler.utilization.min', old('utilization.min')),
  scaleDownInterval: f.duration('job.autoscaler.scale-down.interval', 60 * 60_000, [
    'job.autoscaler.scale-up.grace-period',
    ...old('scale-up.grace-period', 'scale-down.interval'),
  ]),
  vertexMinParallelism: f.integer('job.autoscaler.vertex.min-parallelism', 1, old('vertex.min-parallelism')),
  vertexMaxParallelism: f.integer(
    'job.autoscaler.vertex.max-parallelism',
    200,
    old('vertex.max-parallelism'),
  ),
  maxScaleDownFactor: f.number('job.autoscaler.scale-down.max-factor', 0.6, old('scale-down.max-factor')),
  maxScaleUpFactor: f.number('job.autoscaler.scale-up.max-factor', 100000, old('scale-up.max-factor')),
  catchUpDuration: f.duration('job.autoscaler.catch-up.duration', 30 * 60_000, old('catch-up.duration')),
  restartTime: f.duration('job.autoscaler.restart.time', 5 * 60_000, old('restart.time')),
  backlogLagThreshold: f.duration(
    'job.autoscaler.backlog-processing.lag-threshold',
    5 * 60_000,
    old('backlog-processing.lag-threshold'),
  ),
  effectivenessDetectionEnabled: f.bool(
    'job.autoscaler.scaling.effectiveness.detection.enabled',
    false,
    old('scaling.effectiveness.detection.enabled'),
  ),
  effectivenessThreshold: f.number(
    'job.autoscaler.scaling.effectiveness.threshold',
    0.1,
    old('scaling.effectiveness.threshold'),
  ),
  gcPressureThreshold: f.number(
    'job.autoscaler.memory.gc-pressure.threshold',
    1,
    old('memory.gc-pressure.threshold'),
  ),
  heapUsageThreshold: f.number(
    'job.autoscaler.memory.heap-usage.threshold',
    1,
    old('memory.heap-usage.threshold'),
  ),
  historyMaxCount: f.integer('job.autoscaler.history.max.count', 3, old('history.max.count')),
  historyMaxAge: f.duration('job.autoscaler.history.max.age', 24 * 60 * 60_000, old('history.max.age')),
  busyTimeAggregator: f.choice(
    'job.autoscaler.metrics.busy-time.aggregator',
    'MAX',
    ['AVG', 'MAX', 'MIN'],
    old('metrics.busy-time.aggregator'),
  ),
  vertexExcludeIds: f.list('job.autoscaler.vertex.exclude.ids', [], old('vertex.exclude.ids')),
  scalingEventInterval: f.duration(
    'job.autoscaler.scaling.event.interval',
    30 * 60_000,
    old('scaling.event.interval'),
  ),
  quotaCpu: f.optionalNumber('job.autoscaler.quota.cpu', old('quota.cpu')),
  quotaMemory: f.optionalText('job.autoscaler.quota.memory', old('quota.memory')),
  alignmentMode: f.choice(
    'job.autoscaler.scaling.parallelism-alignment.mode',
    'BALANCED',
    ['BALANCED', 'EVENLY_SPREAD', 'OFF'],
    old('scaling.parallelism-alignment.mode'),
  ),
  restClientTimeout: f.duration(
    'job.autoscaler.flink.rest-client.timeout',
    10_000,
    old('flink.rest-client.timeout'),
  ),
  observedRateLagThreshold: f.duration(
    'job.autoscaler.observed-true-processing-rate.lag-threshold',
    30_000,
    old('observed-true-processing-rate.lag-threshold'),
  ),
  observedRateSwitchThreshold: f.number(
    'job.autoscaler.observed-true-processing-rate.switch-threshold',
    0.15,
    old('observed-true-processing-rate.switch-threshold'),
  ),
  observedRateMinObservations: f.integer(
    'job.autoscaler.observed-true-processing-rate.min-observations',
    2,
    old('observed-true-processing-rate.min-observations'),
  ),
  memoryTuningEnabled: f.bool('job.autoscaler.memory.tuning.enabled', false, old('memory.tuning.enabled')),
  memoryTuningOverhead: f.number('job.autoscaler.memory.tuning.overhead', 0.2, old('memory.tuning.overhead')),
  memoryTuningMaximizeManagedMemory: f.bool(
    'job.autoscaler.memory.tuning.maximize-managed-memory',
    false,
    old('memory.tuning.maximize-managed-memory'),
  ),
  memoryTuningScaleDownCompensation: f.bool(
    'job.autoscaler.memory.tuning.scale-down-compensation.enabled',
    true,
    old('memory.tuning.scale-down-compensation.enabled'),
  ),
} as const;

/** The autoscaler settings of one resource, resolved once per reconcile. */
export interface AutoscalerSettings {
  enabled: boolean;
  scalingEnabled: boolean;
  metricsWindowMs: number;
  stabilizationMs: number;
  targetUtilization: number;
  /** Utilization above which a vertex scales up and below which it scales down. */
  utilizationMax: number;
  utilizationMin: number;
  scaleDownIntervalMs: number;
  vertexMinParallelism: number;
  vertexMaxParallelism: number;
  maxScaleDownFactor: number;
  maxScaleUpFactor: number;
  catchUpDurationMs: number;
  restartTimeMs: number;
  backlogLagThresholdMs: number;
  effectivenessDetectionEnabled: boolean;
  effectivenessThreshold: number;
  gcPressureThreshold: number;
  heapUsageThreshold: number;
  historyMaxCount: number;
  historyMaxAgeMs: number;
  busyTimeAggregator: 'MAX' | 'AVG' | 'MIN';
  excludedVertices: string[];
  eventIntervalMs: number;
  quotaCpu?: number;
  quotaMemoryBytes?: number;
  alignmentMode: 'BALANCED' | 'EVENLY_SPREAD' | 'OFF';
  /** Timeout of each metrics request to the JobManager. */
  restClientTimeoutMs: number;
  /** When a source's observed processing rate replaces the busy-time estimate. */
  observedRate: {
    /** A source this far behind (in reading time) reads at full speed: its rate is observed. */
    lagThresholdMs: number;
    /** Share by which the busy-time estimate may exceed the observed rate before it is replaced. */
    switchThreshold: number;
    minObservations: number;
  };
  memoryTuning: {
    /** Apply the tuned TaskManager memory; when false it is only recommended in an Event. */
    enabled: boolean;
    /** Share added to observed heap and metaspace usage. */
    overhead: number;
    maximizeManagedMemory: boolean;
    /** Grow the heap by the ratio of TaskManagers before and after a scale-down. */
    scaleDownCompensation: boolean;
  };
}

export function autoscalerSettings(
  config: OperatorConfig,
  parseMemory: (text: string) => number,
): AutoscalerSettings {
  const target = config.get(AutoscalerOptions.targetUtilization);
  const boundary = config.get(AutoscalerOptions.targetUtilizationBoundary);
  const quotaCpu = config.get(AutoscalerOptions.quotaCpu);
  const quotaMemory = config.get(AutoscalerOptions.quotaMemory);
  return {
    enabled: config.get(AutoscalerOptions.enabled),
    scalingEnabled: config.get(AutoscalerOptions.scalingEnabled),
    metricsWindowMs: config.get(AutoscalerOptions.metricsWindow),
    stabilizationMs: config.get(AutoscalerOptions.stabilizationInterval),
    targetUtilization: target,
    utilizationMax: config.get(AutoscalerOptions.utilizationMax) ?? target + boundary,
    utilizationMin: config.get(AutoscalerOptions.utilizationMin) ?? target - boundary,
    scaleDownIntervalMs: config.get(AutoscalerOptions.scaleDownInterval),
    vertexMinParallelism: config.get(AutoscalerOptions.vertexMinParallelism),
    vertexMaxParallelism: config.get(AutoscalerOptions.vertexMaxParallelism),
    maxScaleDownFactor: config.get(AutoscalerOptions.maxScaleDownFactor),
    maxScaleUpFactor: config.get(AutoscalerOptions.maxScaleUpFactor),
    catchUpDurationMs: config.get(AutoscalerOptions.catchUpDuration),
    restartTimeMs: config.get(AutoscalerOptions.restartTime),
    backlogLagThresholdMs: config.get(AutoscalerOptions.backlogLagThreshold),
    effectivenessDetectionEnabled: config.get(AutoscalerOptions.effectivenessDetectionEnabled),
    effectivenessThreshold: config.get(AutoscalerOptions.effectivenessThreshold),
    gcPressureThreshold: config.get(AutoscalerOptions.gcPressureThreshold),
    heapUsageThreshold: config.get(AutoscalerOptions.heapUsageThreshold),
    historyMaxCount: config.get(AutoscalerOptions.historyMaxCount),
    historyMaxAgeMs: config.get(AutoscalerOptions.historyMaxAge),
    busyTimeAggregator: config.get(AutoscalerOptions.busyTimeAggregator),
    excludedVertices: config.get(AutoscalerOptions.vertexExcludeIds),
    eventIntervalMs: config.get(AutoscalerOptions.scalingEventInterval),
    ...(quotaCpu !== undefined ? { quotaCpu } : {}),
    ...(quotaMemory !== undefined ? { quotaMemoryBytes: parseMemory(quotaMemory) } : {}),
    alignmentMode: config.get(AutoscalerOptions.alignmentMode),
    restClientTimeoutMs: config.get(AutoscalerOptions.restClientTimeout),
    observedRate: {
      lagThresholdMs: config.get(AutoscalerOptions.observedRateLagThreshold),
      switchThreshold: config.get(AutoscalerOptions.observedRateSwitchThreshold),
      minObservations: config.get(AutoscalerOptions.observedRateMinObservations),
    },
    memoryTuning: {
      enabled: config.get(AutoscalerOptions.memoryTuningEnabled),
      overhead: config.get(AutoscalerOptions.memoryTuningOverhead),
      maximizeManagedMemory: config.get(AutoscalerOptions.memoryTuningMaximizeManagedMemory),
      scaleDownCompensation: config.get(AutoscalerOptions.memoryTuningScaleDownCompensation),
    },
  };
}
