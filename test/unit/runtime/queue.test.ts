import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../src/runtime/queue.ts';
import { FakeClock, settle } from './fake-clock.ts';

/** A process function whose runs the test finishes by hand. */
function controllable() {
  const running = new Map<string, () => void>();
  const started: string[] = [];
  let concurrentMax = 0;
  const perKeyActive = new Map<string, number>();
  let perKeyMax = 0;
  const process = (key: string) =>
    new Promise<void>((resolve) => {
      started.push(key);
      perKeyActive.set(key, (perKeyActive.get(key) ?? 0) + 1);
      perKeyMax = Math.max(perKeyMax, perKeyActive.get(key) ?? 0);
      running.set(key, () => {
        perKeyActive.set(key, (perKeyActive.get(key) ?? 1) - 1);
        running.delete(key);
        resolve();
      });
      concurrentMax = Math.max(concurrentMax, running.size);
    });
  return {
    process,
    started,
    running,
    finish: async (key: string) => {
      running.get(key)?.();
      await settle();
    },
    get concurrentMax() {
      return concurrentMax;
    },
    get perKeyMax() {
      return perKeyMax;
    },
  };
}

test('a key added many times while waiting runs once', async () => {
  const clock = new FakeClock();
  const work = controllable();
  const queue = new WorkQueue({ parallelism: 4, process: work.process, clock });
  queue.pause();
  for (let i = 0; i < 10; i++) queue.add('ns/a');
  queue.add('ns/b');
  assert.equal(queue.depth, 2);
  queue.resume();
  await settle();
  assert.deepEqual(work.started.sort(), ['ns/a', 'ns/b']);
});

test('a key added while in flight runs again afterwards, never concurrently', async () => {
  const clock = new FakeClock();
  const work = controllable();
  const queue = new WorkQueue({ parallelism: 10, process: work.process, clock });
  queue.add('k');
  await settle();
  assert.equal(work.running.size, 1);
  for (let i = 0; i < 50; i++) queue.add('k');
  await settle();
  assert.equal(work.started.length, 1, 'no second run while the first is in flight');
  await work.finish('k');
  assert.equal(work.started.length, 2, 'exactly one follow-up run');
  await work.finish('k');
  assert.equal(work.started.length, 2);
  assert.equal(work.perKeyMax, 1);
});

test('parallelism bounds the keys running at once', async () => {
  const clock = new FakeClock();
  const work = controllable();
  const queue = new WorkQueue({ parallelism: 3, process: work.process, clock });
  for (let i = 0; i < 10; i++) queue.add(`k${i}`);
  await settle();
  assert.equal(work.running.size, 3);
  await work.finish('k0');
  assert.equal(work.running.size, 3);
  assert.deepEqual(work.started, ['k0', 'k1', 'k2', 'k3'], 'earliest added first');
  queue.setParallelism(-1);
  await settle();
  assert.equal(work.running.size, 9, 'unbounded after -1');
  assert.equal(work.concurrentMax, 9);
});

test('delayed keys run when due; the earlier of two schedules wins', async () => {
  const clock = new FakeClock();
  const work = controllable();
  const queue = new WorkQueue({ parallelism: 2, process: work.process, clock });
  queue.add('late', 60_000);
  queue.add('soon', 5_000);
  queue.add('late', 10_000);
  queue.add('soon', 20_000);
  await clock.advance(4_999);
  assert.deepEqual(work.started, []);
  await clock.advance(1);
  assert.deepEqual(work.started, ['soon']);
  await clock.advance(5_000);
  assert.deepEqual(work.started, ['soon', 'late']);
  await clock.advance(60_000);
  assert.equal(work.started.length, 2, 'the replaced 60 s schedule does not fire');
});

test('a requeue during a run keeps the requested delay', async () => {
  const clock = new FakeClock();
  const runs: number[] = [];
  const queue = new WorkQueue({
    parallelism: 1,
    clock,
    process: async (key) => {
      runs.push(clock.now());
      queue.add(key, 30_000);
    },
  });
  queue.add('k');
  await clock.advance(0);
  await clock.advance(90_000);
  assert.deepEqual(runs, [0, 30_000, 60_000, 90_000]);
});

test('remove forgets a waiting key; pause holds keys until resume', async () => {
  const clock = new FakeClock();
  const work = controllable();
  const queue = new WorkQueue({ parallelism: 2, process: work.process, clock });
  queue.pause();
  queue.add('a');
  queue.add('b', 1000);
  queue.remove('b');
  await clock.advance(2000);
  assert.deepEqual(work.started, []);
  queue.resume();
  await clock.advance(0);
  assert.deepEqual(work.started, ['a']);
});

test('abortInFlight aborts running signals; drain waits for completion or times out', async () => {
  const clock = new FakeClock();
  const seen: AbortSignal[] = [];
  let release!: () => void;
  const queue = new WorkQueue({
    parallelism: 2,
    clock,
    process: (_key, signal) => {
      seen.push(signal);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  });
  queue.add('a');
  await settle();
  const drained = queue.drain(1000);
  await clock.advance(1000);
  assert.equal(await drained, false);
  queue.abortInFlight(new Error('lost lease'));
  assert.equal(seen[0]?.aborted, true);
  release();
  assert.equal(await queue.drain(1000), true);
  queue.add('b');
  await settle();
  assert.equal(seen[1]?.aborted, false, 'later runs get a fresh signal');
});
