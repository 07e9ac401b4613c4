import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventName, javaStringHash, newEvent, repeatPatch } from '../../../src/runtime/events.ts';
import { backoffDelay } from '../../../src/runtime/backoff.ts';

const target = {
  apiVersion: 'test.flink-operator.dev/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'u-1' },
};

test('javaStringHash matches Java String.hashCode', () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('hello'), 99162322);
  assert.equal(javaStringHash('The quick brown fox jumps over the lazy dog'), -609428141);
});

test('one event name per object, type, reason and message (or message key)', () => {
  const a = eventName(target, { type: 'Warning', reason: 'Error', message: 'boom' });
  assert.match(a, /^Operator\.\d+$/);
  assert.equal(a, eventName(target, { type: 'Warning', reason: 'Error', message: 'boom' }));
  assert.notEqual(a, eventName(target, { type: 'Warning', reason: 'Error', message: 'other' }));
  assert.notEqual(
    a,
    eventName(
      { ...target, metadata: { ...target.metadata, uid: 'u-2' } },
      { type: 'Warning', reason: 'Error', message: 'boom' },
    ),
  );
  const keyed = (message: string) =>
    eventName(target, {
      type: 'Normal',
      reason: 'SpecChanged',
      message,
      messageKey: 'gen-2',
      component: 'Job',
    });
  assert.equal(keyed('first text'), keyed('second text'));
  assert.match(keyed('x'), /^Job\./);
});

test('a first event has count 1; a repeat bumps count and lastTimestamp and keeps firstTimestamp', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const event = newEvent(target, { type: 'Warning', reason: 'Error', message: 'boom' }, t0);
  assert.equal(event.count, 1);
  assert.equal(event.source.component, 'Operator');
  assert.deepEqual(event.involvedObject, {
    apiVersion: target.apiVersion,
    kind: 'Widget',
    name: 'w',
    namespace: 'ns',
    uid: 'u-1',
  });
  const stored = { ...event, metadata: { ...event.metadata, resourceVersion: '7' } };
  const t1 = new Date('2026-01-01T00:05:00Z');
  const patch = repeatPatch(stored, { type: 'Warning', reason: 'Error', message: 'boom again' }, t1);
  assert.deepEqual(patch, {
    metadata: { resourceVersion: '7' },
    count: 2,
    lastTimestamp: t1.toISOString(),
    message: 'boom again',
  });
});

test('backoff grows by the multiplier and respects the cap', () => {
  const policy = { initialMs: 5000, multiplier: 1.5 };
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelay(policy, n)),
    [5000, 7500, 11250],
  );
  assert.equal(backoffDelay({ ...policy, maxMs: 6000 }, 5), 6000);
});
