import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scalingReport } from '../../../src/autoscaler/decide.ts';
import { dueEvents } from '../../../src/autoscaler/events.ts';
import type { AutoscalerEvent } from '../../../src/autoscaler/types.ts';

const pressure: AutoscalerEvent = {
  type: 'Normal',
  reason: 'MemoryPressure',
  message: 'GC 0.5',
  key: 'gcPressure',
};
const summary = (from: number, to: number) => ({
  time: 0,
  currentParallelism: from,
  newParallelism: to,
  trueProcessingRate: 10,
  expectedProcessingRate: Infinity,
  targetDataRate: 5,
});

test('the same finding is recorded once per interval', () => {
  const first = dueEvents([pressure], {}, 1000, 60_000);
  assert.deepEqual(first.due, [pressure]);
  const again = dueEvents([{ ...pressure, message: 'GC 0.6' }], first.recorded, 30_000, 60_000);
  assert.deepEqual(again.due, []);
  const later = dueEvents([pressure], again.recorded, 61_001, 60_000);
  assert.deepEqual(later.due, [pressure]);
  assert.deepEqual(later.recorded, { 'MemoryPressure|gcPressure': 61_001 });
});

test('a scaling report with other parallelism changes is always recorded, as the same Kubernetes Event', () => {
  const up = scalingReport({ v: summary(1, 2) }, 'Scaling execution enabled, begin scaling vertices:');
  const down = scalingReport({ v: summary(2, 1) }, 'Scaling execution enabled, begin scaling vertices:');
  assert.equal(
    up.message,
    'Scaling execution enabled, begin scaling vertices:{ Vertex ID v | Parallelism 1 -> 2 | Processing capacity 10.00 -> Infinity | Target data rate 5.00}',
  );
  const first = dueEvents([up], {}, 0, 60_000);
  assert.deepEqual(dueEvents([down], first.recorded, 1000, 60_000).due, [down]);
  assert.equal(up.messageKey, down.messageKey);
});
