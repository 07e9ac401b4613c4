import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  gateSegments,
  networkMemory,
  recommendationMessage,
  tuneTaskManagerMemory,
  type MemoryTuning,
  type MemoryTuningInput,
} from '../../../src/autoscaler/memory-tuning.ts';
import type { GlobalSample, JobTopology, MetricSample } from '../../../src/autoscaler/types.ts';
import { deriveTaskManagerMemory, jvmHeap } from '../../../src/flink/config/taskmanager-memory.ts';
import { settings } from './series.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const T0 = 1_700_000_000_000;

/** source -(REBALANCE)-> map -(HASH)-> sink, all at `p`. */
function topology(p: [number, number, number]): JobTopology {
  return {
    vertices: [
      { id: 'src', name: 'src', parallelism: p[0], maxParallelism: 128, inputs: [], outputs: ['map'] },
      {
        id: 'map',
        name: 'map',
        parallelism: p[1],
        maxParallelism: 128,
        inputs: [{ id: 'src', shipStrategy: 'REBALANCE' }],
        outputs: ['sink'],
      },
      {
        id: 'sink',
        name: 'sink',
        parallelism: p[2],
        maxParallelism: 128,
        inputs: [{ id: 'map', shipStrategy: 'HASH' }],
        outputs: [],
      },
    ],
  };
}

/** Ten samples a minute apart; heap usage swings around `heap` as garbage piles up and is collected. */
function window(global: Omit<GlobalSample, 'heapUsedBytes'> & { heap: number }): MetricSample[] {
  const { heap, ...rest } = global;
  return Array.from({ length: 10 }, (_, i) => ({
    time: T0 + i * 60_000,
    vertices: {},
    global: { ...rest, heapUsedBytes: heap + (i % 2 === 0 ? 50 * MiB : -50 * MiB) },
  }));
}

function tune(
  overrides: Partial<MemoryTuningInput> & {
    options?: Record<string, string>;
    next?: [number, number, number];
  },
): MemoryTuning {
  const topo = overrides.topology ?? topology([4, 4, 4]);
  const next = overrides.next;
  const ids = topo.vertices.map((v) => v.id);
  const result = tuneTaskManagerMemory({
    settings: settings({ 'job.autoscaler.memory.tuning.enabled': 'true', ...overrides.options }),
    config: overrides.config ?? {
      'taskmanager.memory.process.size': '4g',
      'taskmanager.numberOfTaskSlots': '2',
    },
    topology: topo,
    samples:
      overrides.samples ??
      window({ heap: 600 * MiB, metaspaceUsedBytes: 90 * MiB, managedUsedBytes: 0, slotsUsed: 4 }),
    parallelism:
      overrides.parallelism ??
      ((id) => (next ? next[ids.indexOf(id)]! : topo.vertices.find((v) => v.id === id)!.parallelism)),
  });
  if ('skipped' in result) assert.fail(`tuning skipped: ${result.skipped}`);
  return result;
}

describe('memory tuning', () => {
  test('a heap-state job using a fraction of its 4g heap and no managed memory gets a much smaller TaskManager', () => {
    const spec = deriveTaskManagerMemory({ 'taskmanager.memory.process.size': '4g' });
    const t = tune({});
    // The window's average heap (600 MiB) plus 20%, metaspace 90 MiB plus 20%.
    assert.ok(Math.abs(jvmHeap(t.memory) - 720 * MiB) < 8 * MiB, `heap ${jvmHeap(t.memory) / MiB} MiB`);
    assert.equal(t.overrides['taskmanager.memory.jvm-metaspace.size'], '108 mb');
    assert.equal(t.memory.managed, 0);
    assert.equal(t.overrides['taskmanager.memory.managed.fraction'], '0.0');
    // JVM overhead and off-heap parts stay as configured.
    assert.ok(t.memory.overhead >= spec.overhead);
    assert.equal(t.memory.frameworkOffHeap, spec.frameworkOffHeap);
    assert.ok(t.processMemoryBytes < 2 * GiB, `process ${t.processMemoryBytes / MiB} MiB`);
    assert.equal(t.overrides['taskmanager.memory.process.size'], `${t.processMemoryBytes} bytes`);
    assert.deepEqual(t.removals, [
      'taskmanager.memory.flink.size',
      'taskmanager.memory.task.heap.size',
      'taskmanager.memory.managed.size',
      'taskmanager.memory.size',
    ]);
  });

  test('managed memory in use (RocksDB) keeps its configured size, or takes all that is saved when maximised', () => {
    const spec = deriveTaskManagerMemory({ 'taskmanager.memory.process.size': '4g' });
    const samples = window({
      heap: 600 * MiB,
      metaspaceUsedBytes: 90 * MiB,
      managedUsedBytes: 900 * MiB,
      slotsUsed: 4,
    });
    const kept = tune({ samples });
    assert.ok(Math.abs(kept.memory.managed - spec.managed) < 4 * MiB);
    assert.ok(kept.processMemoryBytes < 4 * GiB);
    const maximised = tune({
      samples,
      options: { 'job.autoscaler.memory.tuning.maximize-managed-memory': 'true' },
    });
    assert.equal(maximised.processMemoryBytes, 4 * GiB);
    assert.ok(maximised.memory.managed > spec.managed + GiB);
  });

  test('the TaskManager never gets more memory than the spec, whatever the usage', () => {
    let tuned = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 16 * GiB }),
        fc.integer({ min: 0, max: 2 * GiB }),
        fc.integer({ min: 0, max: 8 * GiB }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        (heap, metaspace, managed, parallelism, maximize) => {
          const result = tuneTaskManagerMemory({
            settings: settings({
              'job.autoscaler.memory.tuning.enabled': 'true',
              'job.autoscaler.memory.tuning.maximize-managed-memory': String(maximize),
            }),
            config: { 'taskmanager.memory.process.size': '4g' },
            topology: topology([8, 8, 8]),
            samples: [
              {
                time: T0,
                vertices: {},
                global: { heapUsedBytes: heap, metaspaceUsedBytes: metaspace, managedUsedBytes: managed },
              },
            ],
            parallelism: () => parallelism,
          });
          if ('skipped' in result) return;
          tuned++;
          assert.ok(result.processMemoryBytes <= 4 * GiB);
          assert.ok(result.memory.taskHeap > 0);
          // The tuned configuration is one Flink accepts, with the process size it names.
          assert.equal(deriveTaskManagerMemory({ ...result.overrides }).taskHeap, result.memory.taskHeap);
        },
      ),
    );
    assert.ok(tuned > 50, `only ${tuned} of 100 runs tuned`);
  });

  test('heap usage beyond the spec is capped at the spec memory', () => {
    const t = tune({
      samples: window({ heap: 6 * GiB, metaspaceUsedBytes: 90 * MiB, managedUsedBytes: 0, slotsUsed: 4 }),
    });
    assert.equal(t.processMemoryBytes, 4 * GiB);
    assert.equal(t.overrides['taskmanager.memory.process.size'], '4 gb');
  });

  test('network memory follows the new parallelism: buffers per channel for every connected subtask, per slot', () => {
    const small = tune({ next: [4, 4, 4] });
    const large = tune({ next: [32, 32, 32] });
    const expected = (p: number) =>
      // src out (REBALANCE to map), map in and out, sink in (HASH): p channels each, 2 buffers, 8 floating.
      4 * (p * 2 + 8) * 32 * 1024 * 2;
    assert.equal(small.memory.network, expected(4));
    assert.equal(large.memory.network, expected(32));
    assert.equal(
      small.overrides['taskmanager.memory.network.min'],
      small.overrides['taskmanager.memory.network.max'],
    );
  });

  test('a scale-down to fewer TaskManagers grows the heap by the ratio of TaskManagers, unless turned off', () => {
    // 8 slots in use on 2-slot TaskManagers: 4 TaskManagers, 2 after scaling to 4.
    const samples = window({
      heap: 600 * MiB,
      metaspaceUsedBytes: 90 * MiB,
      managedUsedBytes: 0,
      slotsUsed: 8,
    });
    const topo = topology([8, 8, 8]);
    const compensated = tune({ topology: topo, samples, next: [4, 4, 4] });
    const plain = tune({
      topology: topo,
      samples,
      next: [4, 4, 4],
      options: { 'job.autoscaler.memory.tuning.scale-down-compensation.enabled': 'false' },
    });
    assert.ok(Math.abs(jvmHeap(compensated.memory) - 2 * 720 * MiB) < 16 * MiB);
    assert.ok(Math.abs(jvmHeap(plain.memory) - 720 * MiB) < 16 * MiB);
    // A scale-up does not shrink it.
    const up = tune({ topology: topo, samples, next: [16, 16, 16] });
    assert.ok(Math.abs(jvmHeap(up.memory) - 720 * MiB) < 16 * MiB);
  });

  test('same inputs, same result as the compatible operator: 30 gb TaskManagers with 5 slots scaled from 50 to 25 and 10', () => {
    const topo: JobTopology = {
      vertices: [
        { id: 'a', name: 'a', parallelism: 50, maxParallelism: 1000, inputs: [], outputs: ['b'] },
        {
          id: 'b',
          name: 'b',
          parallelism: 50,
          maxParallelism: 1000,
          inputs: [{ id: 'a', shipStrategy: 'REBALANCE' }],
          outputs: [],
        },
      ],
    };
    const samples: MetricSample[] = [
      {
        time: T0,
        vertices: {},
        global: {
          heapUsedBytes: 5096 * MiB,
          managedUsedBytes: 10000 * MiB,
          metaspaceUsedBytes: 100 * MiB,
          slotsUsed: 50,
        },
      },
    ];
    const t = tune({
      topology: topo,
      samples,
      config: { 'taskmanager.memory.process.size': '30 gb', 'taskmanager.numberOfTaskSlots': '5' },
      parallelism: (id) => (id === 'a' ? 25 : 10),
      options: { 'job.autoscaler.memory.tuning.scale-down-compensation.enabled': 'false' },
    });
    assert.deepEqual(t.overrides, {
      'taskmanager.memory.process.size': '20108162027 bytes',
      'taskmanager.memory.framework.heap.size': '0 bytes',
      'taskmanager.memory.managed.fraction': '0.654',
      'taskmanager.memory.network.min': '13760 kb',
      'taskmanager.memory.network.max': '13760 kb',
      'taskmanager.memory.jvm-overhead.fraction': '0.054',
      'taskmanager.memory.jvm-metaspace.size': '120 mb',
    });
  });

  test('without memory metrics, a process size or a valid memory configuration nothing is tuned', () => {
    const input: MemoryTuningInput = {
      settings: settings({ 'job.autoscaler.memory.tuning.enabled': 'true' }),
      config: { 'taskmanager.memory.process.size': '4g' },
      topology: topology([1, 1, 1]),
      samples: [{ time: T0, vertices: {}, global: { heapUsedBytes: GiB } }],
      parallelism: () => 1,
    };
    assert.match(
      String((tuneTaskManagerMemory(input) as { skipped: string }).skipped),
      /no heap, metaspace or managed/,
    );
    const noProcess = { ...input, config: { 'taskmanager.memory.flink.size': '3g' } };
    assert.match(
      String((tuneTaskManagerMemory(noProcess) as { skipped: string }).skipped),
      /process memory is not set/,
    );
    const invalid = { ...input, config: { 'taskmanager.memory.process.size': '100m' } };
    assert.match(String((tuneTaskManagerMemory(invalid) as { skipped: string }).skipped), /not valid/);
  });

  test('gates: forward between equal parallelisms has one channel, forward and rescale their share, others all', () => {
    assert.equal(gateSegments(10, 10, 'FORWARD', 2, 8), 10);
    assert.equal(gateSegments(10, 15, 'FORWARD', 2, 8), 12);
    assert.equal(gateSegments(10, 15, 'RESCALE', 2, 8), 12);
    assert.equal(gateSegments(10, 15, 'REBALANCE', 2, 8), 38);
    assert.equal(gateSegments(10, 15, 'HASH', 2, 8), 38);
    const single: JobTopology = {
      vertices: [{ id: 'x', name: 'x', parallelism: 3, maxParallelism: 128, inputs: [], outputs: [] }],
    };
    assert.equal(networkMemory({ config: {}, topology: single, parallelism: () => 3 }), 0);
  });

  test('the recommendation lists the keys to set and to remove, and says whether it is applied', () => {
    const t = tune({});
    const message = recommendationMessage(t, false);
    assert.match(message, /^Memory tuning recommends .*\(automatic tuning is disabled\):\n/);
    assert.match(message, /\ntaskmanager\.memory\.jvm-metaspace\.size: 108 mb\n/);
    assert.match(message, /Remove if present: \[taskmanager\.memory\.flink\.size, /);
  });
});
