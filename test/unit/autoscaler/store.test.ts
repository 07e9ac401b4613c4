import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withOverrides } from '../../../src/autoscaler/autoscaler.ts';
import {
  deserializeState,
  formatOverrides,
  parseOverrides,
  serializeState,
} from '../../../src/autoscaler/store.ts';
import { EMPTY_STATE, type AutoscalerState } from '../../../src/autoscaler/types.ts';
import type { FlinkDeployment } from '../../../src/api/index.ts';

test('the state survives a round trip through ConfigMap data, infinite rates included', () => {
  const state: AutoscalerState = {
    ...structuredClone(EMPTY_STATE),
    jobId: 'abc',
    jobRunningSince: 5,
    metrics: [
      { time: 1, vertices: { v: { busyTimeMaxMs: 10, numRecordsIn: 4 } }, global: { gcPressure: 0.1 } },
    ],
    scalingHistory: {
      v: [
        {
          time: 1,
          currentParallelism: 1,
          newParallelism: 2,
          trueProcessingRate: 5,
          expectedProcessingRate: 10,
          targetDataRate: 7,
        },
      ],
    },
    parallelismOverrides: { v: 2, w: 10 },
    eventTimes: { 'ScalingReport|x': 3 },
    lastEvaluation: {
      time: 1,
      vertices: {
        v: {
          parallelism: 1,
          maxParallelism: 128,
          load: 0,
          trueProcessingRate: Infinity,
          targetDataRate: 0,
          catchUpDataRate: 0,
          scaleUpRateThreshold: 0,
          scaleDownRateThreshold: 0,
        },
      },
    },
  };
  const data = serializeState(state);
  assert.equal(data.parallelismOverrides, 'v:2,w:10');
  assert.deepEqual(deserializeState(data), state);
  assert.deepEqual(deserializeState(undefined), EMPTY_STATE);
});

test('an unknown value of the evaluation (NaN) is left out, not read back as an unbounded rate', () => {
  const vertex = {
    parallelism: 1,
    maxParallelism: 128,
    load: NaN,
    trueProcessingRate: NaN,
    targetDataRate: 3,
    catchUpDataRate: 0,
    scaleUpRateThreshold: 0,
    scaleDownRateThreshold: 0,
  };
  const state: AutoscalerState = {
    ...structuredClone(EMPTY_STATE),
    lastEvaluation: { time: 1, vertices: { v: vertex } },
  };
  const read = deserializeState(serializeState(state)).lastEvaluation!.vertices.v!;
  assert.equal(read.trueProcessingRate, undefined);
  assert.equal(read.load, undefined);
  assert.equal(read.targetDataRate, 3);
});

test('overrides use Flink map syntax', () => {
  assert.deepEqual(parseOverrides(' a:1, b : 20,broken,c:x'), { a: 1, b: 20 });
  assert.equal(formatOverrides({ b: 2, a: 1 }), 'a:1,b:2');
});

test('the autoscaler overrides go into a copy of the configuration, over the user own', () => {
  const deployment: FlinkDeployment = {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'd', namespace: 'ns' },
    spec: {
      flinkConfiguration: {
        pipeline: { 'jobvertex-parallelism-overrides': 'a:1,b:2' },
        'job.autoscaler.enabled': 'true',
      },
      job: { jarURI: 'local:///x.jar' },
    },
  };
  const scaled = withOverrides(deployment, { b: 4, c: 3 });
  assert.equal(scaled.spec.flinkConfiguration!['pipeline.jobvertex-parallelism-overrides'], 'a:1,b:4,c:3');
  assert.equal(scaled.spec.flinkConfiguration!['job.autoscaler.enabled'], 'true');
  assert.deepEqual(deployment.spec.flinkConfiguration!.pipeline, {
    'jobvertex-parallelism-overrides': 'a:1,b:2',
  });
  assert.equal(withOverrides(deployment, {}), deployment);
});

test('for an excluded vertex the user own override wins over the autoscaler', () => {
  const deployment: FlinkDeployment = {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'd', namespace: 'ns' },
    spec: {
      flinkConfiguration: { 'pipeline.jobvertex-parallelism-overrides': 'a:5,b:2' },
      job: { jarURI: 'local:///x.jar' },
    },
  };
  const scaled = withOverrides(deployment, { a: 1, b: 4, c: 3, d: 6 }, ['a', 'c']);
  // a: excluded, the user's 5 stays; c: excluded without a user override, pinned by the autoscaler
  assert.equal(
    scaled.spec.flinkConfiguration!['pipeline.jobvertex-parallelism-overrides'],
    'a:5,b:4,c:3,d:6',
  );
});
