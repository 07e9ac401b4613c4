/**
 * The new parallelism of one vertex: the capacity it needs at the target utilisation over what
 * one subtask processes, capped by the scale factors and parallelism limits, aligned to its key
 * groups or source partitions, with scale-downs delayed and ineffective scale-ups blocked. Pure.
 */
import { targetCapacity } from './evaluate.ts';
import type { AutoscalerSettings } from './options.ts';
import type {
  AutoscalerEvent,
  DelayedScaleDown,
  ScalingSummary,
  VertexEvaluation,
  VertexInfo,
} from './types.ts';

export interface VertexDecision {
  newParallelism: number;
  /** The vertex's capacity is outside the band around the target utilisation. */
  outsideBound: boolean;
  expectedProcessingRate: number;
}

export interface VertexScalingInput {
  vertex: VertexInfo;
  evaluation: VertexEvaluation;
  settings: AutoscalerSettings;
  /** Past decisions of this vertex, oldest first. */
  history: ScalingSummary[];
  /** The scale-down this vertex has been wanting, if any; updated in place. */
  delayed: Record<string, DelayedScaleDown>;
  now: number;
  events: AutoscalerEvent[];
}

/** Whether the vertex's capacity leaves the band within which it is left alone. */
export function outsideBound(e: VertexEvaluation): boolean {
  return e.trueProcessingRate < e.scaleUpRateThreshold || e.trueProcessingRate > e.scaleDownRateThreshold;
}

/** Returns undefined when the parallelism stays as it is. */
export function scaleVertex(input: VertexScalingInput): VertexDecision | undefined {
  const { vertex, evaluation: e, settings } = input;
  const current = vertex.parallelism;
  if (!Number.isFinite(e.targetDataRate) || Number.isNaN(e.trueProcessingRate)) return undefined;
  const capacity = targetCapacity(e, settings, settings.targetUtilization, true);
  let factor = capacity / e.trueProcessingRate;
  factor = Math.min(1 + settings.maxScaleUpFactor, Math.max(1 - settings.maxScaleDownFactor, factor));
  const lowerLimit = Math.min(current, settings.vertexMinParallelism);
  const upperLimit = Math.max(current, settings.vertexMaxParallelism);
  const newParallelism = align(
    vertex,
    current,
    Math.ceil(factor * current),
    lowerLimit,
    upperLimit,
    settings,
  );
  if (newParallelism === current) {
    delete input.delayed[vertex.id];
    return undefined;
  }
  const expectedProcessingRate = (e.trueProcessingRate / current) * newParallelism;
  const bound = outsideBound(e);
  if (newParallelism > current) {
    delete input.delayed[vertex.id];
    const last = input.history.at(-1);
    if (
      last &&
      last.newParallelism === current &&
      last.newParallelism > last.currentParallelism &&
      ineffective(input, last)
    ) {
      return undefined;
    }
    return { newParallelism, outsideBound: bound, expectedProcessingRate };
  }
  return delayScaleDown(input, newParallelism, bound, expectedProcessingRate);
}

/**
 * A scale-down happens only once the vertex has wanted one for a whole `scale-down.interval`, and
 * then to the highest parallelism it recommended within that interval, so a dip in load does not
 * shrink the job only to grow it again.
 */
function delayScaleDown(
  input: VertexScalingInput,
  parallelism: number,
  outside: boolean,
  expectedProcessingRate: number,
): VertexDecision | undefined {
  const { settings, now, vertex } = input;
  if (settings.scaleDownIntervalMs <= 0)
    return { newParallelism: parallelism, outsideBound: outside, expectedProcessingRate };
  const windowStart = now - settings.scaleDownIntervalMs;
  const entry = input.delayed[vertex.id] ?? { firstTriggerTime: now, recommendations: [] };
  entry.recommendations = [
    ...entry.recommendations.filter((r) => r.time >= windowStart),
    { time: now, parallelism, outsideBound: outside },
  ];
  input.delayed[vertex.id] = entry;
  if (entry.firstTriggerTime > windowStart) return undefined;
  const highest = entry.recommendations.reduce((a, b) => (b.parallelism > a.parallelism ? b : a));
  return {
    newParallelism: highest.parallelism,
    outsideBound: highest.outsideBound,
    expectedProcessingRate: (input.evaluation.trueProcessingRate / vertex.parallelism) * highest.parallelism,
  };
}

/**
 * A scale-up is ineffective when the processing rate gained less than
 * `scaling.effectiveness.threshold` of the increase expected from it. Reported always; it blocks
 * further scale-ups only with `scaling.effectiveness.detection.enabled`.
 */
function ineffective(input: VertexScalingInput, last: ScalingSummary): boolean {
  const expected = last.expectedProcessingRate - last.trueProcessingRate;
  const actual = input.evaluation.trueProcessingRate - last.trueProcessingRate;
  if (
    !Number.isFinite(expected) ||
    expected <= 0 ||
    actual / expected >= input.settings.effectivenessThreshold
  ) {
    return false;
  }
  const blocking = input.settings.effectivenessDetectionEnabled;
  input.events.push({
    type: 'Normal',
    reason: 'IneffectiveScaling',
    message:
      `Ineffective scaling detected for ${input.vertex.id} (expected increase: ${round(expected)}, ` +
      `actual increase ${round(actual)}). Blocking of ineffective scaling decisions is ${blocking ? 'enabled' : 'disabled'}`,
    key: `ineffective-${input.vertex.id}-${round(expected)}`,
  });
  return blocking;
}

function round(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : String(value);
}

/**
 * Limits and alignment. The target is clamped to the parallelism limits and the vertex's max
 * parallelism. A source with known partitions, or a vertex fed by keyBy, spreads N partitions or
 * key groups over its subtasks: a parallelism that does not divide N leaves some subtasks with more
 * than others, so the target moves up to the first parallelism that divides N (EVENLY_SPREAD) or
 * that at least lowers the per-subtask share (BALANCED). A scale-up searches up to N (or the
 * limits, when lower); a scale-down searches only up to the current parallelism. When that region
 * holds no such value the target stays as computed: alignment never blocks a scaling, and N
 * bounds only the search, not the parallelism.
 */
export function align(
  vertex: VertexInfo,
  current: number,
  raw: number,
  lowerLimit: number,
  upperLimit: number,
  settings: Pick<AutoscalerSettings, 'alignmentMode'>,
): number {
  const upperBound = Math.min(vertex.maxParallelism, upperLimit);
  const target = Math.max(1, Math.min(Math.max(lowerLimit, raw), upperBound));
  if (target === current || settings.alignmentMode === 'OFF') return target;
  const partitions = vertex.sourcePartitions ?? 0;
  const keyed = vertex.inputs.some((i) => i.shipStrategy.toUpperCase() === 'HASH');
  if (partitions <= 0 && !keyed) return target;
  const n = partitions > 0 ? partitions : vertex.maxParallelism;
  const searchEnd = Math.min(n, upperBound);
  const regionEnd = target > current ? searchEnd : Math.min(current, searchEnd);
  const loadReducing = settings.alignmentMode === 'BALANCED';
  for (let p = target; p <= regionEnd; p++) {
    if (n % p === 0 || (loadReducing && Math.floor(n / p) < Math.floor(n / target))) return p;
  }
  return target;
}
