/**
 * Records the JobManager REST answers the operator reads, from a real Flink 2.2 session cluster
 * (JobManager and TaskManager as local JVMs), into `bench/fixtures/flink-2.2-rest.json`. The
 * benchmark's Flink simulator serves these recordings; run this once, when the Flink line or the
 * operator's REST use changes: `node --import tsx bench/record-fixtures.ts`.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFlinkDistribution } from '../src/flink/dist/distribution.ts';
import { pinnedFlinkRelease } from '../src/flink/dist/versions.ts';
import { servicePlan } from '../src/flink/process/entrypoint.ts';
import { startFlinkProcess } from '../src/flink/process/launcher.ts';
import { FlinkRestClient } from '../src/flink/rest/client.ts';
import type { Recording, RecordedResponse } from './fixtures.ts';

// Addresses of their own, so a concurrent integration test (127.0.0.2/3) does not collide.
const JM_ADDRESS = '127.0.78.2';
const TM_ADDRESS = '127.0.78.3';
const CONFIG = {
  'jobmanager.memory.process.size': '1024m',
  'taskmanager.memory.process.size': '1280m',
  'taskmanager.numberOfTaskSlots': '2',
  'parallelism.default': '1',
  'execution.checkpointing.interval': '1s',
};

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const release = pinnedFlinkRelease('2.2');
  const dist = await ensureFlinkDistribution(release.version);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-record-'));
  const jm = await startFlinkProcess({
    dist,
    plan: servicePlan('standalonesession'),
    name: 'jobmanager',
    workDir: path.join(workDir, 'jm'),
    bindAddress: JM_ADDRESS,
    config: CONFIG,
  });
  const tm = await startFlinkProcess({
    dist,
    plan: servicePlan('taskexecutor'),
    name: 'taskmanager',
    workDir: path.join(workDir, 'tm'),
    bindAddress: TM_ADDRESS,
    config: { ...CONFIG, 'jobmanager.rpc.address': JM_ADDRESS },
  });
  try {
    const base = jm.restUrl!;
    const rest = new FlinkRestClient({ baseUrl: base });
    const responses: Record<string, RecordedResponse> = {};
    const record = async (key: string, method: string, urlPath: string, body?: unknown) => {
      const res = await fetch(`${base}/v1${urlPath}`, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      const text = await res.text();
      responses[key] = { status: res.status, body: text ? (JSON.parse(text) as unknown) : {} };
      return responses[key]!;
    };
    await waitFor('2 TaskManager slots', async () =>
      (await rest.overview())['slots-total'] === 2 ? true : undefined,
    );
    const jarId = await rest.uploadJar(dist.examples.topSpeedWindowing);
    const jobId = await rest.runJar(jarId, {});
    await waitFor('a completed checkpoint', async () =>
      (await rest.checkpointStatistics(jobId)).counts.completed > 0 ? true : undefined,
    );
    const savepointDir = `file://${path.join(workDir, 'savepoints')}`;

    await record('config', 'GET', '/config');
    await record('overview', 'GET', '/overview');
    await record('jobsOverviewRunning', 'GET', '/jobs/overview');
    await record('jobDetailsRunning', 'GET', `/jobs/${jobId}`);
    await record('jobExceptions', 'GET', `/jobs/${jobId}/exceptions`);
    await record('checkpointsRunning', 'GET', `/jobs/${jobId}/checkpoints`);
    await record('jobNotFound', 'GET', '/jobs/00000000000000000000000000000abc');
    const stop = await record('stopWithSavepoint', 'POST', `/jobs/${jobId}/stop`, {
      targetDirectory: savepointDir,
      drain: false,
      formatType: 'CANONICAL',
    });
    const triggerId = (stop.body as { 'request-id': string })['request-id'];
    await record('savepointInProgress', 'GET', `/jobs/${jobId}/savepoints/${triggerId}`);
    await waitFor('the savepoint', async () => {
      const r = await record('savepointCompleted', 'GET', `/jobs/${jobId}/savepoints/${triggerId}`);
      return (r.body as { status: { id: string } }).status.id === 'COMPLETED' ? true : undefined;
    });
    await waitFor('the job FINISHED', async () => {
      const r = await record('jobsOverviewFinished', 'GET', '/jobs/overview');
      const jobs = (r.body as { jobs: { jid: string; state: string }[] }).jobs;
      return jobs.find((j) => j.jid === jobId)?.state === 'FINISHED' ? true : undefined;
    });
    await record('checkpointsFinished', 'GET', `/jobs/${jobId}/checkpoints`);

    const second = await rest.runJar(jarId, {});
    await waitFor('the second job RUNNING', async () =>
      (await rest.jobDetails(second)).state === 'RUNNING' ? true : undefined,
    );
    await record('cancel', 'PATCH', `/jobs/${second}?mode=cancel`);
    await waitFor('the second job CANCELED', async () => {
      const r = await record('jobsOverviewCanceled', 'GET', '/jobs/overview');
      const jobs = (r.body as { jobs: { jid: string; state: string }[] }).jobs;
      return jobs.find((j) => j.jid === second)?.state === 'CANCELED' ? true : undefined;
    });
    // Keep only the job each overview is about, so the simulator answers for one job per cluster.
    for (const [key, id] of [
      ['jobsOverviewRunning', jobId],
      ['jobsOverviewFinished', jobId],
      ['jobsOverviewCanceled', second],
    ] as const) {
      const body = responses[key]!.body as { jobs: { jid: string }[] };
      body.jobs = body.jobs.filter((j) => j.jid === id);
    }
    const recording: Recording = {
      flinkVersion: release.version,
      recordedAt: new Date().toISOString(),
      source: `Flink ${release.version} session cluster (standalone JobManager + 1 TaskManager, local JVMs), TopSpeedWindowing example`,
      jobIds: { running: jobId, canceled: second },
      triggerId,
      responses,
    };
    const out = fileURLToPath(new URL('./fixtures/flink-2.2-rest.json', import.meta.url));
    await fsp.mkdir(path.dirname(out), { recursive: true });
    await fsp.writeFile(out, `${JSON.stringify(recording, null, 2)}\n`);
    console.log(`recorded ${Object.keys(responses).length} responses to ${out}`);
  } finally {
    await Promise.all([tm.stop(), jm.stop()]);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
