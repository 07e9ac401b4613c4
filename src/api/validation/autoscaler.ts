/**
 * The `job.autoscaler.*` keys of an effective configuration: when the autoscaler is on, every key
 * must parse and the ratios and factors must lie within the ranges the algorithm can use; the
 * metrics window must hold at least two samples, one per reconcile.
 */
import { AutoscalerOptions } from '../../autoscaler/options.ts';
import { OperatorConfig } from '../../runtime/config/operator-config.ts';
import { RuntimeOptions, type ConfigOption } from '../../runtime/config/options.ts';
import type { ErrorList } from './errors.ts';
import type { FlatConfig } from './flink-config.ts';
import { parseMemory } from './quantity.ts';

const PATH = 'spec.flinkConfiguration';

interface Range {
  option: ConfigOption<number | undefined>;
  min: number | ((c: OperatorConfig) => number);
  max?: number | ((c: OperatorConfig) => number);
  /** Checked only while this feature is on: otherwise the value has no effect. */
  onlyWith?: ConfigOption<boolean>;
}

const O = AutoscalerOptions;
const target = (c: OperatorConfig) => c.get(O.targetUtilization);

const RANGES: Range[] = [
  { option: O.maxScaleDownFactor, min: 0 },
  { option: O.maxScaleUpFactor, min: 0 },
  { option: O.targetUtilization, min: 0, max: 1 },
  { option: O.targetUtilizationBoundary, min: 0 },
  { option: O.utilizationMax, min: target, max: 1 },
  { option: O.utilizationMin, min: 0, max: target },
  { option: O.gcPressureThreshold, min: 0, max: 1 },
  { option: O.heapUsageThreshold, min: 0, max: 1 },
  { option: O.effectivenessThreshold, min: 0, max: 1, onlyWith: O.effectivenessDetectionEnabled },
  { option: O.memoryTuningOverhead, min: 0, max: 1, onlyWith: O.memoryTuningEnabled },
];

export function checkAutoscalerConfig(errors: ErrorList, flat: FlatConfig): void {
  const config = new OperatorConfig(flat);
  const enabled = read(errors, config, O.enabled);
  if (enabled === INVALID || !enabled) return;
  let readable = true;
  for (const option of Object.values(O) as ConfigOption<unknown>[]) {
    if (option !== O.enabled && read(errors, config, option) === INVALID) readable = false;
  }
  if (!readable) return;
  const quotaMemory = config.get(O.quotaMemory);
  if (quotaMemory !== undefined) {
    const parsed = parseMemory(quotaMemory);
    if (!parsed.ok) errors.add(PATH, `Invalid ${O.quotaMemory.key}: ${parsed.error}`);
  }
  for (const range of RANGES) {
    if (range.onlyWith && !config.get(range.onlyWith)) continue;
    const value = config.get(range.option);
    if (value === undefined) continue;
    const min = typeof range.min === 'function' ? range.min(config) : range.min;
    const max = typeof range.max === 'function' ? range.max(config) : range.max;
    if (value < min || (max !== undefined && value > max)) {
      errors.add(PATH, `${range.option.key} is ${value}; it must lie within [${min}, ${max ?? 'Infinity'}]`);
    }
  }
  const minParallelism = config.get(O.vertexMinParallelism);
  const maxParallelism = config.get(O.vertexMaxParallelism);
  if (minParallelism < 1 || maxParallelism < minParallelism) {
    errors.add(
      PATH,
      `${O.vertexMinParallelism.key} (${minParallelism}) must be at least 1 and at most ${O.vertexMaxParallelism.key} (${maxParallelism})`,
    );
  }
  checkMetricsWindow(errors, config);
}

/** Samples are taken once per reconcile: a shorter window never holds the two an evaluation needs. */
function checkMetricsWindow(errors: ErrorList, config: OperatorConfig): void {
  let reconcileIntervalMs: number;
  try {
    reconcileIntervalMs = config.get(RuntimeOptions.reconcileInterval);
  } catch {
    return; // the operator's own key: reported where the operator reads it
  }
  const windowMs = config.get(O.metricsWindow);
  if (windowMs < reconcileIntervalMs) {
    errors.add(
      PATH,
      `${O.metricsWindow.key} (${windowMs / 1000} s) is shorter than ${RuntimeOptions.reconcileInterval.key} (${reconcileIntervalMs / 1000} s): the window would never hold the two samples an evaluation needs`,
    );
  }
}

const INVALID = Symbol('invalid');

function read<T>(errors: ErrorList, config: OperatorConfig, option: ConfigOption<T>): T | typeof INVALID {
  try {
    return config.get(option);
  } catch (err) {
    errors.add(PATH, `Invalid autoscaler configuration: ${(err as Error).message}`);
    return INVALID;
  }
}
