/**
 * Memory tuning on a real Flink: a TaskManager started with the configuration tuned from a 1280m
 * spec (the usage a real idle TaskManager reports, a two-vertex job at parallelism 2) registers its
 * slots, runs a streaming job to FINISHED, and reports the memory sizes the model derived.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  applyConfigChanges,
  tuneTaskManagerMemory,
  type MemoryTuning,
} from '../../../src/autoscaler/memory-tuning.ts';
import { ensureFlinkDistribution, type FlinkDistribution } from '../../../src/flink/dist/distribution.ts';
import { PINNED_FLINK_RELEASES } from '../../../src/flink/dist/versions.ts';
import type { FlinkRestClient } from '../../../src/flink/rest/client.ts';
import { settings } from '../../unit/autoscaler/series.ts';
import { eventually } from '../../support/cluster.ts';
import { startLocalSessionCluster, type LocalSessionCluster } from '../../support/flink-session.ts';

const JM_ADDRESS = '127.0.0.61';
const TM_ADDRESS = '127.0.0.62';
const MiB = 2 ** 20;
const SPEC = {
  'jobmanager.memory.process.size': '1024m',
  'taskmanager.memory.process.size': '1280m',
  'taskmanager.numberOfTaskSlots': '2',
  'blob.server.port': '6124',
  'taskmanager.rpc.port': '6122',
};

const release = PINNED_FLINK_RELEASES[0]!;
let dist: FlinkDistribution;
let workDir: string;
let cluster: LocalSessionCluster | undefined;
let rest: FlinkRestClient;
let tuned: MemoryTuning;

before(async () => {
  const result = tuneTaskManagerMemory({
    settings: settings({ 'job.autoscaler.memory.tuning.enabled': 'true' }),
    config: SPEC,
    topology: {
      vertices: [
        { id: 'a', name: 'a', parallelism: 2, maxParallelism: 128, inputs: [], outputs: ['b'] },
        {
          id: 'b',
          name: 'b',
          parallelism: 2,
          maxParallelism: 128,
          inputs: [{ id: 'a', shipStrategy: 'HASH' }],
          outputs: [],
        },
      ],
    },
    // Rounded up from what an idle Flink 2.2.1 TaskManager of 1280m reports (32 MB heap, 38 MB metaspace).
    samples: [
      {
        time: 0,
        vertices: {},
        global: { heapUsedBytes: 60 * MiB, metaspaceUsedBytes: 45 * MiB, managedUsedBytes: 0, slotsUsed: 2 },
      },
    ],
    parallelism: () => 2,
  });
  if ('skipped' in result) assert.fail(result.skipped);
  tuned = result;
  dist = await ensureFlinkDistribution(release.version);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-tuned-memory-'));
  cluster = await startLocalSessionCluster({
    dist,
    workDir,
    addresses: { jm: JM_ADDRESS, tm: TM_ADDRESS },
    config: SPEC,
    taskManagerConfig: applyConfigChanges(SPEC, tuned),
    timeoutMs: 90_000,
  });
  rest = cluster.rest;
});

after(async () => {
  await cluster?.stop();
  if (workDir && !process.env.KEEP_FLINK_TEST_DIRS) fs.rmSync(workDir, { recursive: true, force: true });
});

test(
  `a Flink ${release.version} TaskManager with tuned memory runs a streaming job at the sizes the model derived`,
  {
    timeout: 180_000,
  },
  async () => {
    assert.ok(tuned.processMemoryBytes < 640 * MiB, `tuned to ${tuned.processMemoryBytes / MiB} MiB of 1280`);
    const jarId = await rest.uploadJar(dist.examples.wordCount);
    const jobId = await rest.runJar(jarId, {
      parallelism: 2,
      programArgsList: ['--execution-mode', 'STREAMING'],
    });
    const state = await eventually(
      async () => {
        const details = await rest.jobDetails(jobId);
        if (details.state === 'FAILED') {
          throw new Error(`job failed: ${(await rest.jobExceptions(jobId))['root-exception'] ?? ''}`);
        }
        return details.state === 'FINISHED' ? details.state : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `job ${jobId} FINISHED` },
    );
    assert.equal(state, 'FINISHED');
    const metrics = new Map(
      (
        await rest.taskManagerMetrics([
          'Status.Flink.Memory.Managed.Total',
          'Status.Shuffle.Netty.TotalMemory',
          'Status.JVM.Memory.Metaspace.Max',
          'Status.JVM.Memory.Heap.Max',
        ])
      ).map((m) => [m.id, m.max] as const),
    );
    assert.equal(metrics.get('Status.Flink.Memory.Managed.Total'), tuned.memory.managed);
    assert.equal(metrics.get('Status.Shuffle.Netty.TotalMemory'), tuned.memory.network);
    assert.equal(metrics.get('Status.JVM.Memory.Metaspace.Max'), tuned.memory.metaspace);
    // -Xmx, rounded up by the JVM to its heap region size.
    const heap = metrics.get('Status.JVM.Memory.Heap.Max')!;
    const expected = tuned.memory.frameworkHeap + tuned.memory.taskHeap;
    assert.ok(heap >= expected && heap - expected < 4 * MiB, `heap ${heap}, expected about ${expected}`);
  },
);
