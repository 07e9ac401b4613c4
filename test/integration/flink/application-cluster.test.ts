/**
 * A real Flink application cluster per supported version, started from the container commands the
 * operator's standalone mode gives its pods (`standalone-job --job-classname ...` and
 * `taskmanager` for the image entrypoint), with the job jar in usrlib/: the job runs, stops with a
 * savepoint (ending the cluster), and a second cluster resumes from that savepoint.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFlinkDistribution, type FlinkDistribution } from '../../../src/flink/dist/distribution.ts';
import { PINNED_FLINK_RELEASES } from '../../../src/flink/dist/versions.ts';
import { planContainerLaunch } from '../../../src/flink/process/entrypoint.ts';
import { startFlinkProcess, type FlinkProcess } from '../../../src/flink/process/launcher.ts';
import { FlinkRestClient } from '../../../src/flink/rest/client.ts';
import { eventually } from '../../support/cluster.ts';

const JM_ADDRESS = '127.0.0.4';
const TM_ADDRESS = '127.0.0.5';
const JOB_CLASS = 'org.apache.flink.streaming.examples.windowing.TopSpeedWindowing';

const FLINK_PROPERTIES = [
  'jobmanager.memory.process.size: 1024m',
  'taskmanager.memory.process.size: 1280m',
  'execution.checkpointing.interval: 1s',
  'parallelism.default: 2',
].join('\n');

for (const release of PINNED_FLINK_RELEASES) {
  describe(`Flink ${release.version} application cluster`, { timeout: 300_000 }, () => {
    let dist: FlinkDistribution;
    let workDir: string;
    let usrlib: string;
    const running: FlinkProcess[] = [];

    before(async () => {
      dist = await ensureFlinkDistribution(release.version);
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), `flink-application-${release.version}-`));
      usrlib = path.join(workDir, 'usrlib');
      fs.mkdirSync(usrlib);
      fs.copyFileSync(dist.examples.topSpeedWindowing, path.join(usrlib, 'job.jar'));
    });

    after(async () => {
      await Promise.all(running.map((p) => p.stop()));
      if (workDir && !process.env.KEEP_FLINK_TEST_DIRS) fs.rmSync(workDir, { recursive: true, force: true });
    });

    /** JobManager and TaskManager pods of the operator's standalone application mode. */
    async function startCluster(
      run: string,
      jobArgs: string[],
    ): Promise<{ jm: FlinkProcess; rest: FlinkRestClient; jobId: string }> {
      const env = { JOB_MANAGER_RPC_ADDRESS: JM_ADDRESS, FLINK_PROPERTIES };
      const started = Date.now();
      const jm = await startFlinkProcess({
        dist,
        plan: planContainerLaunch({
          args: ['standalone-job', '--job-classname', JOB_CLASS, ...jobArgs],
          env,
          hostname: 'jm',
        }),
        name: 'jobmanager',
        workDir: path.join(workDir, run, 'jm'),
        bindAddress: JM_ADDRESS,
        usrlibDir: usrlib,
        env,
      });
      running.push(jm);
      const tmEnv = { ...env, TASK_MANAGER_NUMBER_OF_TASK_SLOTS: '2' };
      const tm = await startFlinkProcess({
        dist,
        plan: planContainerLaunch({ args: ['taskmanager'], env: tmEnv, hostname: 'tm' }),
        name: 'taskmanager',
        workDir: path.join(workDir, run, 'tm'),
        bindAddress: TM_ADDRESS,
        // As in the image, TaskManagers have the job jar too: the job's classpath names usrlib/job.jar.
        usrlibDir: usrlib,
        env: tmEnv,
      });
      running.push(tm);
      assert.ok(jm.restUrl);
      const rest = new FlinkRestClient({ baseUrl: jm.restUrl });
      const jmDied = jm.exited.then((exit) => {
        throw new Error(`JobManager exited: ${JSON.stringify(exit)} (see ${jm.logFile})`);
      });
      const job = await Promise.race([
        jmDied,
        eventually(
          async () => {
            const jobs = await rest.jobs();
            assert.ok(jobs.length <= 1, `one job in an application cluster, got ${JSON.stringify(jobs)}`);
            return jobs[0]?.state === 'RUNNING' ? jobs[0] : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 250, what: `the application job RUNNING (logs: ${jm.logFile})` },
        ),
      ]);
      jmDied.catch(() => undefined);
      console.log(
        `[flink ${release.version}] application ${run} RUNNING ${Date.now() - started}ms after start`,
      );
      return { jm, rest, jobId: job.jid };
    }

    test('runs the job from usrlib, stops with a savepoint and resumes from it in a new cluster', async () => {
      const first = await startCluster('first', []);
      await eventually(
        async () =>
          (await first.rest.checkpointStatistics(first.jobId)).counts.completed > 0 ? true : undefined,
        { timeoutMs: 60_000, what: 'a completed checkpoint' },
      );
      const savepoint = await first.rest.awaitSavepoint(
        first.jobId,
        await first.rest.stopWithSavepoint(first.jobId, {
          targetDirectory: `file://${path.join(workDir, 'savepoints')}`,
        }),
      );
      // An application cluster ends once its job has ended.
      const exit = await first.jm.exited;
      assert.equal(exit.code, 0, `JobManager exit ${JSON.stringify(exit)}`);
      await Promise.all(running.splice(0).map((p) => p.stop()));

      const second = await startCluster('second', ['--fromSavepoint', savepoint]);
      const restored = await eventually(
        async () => (await second.rest.checkpointStatistics(second.jobId)).latest.restored ?? undefined,
        { what: 'restore information' },
      );
      assert.equal(restored.external_path, savepoint);
      const details = await second.rest.jobDetails(second.jobId);
      // parallelism.default came in through FLINK_PROPERTIES (the generator source always runs with 1).
      assert.equal(
        Math.max(...details.vertices.map((v) => v.parallelism)),
        2,
        JSON.stringify(details.vertices),
      );
    });
  });
}
