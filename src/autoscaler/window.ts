/**
 * Keeps the metrics window: samples start once the job has run for `stabilization.interval`, a
 * restart or a changed job graph starts the window again, and samples older than
 * `metrics.window` are dropped once the window is full. Pure.
 */
import type { AutoscalerSettings } from './options.ts';
import type { AutoscalerState, JobTopology, MetricSample } from './types.ts';

export type WindowStage =
  { stage: 'stabilizing'; until: number } | { stage: 'collecting'; fullAt: number } | { stage: 'full' };

export interface Observation {
  jobId: string;
  /** When the job last switched to RUNNING (a restart or rescale moves it). */
  runningSince: number;
  topology: JobTopology;
  sample: MetricSample;
}

function sameGraph(a: JobTopology | undefined, b: JobTopology): boolean {
  if (!a || a.vertices.length !== b.vertices.length) return false;
  return b.vertices.every((v) => a.vertices.some((o) => o.id === v.id && o.parallelism === v.parallelism));
}

export function addSample(
  previous: AutoscalerState,
  observation: Observation,
  settings: Pick<AutoscalerSettings, 'stabilizationMs' | 'metricsWindowMs'>,
): { state: AutoscalerState; window: WindowStage } {
  const state = structuredClone(previous);
  const now = observation.sample.time;
  const sameJob = state.jobId === observation.jobId && state.jobRunningSince === observation.runningSince;
  if (!sameJob) {
    state.metrics = [];
    delete state.rescaledAt;
  } else if (!sameGraph(state.topology, observation.topology)) {
    // Rescaled in place: the job did not restart as a whole, but its subtasks did.
    state.metrics = [];
    if (state.topology) state.rescaledAt = now;
  }
  state.jobId = observation.jobId;
  state.jobRunningSince = observation.runningSince;
  state.topology = observation.topology;
  const stableAt = Math.max(observation.runningSince, state.rescaledAt ?? 0) + settings.stabilizationMs;
  if (now < stableAt) return { state, window: { stage: 'stabilizing', until: stableAt } };
  state.metrics.push(observation.sample);
  const fullAt = state.metrics[0]!.time + settings.metricsWindowMs;
  if (now < fullAt || state.metrics.length < 2) {
    return { state, window: { stage: 'collecting', fullAt } };
  }
  state.metrics = state.metrics.filter((s) => s.time >= now - settings.metricsWindowMs);
  return { state, window: { stage: 'full' } };
}

/**
 * Whether a new sample is worth collecting: reconciles can come more often than the reconcile
 * interval, and samples closer than a tenth of the window (at most 10 s) add nothing but size.
 */
export function collectionDue(
  state: AutoscalerState,
  now: number,
  settings: Pick<AutoscalerSettings, 'metricsWindowMs'>,
): boolean {
  const last = state.metrics.at(-1)?.time;
  return last === undefined || now - last >= Math.min(10_000, settings.metricsWindowMs / 10);
}
