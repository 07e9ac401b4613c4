/**
 * The observed true processing rate of a source: while it works off a backlog it reads as fast as
 * it can, so the records it reads per second, corrected for the time it was back-pressured, are
 * its capacity as measured rather than estimated from busy time. Busy time overstates the capacity
 * of some sources (a reader waiting on I/O is not busy); when the busy-time estimate exceeds the
 * observed rate by more than `observed-true-processing-rate.switch-threshold`, the observed rate is
 * used. Pure.
 */
import type { AutoscalerSettings } from './options.ts';
import type { MetricSample } from './types.ts';

type Settings = Pick<AutoscalerSettings, 'observedRate'>;

/**
 * Mean of the finite values once there are `minObservations` of them; Infinity when every value is
 * infinite (nothing flowed in), undefined when there are too few.
 */
function meanOf(values: number[], minObservations: number): number | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return values.length > 0 ? Infinity : undefined;
  return finite.length < minObservations ? undefined : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/**
 * The observed rate of each sample, oldest first: measured while the source is at least
 * `lag-threshold` of reading behind, unbounded while it reads nothing, otherwise the mean of the
 * earlier observations carried forward (so one backlog keeps informing the window after it is gone).
 */
export function observedRates(samples: MetricSample[], vertexId: string, settings: Settings): number[] {
  const { lagThresholdMs, minObservations } = settings.observedRate;
  const observed: number[] = [];
  for (const sample of samples) {
    const v = sample.vertices[vertexId];
    const rate = v?.sourceRecordsInPerSecond;
    if (rate === undefined) continue;
    if (rate <= 0) {
      observed.push(Infinity);
      continue;
    }
    const catchingUp = (v?.lag ?? 0) >= (lagThresholdMs / 1000) * rate;
    const backPressured = v?.backPressuredTimeAvgMs;
    if (catchingUp && backPressured !== undefined) {
      if (backPressured < 1000) observed.push(rate / (1 - backPressured / 1000));
      continue;
    }
    const carried = meanOf(observed, minObservations);
    if (carried !== undefined) observed.push(carried);
  }
  return observed;
}

/** The source's observed true processing rate over the window, when enough was observed. */
export function observedTrueProcessingRate(
  samples: MetricSample[],
  vertexId: string,
  settings: Settings,
): number | undefined {
  return meanOf(observedRates(samples, vertexId, settings), settings.observedRate.minObservations);
}

/**
 * The true processing rate to scale a source by: the observed one when the busy-time estimate is
 * unknown, unbounded, or larger than the observed rate by more than the switch threshold.
 */
export function chooseTrueProcessingRate(
  busyTimeRate: number,
  observedRate: number | undefined,
  settings: Settings,
): number {
  if (observedRate === undefined) return busyTimeRate;
  if (!Number.isFinite(busyTimeRate)) return observedRate;
  return busyTimeRate > observedRate * (1 + settings.observedRate.switchThreshold)
    ? observedRate
    : busyTimeRate;
}
