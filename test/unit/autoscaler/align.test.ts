import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VertexInfo } from '../../../src/autoscaler/types.ts';
import { align } from '../../../src/autoscaler/vertex-scaler.ts';

const keyed = (maxParallelism: number): VertexInfo => ({
  id: 'v',
  name: 'v',
  parallelism: 2,
  maxParallelism,
  inputs: [{ id: 'up', shipStrategy: 'HASH' }],
  outputs: [],
});
const source = (partitions: number): VertexInfo => ({
  id: 's',
  name: 's',
  parallelism: 2,
  maxParallelism: 128,
  inputs: [],
  outputs: [],
  sourcePartitions: partitions,
});

test('EVENLY_SPREAD moves a keyed vertex up to a divisor of its key groups', () => {
  assert.equal(align(keyed(120), 2, 7, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 8);
  assert.equal(align(keyed(128), 2, 5, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 8);
  assert.equal(align(keyed(128), 2, 300, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 128);
});

test('BALANCED takes the first parallelism that lowers the key groups per subtask', () => {
  // 128 / 5 = 25 key groups per subtask; 6 subtasks take at most 21 each.
  assert.equal(align(keyed(128), 2, 5, 1, 200, { alignmentMode: 'BALANCED' }), 6);
  assert.equal(align(keyed(120), 2, 7, 1, 200, { alignmentMode: 'BALANCED' }), 8);
});

test('OFF and vertices not fed by keyBy keep the computed parallelism', () => {
  assert.equal(align(keyed(128), 2, 5, 1, 200, { alignmentMode: 'OFF' }), 5);
  const forward = { ...keyed(128), inputs: [{ id: 'up', shipStrategy: 'FORWARD' }] };
  assert.equal(align(forward, 2, 5, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 5);
});

test('a source spreads evenly over its partitions when a divisor is within reach', () => {
  assert.equal(align(source(10), 2, 4, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 5);
  assert.equal(align(source(12), 2, 5, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 6);
});

test('partitions bound only the search: beyond them the computed parallelism stands', () => {
  const kafka = { ...source(8), parallelism: 4 };
  for (const alignmentMode of ['BALANCED', 'EVENLY_SPREAD', 'OFF'] as const) {
    assert.equal(align(kafka, 4, 12, 1, 200, { alignmentMode }), 12, alignmentMode);
  }
  assert.equal(align(source(10), 2, 30, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 30);
  // 7 partitions have no divisor between 3 and 7 but 7 itself; a scale-down from 6 keeps 3.
  assert.equal(align({ ...source(7), parallelism: 6 }, 6, 3, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 3);
});

test('a scale-down aligns within the current parallelism, or stays', () => {
  const v = { ...keyed(128), parallelism: 8 };
  assert.equal(align(v, 8, 3, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 4);
  assert.equal(align(v, 8, 7, 1, 200, { alignmentMode: 'EVENLY_SPREAD' }), 8);
});

test('the upper limit and key groups bound the result', () => {
  assert.equal(align(keyed(128), 2, 50, 1, 16, { alignmentMode: 'EVENLY_SPREAD' }), 16);
  assert.equal(align(keyed(6), 2, 50, 1, 200, { alignmentMode: 'BALANCED' }), 6);
});
