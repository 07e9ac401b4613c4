import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollCheckpoint } from '../../../src/controllers/snapshot/controller.ts';
import type { FlinkRestClient } from '../../../src/flink/rest/client.ts';

const summary = (id: number) => ({
  id,
  status: 'COMPLETED',
  is_savepoint: false,
  trigger_timestamp: id,
  external_path: `file:/cp/chk-${id}`,
});

/** A REST client whose trigger completed checkpoint 7 and whose statistics show `ids`, newest first. */
const rest = (ids: number[]) =>
  ({
    checkpointStatus: async () => ({ status: { id: 'COMPLETED' }, operation: { checkpointId: 7 } }),
    checkpointStatistics: async () => ({
      counts: { restored: 0, total: ids.length, in_progress: 0, completed: ids.length, failed: 0 },
      latest: {
        completed: ids[0] === undefined ? null : summary(ids[0]),
        savepoint: null,
        failed: null,
        restored: null,
      },
      history: ids.map(summary),
    }),
  }) as unknown as FlinkRestClient;

test('a triggered checkpoint is found by id even when a newer periodic one is the latest', async () => {
  assert.deepEqual(await pollCheckpoint(rest([8, 7, 6]), 'j', 't'), { kind: 'done', path: 'file:/cp/chk-7' });
});

test('statistics that do not list the checkpoint yet (cached) mean ask again, not an empty path', async () => {
  assert.deepEqual(await pollCheckpoint(rest([6, 5]), 'j', 't'), { kind: 'pending' });
  assert.deepEqual(await pollCheckpoint(rest([]), 'j', 't'), { kind: 'pending' });
});

test('a checkpoint already gone from the history behind newer ones completes without a path', async () => {
  assert.deepEqual(await pollCheckpoint(rest([20, 19]), 'j', 't'), { kind: 'done', path: '' });
});

test("a failed checkpoint reports Flink's cause (its camel-case failureCause field)", async () => {
  // The shape Flink's REST API answers for a checkpoint that could not be taken.
  const failed = {
    checkpointStatus: async () => ({
      status: { id: 'COMPLETED' },
      operation: {
        failureCause: {
          class: 'org.apache.flink.runtime.checkpoint.CheckpointException',
          'stack-trace':
            'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task Source (1/1) of job j is not being executed at the moment.\n\tat org.apache...',
        },
      },
    }),
  } as unknown as FlinkRestClient;
  assert.deepEqual(await pollCheckpoint(failed, 'j', 't'), {
    kind: 'failed',
    message:
      'Checkpoint failed: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task Source (1/1) of job j is not being executed at the moment.',
  });
});
