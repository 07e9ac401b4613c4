/**
 * The autoscaler's latest evaluation as metric values per job vertex, named like the scaling
 * metrics of the compatible operator (LOAD, TRUE_PROCESSING_RATE, ...). Pure.
 */
import type { AutoscalerVertexValue } from '../runtime/index.ts';
import type { Decision } from './decide.ts';
import type { AutoscalerState, VertexEvaluation } from './types.ts';

/** Metrics the evaluation computes over the whole window: published as `average`. */
const AVERAGED: [string, (e: VertexEvaluation) => number][] = [
  ['LOAD', (e) => e.load],
  ['TRUE_PROCESSING_RATE', (e) => e.trueProcessingRate],
  ['TARGET_DATA_RATE', (e) => e.targetDataRate],
];

/** Metrics that hold for the moment of the evaluation: published as `current`. */
const CURRENT: [string, (e: VertexEvaluation) => number | undefined][] = [
  ['CATCH_UP_DATA_RATE', (e) => e.catchUpDataRate],
  ['LAG', (e) => e.lag],
  ['PARALLELISM', (e) => e.parallelism],
  // A vertex the decision left alone is recommended to stay where it is.
  ['RECOMMENDED_PARALLELISM', (e) => e.recommendedParallelism ?? e.parallelism],
  ['MAX_PARALLELISM', (e) => e.maxParallelism],
  ['SCALE_UP_RATE_THRESHOLD', (e) => e.scaleUpRateThreshold],
  ['SCALE_DOWN_RATE_THRESHOLD', (e) => e.scaleDownRateThreshold],
];

/**
 * The values of the state's latest evaluation, vertices in graph order where the topology is known.
 * Unknown values (absent or NaN) are left out; an unbounded rate is +Inf.
 */
export function evaluationMetrics(state: AutoscalerState): AutoscalerVertexValue[] {
  const evaluation = state.lastEvaluation;
  if (!evaluation) return [];
  const order = state.topology?.vertices.map((v) => v.id) ?? [];
  const ids = [
    ...order.filter((id) => id in evaluation.vertices),
    ...Object.keys(evaluation.vertices).filter((id) => !order.includes(id)),
  ];
  const out: AutoscalerVertexValue[] = [];
  const add = (vertex: string, metric: string, stat: AutoscalerVertexValue['stat'], value?: number) => {
    if (value !== undefined && !Number.isNaN(value)) out.push({ vertex, metric, stat, value });
  };
  for (const vertex of ids) {
    const e = evaluation.vertices[vertex]!;
    for (const [metric, value] of AVERAGED) add(vertex, metric, 'average', value(e));
    for (const [metric, value] of CURRENT) add(vertex, metric, 'current', value(e));
    add(
      vertex,
      'NUM_SOURCE_PARTITIONS',
      'current',
      state.topology?.vertices.find((v) => v.id === vertex)?.sourcePartitions,
    );
    // Only a scaling decided in this very evaluation expects a processing rate.
    const last = state.scalingHistory[vertex]?.at(-1);
    if (last?.time === evaluation.time)
      add(vertex, 'EXPECTED_PROCESSING_RATE', 'current', last.expectedProcessingRate);
  }
  return out;
}

/**
 * What an evaluation counts as: `scaling` when it rescales the job, else `balanced` (within the
 * band, memory pressure, quota reached, or scaling disabled: the job stays as it is).
 */
export function decisionOutcome(decision: Pick<Decision, 'scaled'>): 'scaling' | 'balanced' {
  return Object.keys(decision.scaled).length > 0 ? 'scaling' : 'balanced';
}
