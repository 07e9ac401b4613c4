import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deriveTaskManagerMemory,
  jvmHeap,
  multiplyBytes,
  totalFlinkMemory,
  totalProcessMemory,
} from '../../../../src/flink/config/taskmanager-memory.ts';

const MiB = 2 ** 20;
const SEGMENT = 32 * 1024;

test('a 1280m TaskManager has the managed, network and heap memory a real Flink TaskManager reports', () => {
  // Flink 1.20.5 and 2.2.1 TaskManagers with taskmanager.memory.process.size 1280m report
  // Status.Flink.Memory.Managed.Total 348966098, Status.Shuffle.Netty.TotalMemory 87228416 (whole
  // 32 KiB segments of the network memory) and Status.JVM.Memory.Heap.Max 301989888 (-Xmx rounded
  // up by the JVM to its region size).
  const m = deriveTaskManagerMemory({ 'taskmanager.memory.process.size': '1280m' });
  assert.equal(m.overhead, 192 * MiB);
  assert.equal(m.metaspace, 256 * MiB);
  assert.equal(m.managed, 348966098);
  assert.equal(Math.floor(m.network / SEGMENT) * SEGMENT, 87228416);
  assert.ok(jvmHeap(m) <= 301989888 && 301989888 - jvmHeap(m) < MiB, `heap ${jvmHeap(m)}`);
  assert.equal(totalProcessMemory(m), 1280 * MiB);
});

test('JVM overhead is capped to its range and network memory has no upper bound by default', () => {
  const m = deriveTaskManagerMemory({ 'taskmanager.memory.process.size': '30 gb' });
  assert.equal(m.overhead, 1024 * MiB);
  assert.equal(totalFlinkMemory(m), 30 * 1024 * MiB - 1024 * MiB - 256 * MiB);
  assert.equal(m.network, multiplyBytes(totalFlinkMemory(m), Math.fround(0.1)));
  assert.ok(m.network > 1024 * MiB);
});

test('the total Flink memory derives the JVM overhead from the inverse fraction', () => {
  const m = deriveTaskManagerMemory({ 'taskmanager.memory.flink.size': '4g' });
  assert.equal(totalFlinkMemory(m), 4096 * MiB);
  // (4g + 256m) / 9 is over 192m and under 1g.
  assert.equal(m.overhead, multiplyBytes(4352 * MiB, Math.fround(0.1) / (1 - Math.fround(0.1))));
});

test('task heap and managed sizes give the network memory as the rest, or from its fraction', () => {
  const fine = deriveTaskManagerMemory({
    'taskmanager.memory.task.heap.size': '1g',
    'taskmanager.memory.managed.size': '512m',
  });
  assert.equal(fine.taskHeap, 1024 * MiB);
  assert.equal(fine.managed, 512 * MiB);
  assert.ok(fine.network >= 64 * MiB);
  const withTotal = deriveTaskManagerMemory({
    'taskmanager.memory.task.heap.size': '1g',
    'taskmanager.memory.managed.size': '512m',
    'taskmanager.memory.flink.size': '2g',
  });
  assert.equal(withTotal.network, 2048 * MiB - (1024 + 512 + 256) * MiB);
});

test('fixed network memory and a process size keep every part consistent', () => {
  const config = {
    'taskmanager.memory.process.size': '2g',
    'taskmanager.memory.network.min': '13760 kb',
    'taskmanager.memory.network.max': '13760 kb',
    'taskmanager.memory.managed.fraction': '0',
    'taskmanager.memory.framework.heap.size': '0 bytes',
    'taskmanager.memory.jvm-metaspace.size': '120 mb',
  };
  const m = deriveTaskManagerMemory(config);
  assert.equal(m.network, 13760 * 1024);
  assert.equal(m.managed, 0);
  assert.equal(m.frameworkHeap, 0);
  assert.equal(totalProcessMemory(m), 2048 * MiB);
});

test('contradicting or missing options are refused', () => {
  assert.throws(() => deriveTaskManagerMemory({}), /not configured/);
  assert.throws(
    () => deriveTaskManagerMemory({ 'taskmanager.memory.process.size': '300m' }),
    /exceed the TaskManager process memory/,
  );
  assert.throws(
    () =>
      deriveTaskManagerMemory({
        'taskmanager.memory.process.size': '1g',
        'taskmanager.memory.managed.size': '900m',
      }),
    /exceed the total Flink memory/,
  );
  assert.throws(
    () =>
      deriveTaskManagerMemory({
        'taskmanager.memory.process.size': '1g',
        'taskmanager.memory.managed.fraction': '1.5',
      }),
    /not a fraction/,
  );
});

test('a byte count times a fraction is truncated as Flink computes it on the decimal form', () => {
  assert.equal(multiplyBytes(872415232, Math.fround(0.4)), 348966098);
  assert.equal(multiplyBytes(1000, 0.5), 500);
  assert.equal(multiplyBytes(10 ** 9, 1e-7), 100);
  assert.equal(multiplyBytes(Infinity, 0.5), Infinity);
});
