import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide, exceedsQuota, type DecisionInput } from '../../../src/autoscaler/decide.ts';
import { EMPTY_STATE, type AutoscalerState, type MetricSample } from '../../../src/autoscaler/types.ts';
import { pipeline, series, settings, type VertexModel } from './series.ts';

const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
const TM = { cpu: 1, memoryBytes: 2 ** 31, slots: 1 };

function models(p: [number, number, number], capacity = 1000): [VertexModel, VertexModel, VertexModel] {
  return [
    { id: 'source', parallelism: p[0], capacity },
    { id: 'keyed', parallelism: p[1], capacity },
    { id: 'sink', parallelism: p[2], capacity },
  ];
}

function input(
  m: [VertexModel, VertexModel, VertexModel],
  rate: number,
  config: Record<string, string> = {},
  extra: Partial<DecisionInput> & { initialLag?: number; gcPressure?: number; heapUsage?: number } = {},
): DecisionInput {
  const samples = series(m, {
    rate,
    start: T0,
    stepMs: MINUTE,
    count: 6,
    ...(extra.initialLag !== undefined ? { initialLag: extra.initialLag } : {}),
    ...(extra.gcPressure !== undefined ? { gcPressure: extra.gcPressure } : {}),
    ...(extra.heapUsage !== undefined ? { heapUsage: extra.heapUsage } : {}),
  });
  return {
    settings: settings({ 'job.autoscaler.scale-down.interval': '0', ...config }),
    topology: pipeline(...m),
    samples,
    state: structuredClone(EMPTY_STATE),
    now: samples.at(-1)!.time,
    taskManager: TM,
    ...(extra.state ? { state: extra.state } : {}),
    ...(extra.now !== undefined ? { now: extra.now } : {}),
  };
}

describe('scale up', () => {
  test('a source that cannot keep up and builds backlog scales up with the vertices behind it', () => {
    // 2500 records/s arrive; each vertex processes 1000/s at parallelism 1.
    const d = decide(input(models([1, 1, 1]), 2500));
    assert.ok(d.scaled.source, 'source scales');
    assert.ok(d.scaled.source.newParallelism >= 4, `source to ${d.scaled.source.newParallelism}`);
    assert.ok(d.scaled.keyed!.newParallelism >= 4);
    assert.equal(d.state.parallelismOverrides.source, d.scaled.source.newParallelism);
    assert.ok(d.evaluation.processingBacklog || d.evaluation.vertices.source!.lag! > 0);
    const report = d.events.find((e) => e.reason === 'ScalingReport');
    assert.ok(report);
    assert.match(
      report.message,
      /^Scaling execution enabled, begin scaling vertices:\{ Vertex ID source \| Parallelism 1 -> \d+ \|/,
    );
    // the window starts again after a rescale
    assert.deepEqual(d.state.metrics, []);
  });

  test('backlog adds the capacity to work it off within the catch-up duration', () => {
    const m = models([2, 2, 2]);
    const steady = decide(input(m, 1200, { 'job.autoscaler.restart.time': '0' }));
    const behind = decide(input(m, 1200, { 'job.autoscaler.restart.time': '0' }, { initialLag: 20_000_000 }));
    const behindP = behind.scaled.source?.newParallelism ?? 2;
    const steadyP = steady.scaled.source?.newParallelism ?? 2;
    assert.ok(behindP > steadyP, `${behindP} > ${steadyP}`);
  });

  test('scale-up.max-factor caps the step', () => {
    const d = decide(input(models([1, 1, 1]), 50_000, { 'job.autoscaler.scale-up.max-factor': '1' }));
    assert.equal(d.scaled.source!.newParallelism, 2);
  });
});

describe('records in flight', () => {
  // Recorded on Flink 2.2.1 (the autoscaler e2e job): the source reads 100 records/s; the keyed
  // vertex, busy all the time, takes 66/s. The source is not back-pressured yet: what the keyed
  // vertex cannot take fills the network buffers between them.
  const SOURCE = 'bc764cd8ddf7a0cff126f51c16239658';
  const WORK = '20ba6b65f97481d5570070de90e4e791';
  const recorded: [number, number, number][] = [
    [0, 10669, 7037],
    [10_035, 11676, 7702],
    [20_068, 12682, 8366],
  ];
  const samples = recorded.map(([dt, sourceRecords, workRecords]) => ({
    time: T0 + dt,
    vertices: {
      [SOURCE]: {
        busyTimeMaxMs: 8,
        busyTimeAvgMs: 8,
        numRecordsIn: sourceRecords,
        numRecordsOut: sourceRecords,
        sourceRecordsInPerSecond: 100,
        backPressuredTimeAvgMs: 0,
      },
      [WORK]: {
        busyTimeMaxMs: 1000,
        busyTimeAvgMs: 1000,
        numRecordsInPerSecond: 66,
        numRecordsIn: workRecords,
        numRecordsOut: 0,
      },
    },
    global: {},
  }));
  const topology = {
    vertices: [
      { id: SOURCE, name: 'Source', parallelism: 1, maxParallelism: 128, inputs: [], outputs: [WORK] },
      {
        id: WORK,
        name: 'Work',
        parallelism: 1,
        maxParallelism: 128,
        inputs: [{ id: SOURCE, shipStrategy: 'HASH' }],
        outputs: [],
      },
    ],
  };

  const decideOn = (window: MetricSample[], config: Record<string, string> = {}) =>
    decide({
      settings: settings(config),
      topology,
      samples: window,
      state: structuredClone(EMPTY_STATE),
      now: window.at(-1)!.time,
      taskManager: TM,
    });

  test('a saturated vertex is sized for what its input sends, not for what it manages to take', () => {
    const d = decideOn(samples, { 'job.autoscaler.vertex.max-parallelism': '4' });
    const work = d.evaluation.vertices[WORK]!;
    assert.ok(Math.abs(work.targetDataRate - 100.3) < 0.5, `target ${work.targetDataRate}`);
    assert.ok(work.trueProcessingRate < 67);
    assert.ok(d.scaled[WORK], 'the keyed vertex scales up');
    assert.ok(d.scaled[WORK].newParallelism >= 2);
    assert.equal(d.scaled[SOURCE], undefined);
  });

  test('when its input sends no more than it takes, a vertex within its band is left alone', () => {
    const caughtUp = structuredClone(samples);
    caughtUp.forEach((s, i) => {
      const source = s.vertices[SOURCE]!;
      const work = s.vertices[WORK]!;
      source.numRecordsIn = source.numRecordsOut = work.numRecordsIn = 7037 + 660 * i;
      work.busyTimeMaxMs = work.busyTimeAvgMs = 800;
    });
    assert.equal(decideOn(caughtUp).scaled[WORK], undefined);
  });
});

describe('scale down', () => {
  test('an idle job scales down, by at most scale-down.max-factor per step', () => {
    const d = decide(input(models([8, 8, 8]), 100));
    // 100 records/s need one subtask; 0.6 max factor allows going from 8 to ceil(8 * 0.4) = 4.
    assert.equal(d.scaled.source!.newParallelism, 4);
    assert.equal(d.scaled.keyed!.newParallelism, 4);
    assert.equal(d.scaled.sink!.newParallelism, 4);
  });

  test('a job without any input scales down as well', () => {
    const d = decide(input(models([4, 4, 4]), 0, { 'job.autoscaler.scale-down.max-factor': '1' }));
    assert.equal(d.scaled.source!.newParallelism, 1);
  });

  test('within scale-down.interval a scale-down waits, then takes the highest recommendation', () => {
    const config = { 'job.autoscaler.scale-down.interval': '1h' };
    const m = models([8, 8, 8]);
    let state: AutoscalerState = structuredClone(EMPTY_STATE);
    // First window: the low load asks for 4, nothing happens yet.
    let d = decide({ ...input(m, 100, config), state });
    assert.deepEqual(d.scaled, {});
    assert.equal(d.state.delayedScaleDown.source?.firstTriggerTime, T0 + 5 * MINUTE);
    state = d.state;
    // 30 minutes later the load is higher: the recommendation is 5, still waiting.
    d = decide({ ...input(m, 2800, config), state, now: T0 + 35 * MINUTE });
    assert.deepEqual(d.scaled, {});
    state = d.state;
    // After the interval: low load again, but the highest recommendation within the hour wins.
    d = decide({ ...input(m, 100, config), state, now: T0 + 66 * MINUTE });
    assert.equal(d.scaled.source!.newParallelism, 5);
    assert.equal(d.state.parallelismOverrides.source, 5);
    assert.deepEqual(d.state.delayedScaleDown, {});
  });
});

describe('no flapping', () => {
  test('load within the utilisation band changes nothing, window after window', () => {
    // At parallelism 4 and 2800 records/s every vertex is 70% busy: the target.
    const m = models([4, 4, 4]);
    let state: AutoscalerState = structuredClone(EMPTY_STATE);
    for (let window = 0; window < 5; window++) {
      const rate = 2800 + (window % 2 === 0 ? 400 : -400); // 60% .. 80%
      const d = decide({ ...input(m, rate, { 'job.autoscaler.scale-down.interval': '1h' }), state });
      assert.deepEqual(d.scaled, {}, `window ${window}`);
      assert.equal(d.events.length, 0);
      state = d.state;
    }
  });

  test('after scaling up, the new parallelism is stable under the same load', () => {
    const first = decide(input(models([1, 1, 1]), 2500, { 'job.autoscaler.restart.time': '0' }));
    const p = first.scaled.source!.newParallelism;
    const next = decide({
      ...input(models([p, first.scaled.keyed!.newParallelism, first.scaled.sink!.newParallelism]), 2500, {
        'job.autoscaler.restart.time': '0',
      }),
      state: first.state,
    });
    assert.deepEqual(next.scaled, {});
  });
});

describe('limits', () => {
  test('vertex.max-parallelism caps scale-up; vertex.min-parallelism bounds scale-down', () => {
    const up = decide(input(models([1, 1, 1]), 50_000, { 'job.autoscaler.vertex.max-parallelism': '3' }));
    for (const v of Object.values(up.scaled)) assert.equal(v.newParallelism, 3);
    const down = decide(
      input(models([8, 8, 8]), 10, {
        'job.autoscaler.vertex.min-parallelism': '6',
        'job.autoscaler.scale-down.max-factor': '1',
        'job.autoscaler.scaling.parallelism-alignment.mode': 'OFF',
      }),
    );
    for (const v of Object.values(down.scaled)) assert.equal(v.newParallelism, 6);
  });

  test('the key groups of a vertex cap its parallelism', () => {
    const m = models([1, 1, 1]);
    m[1].maxParallelism = 4;
    const d = decide(input(m, 50_000));
    assert.equal(d.scaled.keyed!.newParallelism, 4);
  });

  test('excluded vertices keep their parallelism', () => {
    const d = decide(input(models([1, 1, 1]), 5000, { 'job.autoscaler.vertex.exclude.ids': 'keyed' }));
    assert.equal(d.scaled.keyed, undefined);
    assert.ok(d.scaled.source);
  });

  test('a decision pins every vertex: the unscaled ones at the parallelism they run with', () => {
    const state = { ...structuredClone(EMPTY_STATE), parallelismOverrides: { replaced: 7 } };
    const config = { 'job.autoscaler.vertex.exclude.ids': 'keyed' };
    const d = decide({ ...input(models([1, 3, 1]), 5000, config), state });
    assert.deepEqual(d.state.parallelismOverrides, {
      source: d.scaled.source!.newParallelism,
      keyed: 3,
      sink: d.scaled.sink!.newParallelism,
    });
  });

  test('a scale-up beyond the cpu or memory quota is refused with ResourceQuotaReached', () => {
    const cpu = decide(input(models([1, 1, 1]), 5000, { 'job.autoscaler.quota.cpu': '2' }));
    assert.deepEqual(cpu.scaled, {});
    assert.deepEqual(cpu.state.parallelismOverrides, {});
    assert.equal(cpu.events[0]?.reason, 'ResourceQuotaReached');
    const memory = decide(input(models([1, 1, 1]), 5000, { 'job.autoscaler.quota.memory': '4g' }));
    assert.deepEqual(memory.scaled, {});
    const enough = decide(input(models([1, 1, 1]), 5000, { 'job.autoscaler.quota.cpu': '100' }));
    assert.ok(enough.scaled.source);
  });

  test('a scale-down is never blocked by the quota, even when the job is above it', () => {
    const d = decide(input(models([8, 8, 8]), 100, { 'job.autoscaler.quota.cpu': '2' }));
    assert.equal(d.scaled.source?.newParallelism, 4);
    assert.ok(!d.events.some((e) => e.reason === 'ResourceQuotaReached'));
  });

  test('with scaling.enabled false the recommendation is reported but not applied', () => {
    const d = decide(input(models([1, 1, 1]), 5000, { 'job.autoscaler.scaling.enabled': 'false' }));
    assert.deepEqual(d.scaled, {});
    assert.deepEqual(d.state.parallelismOverrides, {});
    assert.match(d.events[0]!.message, /^Scaling execution disabled/);
    assert.ok(d.state.lastEvaluation!.vertices.source!.recommendedParallelism! > 1);
  });
});

/** The keyed vertex went from 1 to 2 subtasks at `time`, expecting 2000 records/s. */
const keyedScaleUp = (time: number) => ({
  time,
  currentParallelism: 1,
  newParallelism: 2,
  trueProcessingRate: 1000,
  expectedProcessingRate: 2000,
  targetDataRate: 1800,
});

/** After that scale-up the keyed vertex processes barely more than before (1050/s). */
function underperformingKeyed(): [VertexModel, VertexModel, VertexModel] {
  const m = models([4, 2, 4]);
  m[1].capacity = 525;
  return m;
}

describe('ineffective scaling', () => {
  const scaledBefore = (): AutoscalerState => ({
    ...structuredClone(EMPTY_STATE),
    scalingHistory: { keyed: [keyedScaleUp(T0 - 30 * MINUTE)] },
  });
  const m = underperformingKeyed();

  test('is reported, and blocks further scale-ups when detection is enabled', () => {
    const on = decide({
      ...input(m, 3000, { 'job.autoscaler.scaling.effectiveness.detection.enabled': 'true' }),
      state: scaledBefore(),
    });
    const event = on.events.find((e) => e.reason === 'IneffectiveScaling');
    assert.ok(event);
    assert.match(
      event.message,
      /^Ineffective scaling detected for keyed .*Blocking of ineffective scaling decisions is enabled$/,
    );
    assert.equal(on.scaled.keyed, undefined);

    const off = decide({ ...input(m, 3000), state: scaledBefore() });
    assert.ok(off.events.some((e) => e.reason === 'IneffectiveScaling'));
    assert.ok(off.scaled.keyed!.newParallelism > 2);
  });
});

describe('scaling history', () => {
  const m = underperformingKeyed();
  const detection = { 'job.autoscaler.scaling.effectiveness.detection.enabled': 'true' };

  test('a scale-up older than history.max.age no longer marks the next one ineffective', () => {
    const now = T0 + 5 * MINUTE;
    const state = {
      ...structuredClone(EMPTY_STATE),
      scalingHistory: { keyed: [keyedScaleUp(now - 25 * 60 * MINUTE)] },
    };
    const d = decide({ ...input(m, 3000, detection), state });
    assert.ok(!d.events.some((e) => e.reason === 'IneffectiveScaling'));
    assert.ok(d.scaled.keyed!.newParallelism > 2);
    assert.equal(d.state.scalingHistory.keyed!.length, 1, 'only the new decision is remembered');
  });

  test('history.max.count bounds what is remembered, also without a new decision', () => {
    const now = T0 + 5 * MINUTE;
    const state = {
      ...structuredClone(EMPTY_STATE),
      scalingHistory: { keyed: [keyedScaleUp(now - 40 * MINUTE)], gone: [keyedScaleUp(now - 40 * MINUTE)] },
    };
    const forgotten = decide({
      ...input(m, 3000, { ...detection, 'job.autoscaler.history.max.count': '0' }),
      state,
    });
    assert.ok(!forgotten.events.some((e) => e.reason === 'IneffectiveScaling'));
    assert.ok(forgotten.scaled.keyed);
    const idle = decide({ ...input(models([4, 4, 4]), 2800), state });
    assert.deepEqual(idle.scaled, {});
    assert.deepEqual(
      Object.keys(idle.state.scalingHistory),
      ['keyed'],
      'vertices the job no longer has are forgotten',
    );
  });
});

describe('memory pressure', () => {
  test('GC pressure above the threshold blocks scale-up with a MemoryPressure event', () => {
    const d = decide(
      input(
        models([1, 1, 1]),
        5000,
        { 'job.autoscaler.memory.gc-pressure.threshold': '0.3' },
        { gcPressure: 0.5 },
      ),
    );
    assert.deepEqual(d.scaled, {});
    assert.equal(d.events[0]?.reason, 'MemoryPressure');
    assert.match(d.events[0]!.message, /GC pressure 0.50/);
  });

  test('heap usage above the threshold does too', () => {
    const d = decide(
      input(
        models([1, 1, 1]),
        5000,
        { 'job.autoscaler.memory.heap-usage.threshold': '0.9' },
        { heapUsage: 0.95 },
      ),
    );
    assert.deepEqual(d.scaled, {});
    assert.equal(d.events[0]?.reason, 'MemoryPressure');
  });

  test('the thresholds default to 1, so pressure alone blocks nothing', () => {
    const d = decide(input(models([1, 1, 1]), 5000, {}, { gcPressure: 0.5, heapUsage: 0.95 }));
    assert.ok(d.scaled.source);
  });
});

describe('missing metrics', () => {
  test('a source without busy time keeps its parallelism, and still sizes the vertices behind it', () => {
    const i = input(models([1, 1, 1]), 2500);
    for (const s of i.samples) delete s.vertices.source!.busyTimeMaxMs;
    const d = decide(i);
    assert.equal(d.scaled.source, undefined);
    assert.ok(Number.isNaN(d.evaluation.vertices.source!.trueProcessingRate));
    assert.ok(d.scaled.keyed!.newParallelism > 1);
  });
});

describe('quota', () => {
  const quota = { quotaCpu: 4, quotaMemoryBytes: 8 * 2 ** 30 };
  const tm = { cpu: 1, memoryBytes: 2 ** 30, slots: 2 };

  test('TaskManagers are the widest changing vertex over the slots per TaskManager, rounded down', () => {
    // 9 slots over 2 per TaskManager: 4 TaskManagers, 4 CPUs, within the quota.
    assert.equal(exceedsQuota({ a: { currentParallelism: 2, newParallelism: 9 } }, tm, quota), false);
    assert.equal(exceedsQuota({ a: { currentParallelism: 2, newParallelism: 10 } }, tm, quota), true);
    // memory: 5 TaskManagers of 2 GiB exceed 8 GiB, while their CPUs fit
    const memoryOnly = { quotaMemoryBytes: 8 * 2 ** 30 };
    const big = { ...tm, memoryBytes: 2 * 2 ** 30 };
    assert.equal(exceedsQuota({ a: { currentParallelism: 2, newParallelism: 10 } }, big, memoryOnly), true);
  });

  test('only a decision that adds TaskManagers is checked', () => {
    const over = { a: { currentParallelism: 20, newParallelism: 21 } };
    assert.equal(exceedsQuota(over, tm, quota), false, 'same number of TaskManagers');
    assert.equal(exceedsQuota({ a: { currentParallelism: 20, newParallelism: 10 } }, tm, quota), false);
    assert.equal(exceedsQuota({ a: { currentParallelism: 20, newParallelism: 22 } }, tm, quota), true);
  });

  test('the vertices that change are counted, per slot sharing group the widest', () => {
    const scaled = {
      a: { currentParallelism: 2, newParallelism: 8 },
      b: { currentParallelism: 4, newParallelism: 6 },
    };
    // widest after: 8 slots, 4 TaskManagers; not 14 slots as a sum over vertices would be
    assert.equal(exceedsQuota(scaled, tm, quota), false);
    assert.equal(exceedsQuota(scaled, tm, {}), false, 'no quota, no check');
  });
});
