/**
 * A real Flink session cluster per supported version, run as local Java processes (JobManager on
 * 127.0.0.2, TaskManager on 127.0.0.3): a batch job to FINISHED, then a stateful streaming job
 * through savepoint, checkpoint, stop-with-savepoint and a restore from that savepoint, all
 * through the REST client.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFlinkDistribution, type FlinkDistribution } from '../../../src/flink/dist/distribution.ts';
import { PINNED_FLINK_RELEASES } from '../../../src/flink/dist/versions.ts';
import type { FlinkRestClient } from '../../../src/flink/rest/client.ts';
import type { JobState } from '../../../src/flink/rest/types.ts';
import { eventually } from '../../support/cluster.ts';
import { startLocalSessionCluster, type LocalSessionCluster } from '../../support/flink-session.ts';

const JM_ADDRESS = '127.0.0.2';
const TM_ADDRESS = '127.0.0.3';

/** Small enough for several clusters on a 2-core test machine. */
const SMALL_CLUSTER_CONFIG = {
  'jobmanager.memory.process.size': '1024m',
  'taskmanager.memory.process.size': '1280m',
  'taskmanager.numberOfTaskSlots': '2',
  'parallelism.default': '1',
  'blob.server.port': '6124',
  'taskmanager.rpc.port': '6122',
  'execution.checkpointing.interval': '1s',
};

for (const release of PINNED_FLINK_RELEASES) {
  describe(`Flink ${release.version} session cluster`, { timeout: 300_000 }, () => {
    let dist: FlinkDistribution;
    let workDir: string;
    let cluster: LocalSessionCluster | undefined;
    let rest: FlinkRestClient;

    before(async () => {
      let started = Date.now();
      dist = await ensureFlinkDistribution(release.version);
      console.log(
        `[flink ${release.version}] distribution ready in ${Date.now() - started}ms at ${dist.home}`,
      );
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), `flink-session-${release.version}-`));
      started = Date.now();
      cluster = await startLocalSessionCluster({
        dist,
        workDir,
        addresses: { jm: JM_ADDRESS, tm: TM_ADDRESS },
        config: SMALL_CLUSTER_CONFIG,
        timeoutMs: 90_000,
      });
      rest = cluster.rest;
      console.log(
        `[flink ${release.version}] session cluster with 1 TaskManager up in ${Date.now() - started}ms`,
      );
    });

    after(async () => {
      await cluster?.stop();
      if (workDir && !process.env.KEEP_FLINK_TEST_DIRS) fs.rmSync(workDir, { recursive: true, force: true });
    });

    const jobState = (jobId: string, state: JobState, timeoutMs = 60_000) =>
      eventually(
        async () => {
          const details = await rest.jobDetails(jobId);
          if (details.state === 'FAILED') {
            const exceptions = await rest.jobExceptions(jobId);
            throw new Error(`job failed: ${exceptions['root-exception'] ?? 'no root exception'}`);
          }
          return details.state === state ? details : undefined;
        },
        { timeoutMs, intervalMs: 250, what: `job ${jobId} ${state}` },
      );

    test('reports its version and the TaskManager slots', async () => {
      const overview = await rest.overview();
      assert.equal(overview['flink-version'], release.version);
      assert.equal(overview['slots-total'], 2);
    });

    test('runs the WordCount example as a batch job to FINISHED', async () => {
      const jarId = await rest.uploadJar(dist.examples.wordCount);
      assert.ok((await rest.listJars()).files.some((f) => f.id === jarId));
      const jobId = await rest.runJar(jarId, { programArgsList: ['--execution-mode', 'BATCH'] });
      const details = await jobState(jobId, 'FINISHED');
      assert.equal(details['job-type'] ?? 'BATCH', 'BATCH');
      assert.ok((await rest.jobs()).some((j) => j.jid === jobId && j.state === 'FINISHED'));
      await rest.deleteJar(jarId);
    });

    test('runs StateMachineExample.jar, which example manifests name, from the main class in its manifest', async () => {
      assert.equal(
        dist.examples.stateMachine,
        path.join(dist.examplesDir, 'streaming', 'StateMachineExample.jar'),
      );
      // No entry class given: Flink takes it from the jar's manifest.
      const jarId = await rest.uploadJar(dist.examples.stateMachine);
      const jobId = await rest.runJar(jarId, {});
      const details = await jobState(jobId, 'RUNNING');
      assert.equal(details.name, 'State machine job');
      // Records flow: the generator source has emitted some.
      await eventually(
        async () => {
          const job = await rest.jobDetails(jobId);
          const source = job.vertices.find((v) => /source/i.test(v.name));
          return (source?.metrics?.['write-records'] ?? 0) > 0 ? true : undefined;
        },
        { timeoutMs: 60_000, what: 'the state machine source to emit records' },
      );
      await rest.cancelJob(jobId);
      await jobState(jobId, 'CANCELED');
      await rest.deleteJar(jarId);
    });

    test('takes savepoints and checkpoints of a stateful job, stops it with a savepoint and restores from it', async () => {
      const savepointDir = path.join(workDir, 'savepoints');
      const jarId = await rest.uploadJar(dist.examples.topSpeedWindowing);
      const jobId = await rest.runJar(jarId, {});
      await jobState(jobId, 'RUNNING');
      // A completed checkpoint proves every task runs, so a savepoint can be taken.
      await eventually(
        async () => ((await rest.checkpointStatistics(jobId)).counts.completed > 0 ? true : undefined),
        {
          timeoutMs: 60_000,
          what: 'a completed checkpoint',
        },
      );

      const savepoint = await rest.awaitSavepoint(
        jobId,
        await rest.triggerSavepoint(jobId, { targetDirectory: `file://${savepointDir}` }),
      );
      assert.ok(
        fs.existsSync(path.join(savepoint.replace(/^file:/, ''), '_metadata')),
        `${savepoint}/_metadata`,
      );

      const checkpointTrigger = await rest.triggerCheckpoint(jobId, { checkpointType: 'FULL' });
      const checkpoint = await eventually(
        async () => {
          const status = await rest.checkpointStatus(jobId, checkpointTrigger);
          return status.status.id === 'COMPLETED' ? status : undefined;
        },
        { what: 'the triggered checkpoint' },
      );
      assert.equal(typeof checkpoint.operation?.checkpointId, 'number');

      const final = await rest.awaitSavepoint(
        jobId,
        await rest.stopWithSavepoint(jobId, { targetDirectory: `file://${savepointDir}` }),
      );
      assert.notEqual(final, savepoint);
      assert.ok(fs.existsSync(path.join(final.replace(/^file:/, ''), '_metadata')));
      await jobState(jobId, 'FINISHED');

      const restoredId = await rest.runJar(jarId, { savepointPath: final });
      await jobState(restoredId, 'RUNNING');
      const restored = await eventually(
        async () => (await rest.checkpointStatistics(restoredId)).latest.restored ?? undefined,
        { what: 'restore information of the new job' },
      );
      assert.equal(restored.is_savepoint, true);
      assert.equal(restored.external_path, final);

      const exceptions = await rest.jobExceptions(restoredId);
      assert.deepEqual(exceptions.exceptionHistory.entries, []);
      await rest.cancelJob(restoredId);
      await jobState(restoredId, 'CANCELED');
    });

    test('reports unknown jobs as not found', async () => {
      await assert.rejects(
        rest.jobDetails('00000000000000000000000000000abc'),
        (err: { notFound?: boolean }) => {
          assert.equal(err.notFound, true);
          return true;
        },
      );
    });
  });
}
