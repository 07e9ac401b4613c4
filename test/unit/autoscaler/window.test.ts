import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_STATE, type AutoscalerState, type MetricSample } from '../../../src/autoscaler/types.ts';
import { addSample, collectionDue } from '../../../src/autoscaler/window.ts';
import { pipeline } from './series.ts';

const MINUTE = 60_000;
const START = 1_700_000_000_000;
const topology = pipeline(
  { id: 'a', parallelism: 1, capacity: 1 },
  { id: 'b', parallelism: 1, capacity: 1 },
  { id: 'c', parallelism: 1, capacity: 1 },
);
const settings = { stabilizationMs: 2 * MINUTE, metricsWindowMs: 5 * MINUTE };
const sample = (time: number): MetricSample => ({ time, vertices: {}, global: {} });

function run(times: number[], state: AutoscalerState = structuredClone(EMPTY_STATE), runningSince = START) {
  let stage;
  for (const t of times) {
    ({ state, window: stage } = addSample(
      state,
      { jobId: 'j', runningSince, topology, sample: sample(t) },
      settings,
    ));
  }
  return { state, stage: stage! };
}

test('no samples are kept while the job stabilises', () => {
  const { state, stage } = run([START + MINUTE]);
  assert.deepEqual(stage, { stage: 'stabilizing', until: START + 2 * MINUTE });
  assert.deepEqual(state.metrics, []);
});

test('the window is full one window after the first stable sample, then keeps only the window', () => {
  const times = Array.from({ length: 10 }, (_, i) => START + (2 + i) * MINUTE);
  let r = run(times.slice(0, 5));
  assert.deepEqual(r.stage, { stage: 'collecting', fullAt: START + 7 * MINUTE });
  r = run(times);
  assert.deepEqual(r.stage, { stage: 'full' });
  assert.deepEqual(
    r.state.metrics.map((s) => (s.time - START) / MINUTE),
    [6, 7, 8, 9, 10, 11],
  );
});

test('a restart of the job or a changed job graph starts the window again', () => {
  const { state } = run([START + 3 * MINUTE, START + 4 * MINUTE]);
  assert.equal(state.metrics.length, 2);
  const restarted = run([START + 10 * MINUTE], state, START + 9 * MINUTE);
  assert.equal(restarted.state.metrics.length, 0);
  const rescaled = addSample(
    state,
    {
      jobId: 'j',
      runningSince: START,
      topology: { vertices: topology.vertices.map((v) => ({ ...v, parallelism: 2 })) },
      sample: sample(START + 5 * MINUTE),
    },
    settings,
  );
  assert.equal(rescaled.state.metrics.length, 0);
});

test('after an in-place rescale the job stabilises again before samples count', () => {
  const { state } = run([START + 3 * MINUTE, START + 4 * MINUTE]);
  const rescaled = { vertices: topology.vertices.map((v) => ({ ...v, parallelism: 2 })) };
  const at = START + 5 * MINUTE;
  let r = addSample(
    state,
    { jobId: 'j', runningSince: START, topology: rescaled, sample: sample(at) },
    settings,
  );
  assert.deepEqual(r.window, { stage: 'stabilizing', until: at + 2 * MINUTE });
  assert.equal(r.state.rescaledAt, at);
  r = addSample(
    r.state,
    { jobId: 'j', runningSince: START, topology: rescaled, sample: sample(at + 2 * MINUTE) },
    settings,
  );
  assert.equal(r.window.stage, 'collecting');
  assert.equal(r.state.metrics.length, 1);
});

test('samples are collected at most every tenth of the window, and at most 10 s apart', () => {
  const { state } = run([START + 3 * MINUTE]);
  assert.equal(collectionDue(state, START + 3 * MINUTE + 9_999, settings), false);
  assert.equal(collectionDue(state, START + 3 * MINUTE + 10_000, settings), true);
  assert.equal(collectionDue(state, START + 3 * MINUTE + 3_000, { metricsWindowMs: 30_000 }), true);
  assert.equal(collectionDue(structuredClone(EMPTY_STATE), START, settings), true);
});
