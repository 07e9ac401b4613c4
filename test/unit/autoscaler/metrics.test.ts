import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlinkDeployment } from '../../../src/api/index.ts';
import { autoscale } from '../../../src/autoscaler/autoscaler.ts';
import { decide } from '../../../src/autoscaler/decide.ts';
import { decisionOutcome, evaluationMetrics } from '../../../src/autoscaler/metrics.ts';
import { deserializeState, serializeState } from '../../../src/autoscaler/store.ts';
import { EMPTY_STATE, type AutoscalerState, type VertexEvaluation } from '../../../src/autoscaler/types.ts';
import {
  OperatorConfig,
  OperatorMetrics,
  type AutoscalerMetricsSink,
  type AutoscalerVertexValue,
  type KubeClient,
} from '../../../src/runtime/index.ts';
import { pipeline, series, settings } from './series.ts';

const MINUTE = 60_000;

function valueOf(values: AutoscalerVertexValue[], vertex: string, metric: string) {
  const found = values.filter((v) => v.vertex === vertex && v.metric === metric);
  assert.ok(found.length <= 1, `one ${metric} of ${vertex}`);
  return found[0];
}

const vertex = (overrides: Partial<VertexEvaluation> = {}): VertexEvaluation => ({
  parallelism: 2,
  maxParallelism: 128,
  load: 0.5,
  trueProcessingRate: 400,
  targetDataRate: 200,
  catchUpDataRate: 10,
  scaleUpRateThreshold: 300,
  scaleDownRateThreshold: 150,
  ...overrides,
});

test('a decision that scales up shows the old and the recommended parallelism and the expected rate', () => {
  const models = [
    { id: 'source', parallelism: 1, capacity: 1000, sourcePartitions: 8 },
    { id: 'keyed', parallelism: 1, capacity: 1000 },
    { id: 'sink', parallelism: 1, capacity: 1000 },
  ] as const;
  const samples = series([...models], { rate: 3000, start: 0, stepMs: MINUTE, count: 6 });
  const topology = pipeline(...models);
  const decision = decide({
    settings: settings({ 'job.autoscaler.scale-down.interval': '0' }),
    topology,
    samples,
    state: { ...structuredClone(EMPTY_STATE), topology },
    now: samples.at(-1)!.time,
  });
  assert.equal(decisionOutcome(decision), 'scaling', 'the overloaded pipeline scales');
  const values = evaluationMetrics(decision.state);

  for (const id of ['source', 'keyed', 'sink']) {
    const e = decision.state.lastEvaluation!.vertices[id]!;
    assert.deepEqual(valueOf(values, id, 'PARALLELISM'), {
      vertex: id,
      metric: 'PARALLELISM',
      stat: 'current',
      value: 1,
    });
    assert.equal(valueOf(values, id, 'RECOMMENDED_PARALLELISM')?.value, e.recommendedParallelism ?? 1);
    assert.equal(valueOf(values, id, 'LOAD')?.stat, 'average');
    assert.equal(valueOf(values, id, 'LOAD')?.value, e.load);
    assert.equal(valueOf(values, id, 'TARGET_DATA_RATE')?.value, e.targetDataRate);
    const summary = decision.scaled[id];
    assert.equal(valueOf(values, id, 'EXPECTED_PROCESSING_RATE')?.value, summary?.expectedProcessingRate);
  }
  assert.ok(valueOf(values, 'source', 'RECOMMENDED_PARALLELISM')!.value > 1);
  assert.equal(valueOf(values, 'source', 'NUM_SOURCE_PARTITIONS')?.value, 8);
  assert.equal(valueOf(values, 'keyed', 'NUM_SOURCE_PARTITIONS'), undefined);
  assert.deepEqual(
    [...new Set(values.map((v) => v.vertex))],
    ['source', 'keyed', 'sink'],
    'vertices in graph order',
  );
});

test('a decision that only recommends, or finds every vertex in its band, counts as balanced', () => {
  const models = [
    { id: 'source', parallelism: 4, capacity: 1000 },
    { id: 'keyed', parallelism: 4, capacity: 1000 },
    { id: 'sink', parallelism: 4, capacity: 1000 },
  ] as const;
  const run = (rate: number, config: Record<string, string> = {}) => {
    const samples = series([...models], { rate, start: 0, stepMs: MINUTE, count: 6 });
    return decide({
      settings: settings({ 'job.autoscaler.scale-down.interval': '0', ...config }),
      topology: pipeline(...models),
      samples,
      state: structuredClone(EMPTY_STATE),
      now: samples.at(-1)!.time,
    });
  };
  assert.equal(decisionOutcome(run(9000)), 'scaling');
  assert.equal(decisionOutcome(run(9000, { 'job.autoscaler.scaling.enabled': 'false' })), 'balanced');
  const inBand = run(2800);
  assert.equal(decisionOutcome(inBand), 'balanced');
  assert.ok(inBand.state.lastEvaluation, 'an evaluation all the same');
});

test('a vertex left alone is recommended its own parallelism; no scaling, no expected rate', () => {
  const state: AutoscalerState = {
    ...structuredClone(EMPTY_STATE),
    lastEvaluation: { time: 5, vertices: { v: vertex() } },
    scalingHistory: {
      v: [
        {
          time: 1,
          currentParallelism: 1,
          newParallelism: 2,
          trueProcessingRate: 1,
          expectedProcessingRate: 2,
          targetDataRate: 1,
        },
      ],
    },
  };
  const values = evaluationMetrics(state);
  assert.equal(valueOf(values, 'v', 'RECOMMENDED_PARALLELISM')?.value, 2);
  assert.equal(valueOf(values, 'v', 'EXPECTED_PROCESSING_RATE'), undefined, 'that scaling was earlier');
  assert.deepEqual(
    values.map((v) => `${v.metric}/${v.stat}=${v.value}`),
    [
      'LOAD/average=0.5',
      'TRUE_PROCESSING_RATE/average=400',
      'TARGET_DATA_RATE/average=200',
      'CATCH_UP_DATA_RATE/current=10',
      'PARALLELISM/current=2',
      'RECOMMENDED_PARALLELISM/current=2',
      'MAX_PARALLELISM/current=128',
      'SCALE_UP_RATE_THRESHOLD/current=300',
      'SCALE_DOWN_RATE_THRESHOLD/current=150',
    ],
  );
});

test('unknown values are left out, unbounded ones kept; no evaluation, no values', () => {
  const state: AutoscalerState = {
    ...structuredClone(EMPTY_STATE),
    lastEvaluation: { time: 5, vertices: { v: vertex({ load: NaN, trueProcessingRate: Infinity, lag: 0 }) } },
  };
  const values = evaluationMetrics(state);
  assert.equal(valueOf(values, 'v', 'LOAD'), undefined);
  assert.equal(valueOf(values, 'v', 'TRUE_PROCESSING_RATE')?.value, Infinity);
  assert.equal(valueOf(values, 'v', 'LAG')?.value, 0);
  assert.deepEqual(evaluationMetrics(structuredClone(EMPTY_STATE)), []);
  // Read back from the ConfigMap after a restart, the unknown load is still unknown.
  const reloaded = deserializeState(serializeState(state));
  assert.equal(valueOf(evaluationMetrics(reloaded), 'v', 'LOAD'), undefined);
  assert.equal(valueOf(evaluationMetrics(reloaded), 'v', 'TRUE_PROCESSING_RATE')?.value, Infinity);
});

test('the registry shows a resource evaluation and counters until they are cleared or the resource is forgotten', async () => {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const a = metrics.autoscaler('FlinkDeployment', 'ns', 'a');
  const b = metrics.autoscaler('FlinkSessionJob', 'ns', 'b');
  const labels = (name: string, kind: string) => `namespace="ns",name="${name}",kind="${kind}"`;
  const A = labels('a', 'FlinkDeployment');
  const B = labels('b', 'FlinkSessionJob');
  a.setEvaluation([
    { vertex: 'v', metric: 'LOAD', stat: 'average', value: 0.25 },
    { vertex: 'v', metric: 'TRUE_PROCESSING_RATE', stat: 'average', value: Infinity },
  ]);
  a.count('scaling');
  b.setEvaluation([{ vertex: 'w', metric: 'PARALLELISM', stat: 'current', value: 3 }]);
  b.count('balanced');
  b.count('error');

  let text = await metrics.registry.metrics();
  assert.match(
    text,
    new RegExp(
      `flink_operator_autoscaler_vertex_metric\\{${A},vertex="v",metric="LOAD",stat="average"\\} 0.25`,
    ),
  );
  assert.match(text, new RegExp(`\\{${A},vertex="v",metric="TRUE_PROCESSING_RATE",stat="average"\\} \\+Inf`));
  assert.match(text, new RegExp(`flink_operator_autoscaler_scalings_total\\{${A}\\} 1`));
  assert.match(text, new RegExp(`flink_operator_autoscaler_balanced_total\\{${A}\\} 0`));
  assert.match(text, new RegExp(`flink_operator_autoscaler_errors_total\\{${B}\\} 1`));

  // A newer evaluation replaces the older one.
  a.setEvaluation([{ vertex: 'v', metric: 'LOAD', stat: 'average', value: 0.5 }]);
  text = await metrics.registry.metrics();
  assert.match(text, new RegExp(`\\{${A},vertex="v",metric="LOAD",stat="average"\\} 0.5`));
  assert.doesNotMatch(text, /metric="TRUE_PROCESSING_RATE"/);

  a.clearEvaluation();
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, new RegExp(`vertex_metric\\{${A}`));
  assert.match(text, new RegExp(`scalings_total\\{${A}\\} 1`), 'the counters stay');

  a.clear();
  metrics.setResourceState('FlinkSessionJob', 'ns', 'b', 'STABLE');
  metrics.forgetResource('FlinkSessionJob', 'ns', 'b');
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /name="a"|name="b"/);
});

/** A sink that records the calls the autoscaler step makes. */
function recordingSink() {
  const calls: string[] = [];
  const sink: AutoscalerMetricsSink = {
    setEvaluation: (values) => calls.push(`set ${values.length}`),
    count: (outcome) => calls.push(`count ${outcome}`),
    clearEvaluation: () => calls.push('clearEvaluation'),
    clear: () => calls.push('clear'),
  };
  return { calls, sink };
}

function runningDeployment(config: Record<string, string>): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'd', namespace: 'ns', uid: 'u' },
    spec: { flinkConfiguration: config, job: { jarURI: 'local:///job.jar', parallelism: 2 } },
    status: {
      lifecycleState: 'STABLE',
      reconciliationStatus: { state: 'DEPLOYED' },
      jobStatus: { state: 'RUNNING', jobId: 'j' },
    },
  };
}

/** Runs the step on a kept state; the ConfigMap holds `kept`, REST is unreachable. */
async function step(config: Record<string, string>, kept: AutoscalerState) {
  const { calls, sink } = recordingSink();
  // Only reading the ConfigMap and deleting it are reached; anything else fails the test.
  const client = {
    get: () => Promise.resolve({ data: serializeState(kept) }),
    delete: () => Promise.resolve(),
  } as unknown as KubeClient;
  await autoscale(runningDeployment(config), true, {
    client,
    config: new OperatorConfig(config),
    restUrl: () => Promise.reject(new Error('connection refused')),
    recordEvent: () => Promise.resolve(),
    metrics: sink,
    now: 1_000_000,
  });
  return calls;
}

test('a failed step counts an error and keeps the evaluation on record published', async () => {
  const kept: AutoscalerState = {
    ...structuredClone(EMPTY_STATE),
    lastEvaluation: { time: 5, vertices: { v: vertex() } },
  };
  assert.deepEqual(await step({ 'job.autoscaler.enabled': 'true' }, kept), ['count error', 'set 9']);
  assert.deepEqual(await step({ 'job.autoscaler.enabled': 'true' }, structuredClone(EMPTY_STATE)), [
    'count error',
    'clearEvaluation',
  ]);
});

test('with the autoscaler off every series of the resource goes', async () => {
  assert.deepEqual(await step({}, structuredClone(EMPTY_STATE)), ['clear']);
});
