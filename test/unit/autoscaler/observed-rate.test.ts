import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide } from '../../../src/autoscaler/decide.ts';
import { evaluate } from '../../../src/autoscaler/evaluate.ts';
import {
  chooseTrueProcessingRate,
  observedRates,
  observedTrueProcessingRate,
} from '../../../src/autoscaler/observed-rate.ts';
import { EMPTY_STATE, type MetricSample, type VertexSample } from '../../../src/autoscaler/types.ts';
import { pipeline, settings, type VertexModel } from './series.ts';

const T0 = 1_700_000_000_000;
const STEP = 60_000;

/**
 * A Kafka source whose reader spends most of its time waiting on the broker: it reads at most
 * `maxRate` records/s while only 30% busy, so busy time suggests it could read 3.3 times as much.
 * `arriving` records/s are produced; what it cannot read piles up as lag.
 */
function ioBoundSource(arriving: number, maxRate: number, count: number, initialLag = 0): MetricSample[] {
  let lag = initialLag;
  let read = 0;
  const samples: MetricSample[] = [];
  for (let i = 0; i < count; i++) {
    const rate = lag > 0 || arriving > maxRate ? maxRate : arriving;
    if (i > 0) {
      lag = Math.max(0, lag + ((arriving - rate) * STEP) / 1000);
      read += (rate * STEP) / 1000;
    }
    const busy = (rate / maxRate) * 300;
    const source: VertexSample = {
      busyTimeMaxMs: busy,
      busyTimeAvgMs: busy,
      numRecordsIn: read,
      numRecordsOut: read,
      lag,
      sourceRecordsInPerSecond: rate,
      backPressuredTimeAvgMs: 0,
    };
    const downstream = (id: string): VertexSample => ({
      busyTimeMaxMs: rate / 10,
      busyTimeAvgMs: rate / 10,
      numRecordsIn: read,
      numRecordsOut: id === 'sink' ? 0 : read,
      numRecordsInPerSecond: rate,
    });
    samples.push({
      time: T0 + i * STEP,
      vertices: { source, keyed: downstream('keyed'), sink: downstream('sink') },
      global: {},
    });
  }
  return samples;
}

const s = settings();

describe('observed true processing rate', () => {
  test('a source behind by more than the lag threshold is observed at the rate it reads, corrected for back pressure', () => {
    const samples = ioBoundSource(3000, 1000, 6, 1_000_000);
    assert.deepEqual(observedRates(samples, 'source', s), [1000, 1000, 1000, 1000, 1000, 1000]);
    const pressured = samples.map((x) => ({
      ...x,
      vertices: { ...x.vertices, source: { ...x.vertices.source!, backPressuredTimeAvgMs: 500 } },
    }));
    assert.equal(observedTrueProcessingRate(pressured, 'source', s), 2000);
    // Back-pressured all the time: nothing can be observed.
    const blocked = samples.map((x) => ({
      ...x,
      vertices: { ...x.vertices, source: { ...x.vertices.source!, backPressuredTimeAvgMs: 1000 } },
    }));
    assert.equal(observedTrueProcessingRate(blocked, 'source', s), undefined);
  });

  test('without backlog nothing is observed, and once observed the mean carries forward', () => {
    assert.equal(observedTrueProcessingRate(ioBoundSource(500, 1000, 6), 'source', s), undefined);
    // Two samples behind (30 s of reading takes 30 000 records at 1000/s), then caught up.
    const samples = ioBoundSource(500, 1000, 6).map((x, i) => ({
      ...x,
      vertices: {
        ...x.vertices,
        source:
          i < 2 ? { ...x.vertices.source!, lag: 40_000, sourceRecordsInPerSecond: 1000 } : x.vertices.source!,
      },
    }));
    assert.deepEqual(observedRates(samples, 'source', s), [1000, 1000, 1000, 1000, 1000, 1000]);
    // One observation is below the minimum of two: it is neither used nor carried.
    const once = samples.map((x, i) =>
      i === 1
        ? { ...x, vertices: { ...x.vertices, source: ioBoundSource(500, 1000, 6)[1]!.vertices.source! } }
        : x,
    );
    assert.deepEqual(observedRates(once, 'source', s), [1000]);
    assert.equal(observedTrueProcessingRate(once, 'source', s), undefined);
    assert.equal(
      observedTrueProcessingRate(
        once,
        'source',
        settings({ 'job.autoscaler.observed-true-processing-rate.min-observations': '1' }),
      ),
      1000,
    );
  });

  test('a source reading nothing has unbounded observed capacity', () => {
    const idle = ioBoundSource(0, 1000, 4);
    assert.equal(observedTrueProcessingRate(idle, 'source', s), Infinity);
  });

  test('the busy-time estimate stands unless it exceeds the observed rate by more than the switch threshold', () => {
    assert.equal(chooseTrueProcessingRate(1100, 1000, s), 1100);
    assert.equal(chooseTrueProcessingRate(1200, 1000, s), 1000);
    assert.equal(chooseTrueProcessingRate(NaN, 1000, s), 1000);
    assert.equal(chooseTrueProcessingRate(Infinity, 1000, s), 1000);
    assert.equal(chooseTrueProcessingRate(3333, undefined, s), 3333);
    const loose = settings({ 'job.autoscaler.observed-true-processing-rate.switch-threshold': '5' });
    assert.equal(chooseTrueProcessingRate(3333, 1000, loose), 3333);
  });

  test('an I/O-bound source under backlog is sized from what it reads, not from its busy time', () => {
    const samples = ioBoundSource(3000, 1000, 6, 1_000_000);
    const topology = pipeline(
      ...([
        { id: 'source', parallelism: 1, capacity: 1000 },
        { id: 'keyed', parallelism: 1, capacity: 10_000 },
        { id: 'sink', parallelism: 1, capacity: 10_000 },
      ] as [VertexModel, VertexModel, VertexModel]),
    );
    const e = evaluate(topology, samples, s).vertices.source!;
    assert.equal(e.observedTrueProcessingRate, 1000);
    assert.equal(e.trueProcessingRate, 1000);
    const observedDecision = decide({
      settings: s,
      topology,
      samples,
      state: structuredClone(EMPTY_STATE),
      now: samples.at(-1)!.time,
    });
    // Busy time alone (3333/s per subtask) would give far fewer subtasks.
    const busyOnly = decide({
      settings: settings({ 'job.autoscaler.observed-true-processing-rate.switch-threshold': '100' }),
      topology,
      samples,
      state: structuredClone(EMPTY_STATE),
      now: samples.at(-1)!.time,
    });
    const observedP = observedDecision.scaled.source!.newParallelism;
    const busyP = busyOnly.scaled.source!.newParallelism;
    assert.ok(observedP >= 3 * busyP - 1, `observed ${observedP}, busy time ${busyP}`);
  });
});
