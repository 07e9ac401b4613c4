/**
 * Turns the samples of one metrics window into per-vertex evaluations: how fast each vertex could
 * process at full load (true processing rate), how fast it must process (target data rate,
 * propagated from the sources along the graph's edges), and the capacity band within which it is
 * left alone. Pure.
 */
import { chooseTrueProcessingRate, observedTrueProcessingRate } from './observed-rate.ts';
import type { AutoscalerSettings } from './options.ts';
import type { GlobalSample, JobTopology, MetricSample, VertexEvaluation, VertexSample } from './types.ts';

type NumericField = {
  [K in keyof VertexSample]-?: NonNullable<VertexSample[K]> extends number ? K : never;
}[keyof VertexSample];

/** Per-second change of an accumulated counter between its first and last sample in the window. */
export function rate(samples: MetricSample[], vertex: string, field: NumericField): number | undefined {
  let first: { time: number; value: number } | undefined;
  let last: { time: number; value: number } | undefined;
  for (const s of samples) {
    const value = s.vertices[vertex]?.[field];
    if (value === undefined) continue;
    if (!first) first = { time: s.time, value };
    else last = { time: s.time, value };
  }
  if (!first || !last) return undefined;
  return (1000 * (last.value - first.value)) / Math.max(1, last.time - first.time);
}

/** Mean of a gauge over the window's samples that have it. */
export function average(samples: MetricSample[], vertex: string, field: NumericField): number | undefined {
  const values = samples.map((s) => s.vertices[vertex]?.[field]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function globalAverage(samples: MetricSample[], field: keyof GlobalSample): number | undefined {
  const values = samples.map((s) => s.global[field]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function latest(samples: MetricSample[], vertex: string, field: NumericField): number | undefined {
  for (let i = samples.length - 1; i >= 0; i--) {
    const value = samples[i]!.vertices[vertex]?.[field];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Records per second entering a vertex: its counter's rate, else Flink's own meter. */
function inputRate(samples: MetricSample[], vertex: string): number | undefined {
  return rate(samples, vertex, 'numRecordsIn') ?? average(samples, vertex, 'numRecordsInPerSecond');
}

/**
 * Records per second flowing over the edge `from -> to`, as demanded by `from`. What `to` takes is
 * the downstream vertex's input when it has only this input, its input minus what the other
 * inputs send when those send nowhere else, else the upstream vertex's whole output. A saturated
 * vertex takes only what it can while the network buffers in between still fill up, so when `from`
 * sends to `to` alone, what it sends counts when that is more.
 */
function edgeRate(
  topology: JobTopology,
  samples: MetricSample[],
  from: string,
  to: string,
): number | undefined {
  const sent = sentOnlyTo(topology, samples, from, to);
  const taken = edgeIntake(topology, samples, from, to);
  if (sent === undefined) return taken;
  return taken === undefined ? sent : Math.max(sent, taken);
}

/** The output rate of `from` when all of it goes to `to`. */
function sentOnlyTo(
  topology: JobTopology,
  samples: MetricSample[],
  from: string,
  to: string,
): number | undefined {
  const upstream = topology.vertices.find((v) => v.id === from);
  if (upstream?.outputs.length !== 1 || upstream.outputs[0] !== to) return undefined;
  return rate(samples, from, 'numRecordsOut');
}

function edgeIntake(
  topology: JobTopology,
  samples: MetricSample[],
  from: string,
  to: string,
): number | undefined {
  const target = topology.vertices.find((v) => v.id === to)!;
  if (target.inputs.length === 1) return inputRate(samples, to);
  let others = 0;
  for (const input of target.inputs) {
    if (input.id === from) continue;
    const upstream = topology.vertices.find((v) => v.id === input.id);
    const out = rate(samples, input.id, 'numRecordsOut');
    if (!upstream || upstream.outputs.length !== 1 || out === undefined) {
      return rate(samples, from, 'numRecordsOut');
    }
    others += out;
  }
  const total = inputRate(samples, to);
  return total === undefined ? undefined : total - others;
}

/** Share of `from`'s input that reaches `to`; 0 while nothing flows, so idle edges never inflate targets. */
export function outputRatio(
  topology: JobTopology,
  samples: MetricSample[],
  from: string,
  to: string,
): number {
  const input = inputRate(samples, from);
  if (input === undefined || input <= 0) return 0;
  const edge = edgeRate(topology, samples, from, to);
  return edge !== undefined && edge > 0 ? edge / input : 0;
}

/**
 * True when a source has more backlog than it reads in `backlog-processing.lag-threshold`: the job
 * is catching up, so no vertex is considered over-provisioned.
 */
export function processingBacklog(
  topology: JobTopology,
  samples: MetricSample[],
  settings: AutoscalerSettings,
): boolean {
  return sources(topology).some((v) => {
    const lag = latest(samples, v.id, 'lag') ?? 0;
    const rateIn = inputRate(samples, v.id);
    if (rateIn === undefined || rateIn <= 0) return lag > 0;
    return (lag / rateIn) * 1000 > settings.backlogLagThresholdMs;
  });
}

function sources(topology: JobTopology) {
  return topology.vertices.filter((v) => v.inputs.length === 0);
}

/**
 * Processing capacity a vertex needs at `utilization`: the target rate scaled up to leave the
 * headroom, plus the backlog spread over the catch-up duration, plus (optionally) what piles up
 * during a restart caught up in the same time.
 */
export function targetCapacity(
  e: Pick<VertexEvaluation, 'targetDataRate' | 'catchUpDataRate'>,
  settings: AutoscalerSettings,
  utilization: number,
  withRestart: boolean,
): number {
  const u = Math.min(1, Math.max(0, utilization));
  if (u === 0) return Infinity;
  const catchUpSec = settings.catchUpDurationMs / 1000;
  const restartCatchUp =
    withRestart && catchUpSec > 0 ? (e.targetDataRate * (settings.restartTimeMs / 1000)) / catchUpSec : 0;
  return Math.round(e.catchUpDataRate + restartCatchUp + e.targetDataRate / u);
}

const BUSY_TIME = { MAX: 'busyTimeMaxMs', AVG: 'busyTimeAvgMs', MIN: 'busyTimeMinMs' } as const;

export interface Evaluation {
  vertices: Record<string, VertexEvaluation>;
  processingBacklog: boolean;
  gcPressure?: number;
  heapUsage?: number;
}

/**
 * Evaluates every vertex in topological order (a vertex's target rate needs its inputs' targets).
 * A vertex without busy time or input rate is left out: it cannot be scaled from metrics.
 */
export function evaluate(
  topology: JobTopology,
  samples: MetricSample[],
  settings: AutoscalerSettings,
): Evaluation {
  const backlog = processingBacklog(topology, samples, settings);
  const out: Record<string, VertexEvaluation> = {};
  const catchUpSec = settings.catchUpDurationMs / 1000;
  for (const v of topology.vertices) {
    const rateIn = inputRate(samples, v.id);
    let targetDataRate: number;
    let catchUpDataRate: number;
    const lag = latest(samples, v.id, 'lag');
    if (v.inputs.length === 0) {
      const lagGrowth = rate(samples, v.id, 'lag') ?? 0;
      if (rateIn === undefined) continue;
      targetDataRate = Math.max(0, rateIn + lagGrowth);
      catchUpDataRate = catchUpSec > 0 ? (lag ?? 0) / catchUpSec : 0;
    } else {
      targetDataRate = 0;
      catchUpDataRate = 0;
      let complete = true;
      for (const input of v.inputs) {
        const upstream = out[input.id];
        if (!upstream) {
          complete = false;
          break;
        }
        const ratio = outputRatio(topology, samples, input.id, v.id);
        targetDataRate += upstream.targetDataRate * ratio;
        catchUpDataRate += upstream.catchUpDataRate * ratio;
      }
      if (!complete) continue;
    }
    const busyMs = average(samples, v.id, BUSY_TIME[settings.busyTimeAggregator]);
    if (rateIn === undefined) continue;
    // Without busy time (legacy sources) the capacity is unknown: the vertex keeps its parallelism,
    // but its target rate still sizes the vertices behind it. Nothing flowing in, or never busy:
    // the capacity is unbounded as far as can be told, which lets idle vertices shrink.
    const busyTimeRate =
      busyMs === undefined ? NaN : rateIn === 0 || busyMs <= 0 ? Infinity : rateIn / (busyMs / 1000);
    const observed = v.inputs.length === 0 ? observedTrueProcessingRate(samples, v.id, settings) : undefined;
    const evaluation: VertexEvaluation = {
      parallelism: v.parallelism,
      maxParallelism: v.maxParallelism,
      load: (busyMs ?? NaN) / 1000,
      trueProcessingRate: chooseTrueProcessingRate(busyTimeRate, observed, settings),
      targetDataRate,
      catchUpDataRate,
      scaleUpRateThreshold: 0,
      scaleDownRateThreshold: 0,
      ...(lag !== undefined ? { lag } : {}),
      ...(observed !== undefined ? { observedTrueProcessingRate: observed } : {}),
    };
    const upper = backlog ? 1 : settings.utilizationMax;
    const lower = backlog ? 0 : settings.utilizationMin;
    evaluation.scaleUpRateThreshold = targetCapacity(evaluation, settings, upper, false);
    evaluation.scaleDownRateThreshold = targetCapacity(evaluation, settings, lower, true);
    out[v.id] = evaluation;
  }
  const gcPressure = samples.at(-1)?.global.gcPressure;
  const heapUsage = globalAverage(samples, 'heapUsage');
  return {
    vertices: out,
    processingBacklog: backlog,
    ...(gcPressure !== undefined ? { gcPressure } : {}),
    ...(heapUsage !== undefined ? { heapUsage } : {}),
  };
}
