/**
 * FlinkSessionJob and FlinkStateSnapshot controllers against the real API server and one real
 * Flink session cluster (local JobManager and TaskManager processes). No deployment controller
 * runs: each test creates a FlinkDeployment and sets its status to READY itself, and the
 * controllers reach the JobManager through an injected REST address resolver.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { installCrds, type FlinkSessionJob, type FlinkStateSnapshot } from '../../../src/api/index.ts';
import { createSessionJobController, FLINK_SESSION_JOBS } from '../../../src/controllers/sessionjob/index.ts';
import { isDuplicateSubmission } from '../../../src/controllers/sessionjob/submit.ts';
import { FLINK_DEPLOYMENTS } from '../../../src/controllers/sessionjob/session.ts';
import { createSnapshotController, FLINK_STATE_SNAPSHOTS } from '../../../src/controllers/snapshot/index.ts';
import { ensureFlinkDistribution, type FlinkDistribution } from '../../../src/flink/dist/distribution.ts';
import { PINNED_FLINK_RELEASES } from '../../../src/flink/dist/versions.ts';
import type { FlinkRestClient } from '../../../src/flink/rest/client.ts';
import { KubeClient, Manager, OperatorConfig, WellKnown, createLogger } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import {
  sessionJobClusterConfig,
  startLocalSessionCluster,
  type LocalSessionCluster,
} from '../../support/flink-session.ts';

const JM_ADDRESS = '127.0.0.41';
const TM_ADDRESS = '127.0.0.42';
const release = PINNED_FLINK_RELEASES[0];

interface CoreEvent {
  metadata: { name?: string };
  reason: string;
  type: string;
  message: string;
}

describe(
  `session jobs and snapshots on a Flink ${release?.version} session cluster`,
  { timeout: 600_000 },
  () => {
    const kc = testKubeConfig();
    const client = new KubeClient(kc);
    const namespaces: Record<string, { name: string; remove: () => Promise<void> }> = {};
    const testNames = [
      'lifecycle',
      'laststate',
      'retry',
      'shared',
      'snapshot',
      'nojob',
      'nosession',
      'periodic',
    ] as const;
    let dist: FlinkDistribution;
    let workDir: string;
    let savepointDir: string;
    let cluster: LocalSessionCluster | undefined;
    let rest: FlinkRestClient;
    let manager: Manager | undefined;
    let jarURI: string;

    before(async () => {
      if (!release) throw new Error('no pinned Flink release');
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sessionjobs-'));
      savepointDir = path.join(workDir, 'savepoints');
      const [distribution] = await Promise.all([
        ensureFlinkDistribution(release.version),
        installCrds(kc),
        ...testNames.map(async (n) => (namespaces[n] = await createTestNamespace(kc, `sj-${n}`))),
      ]);
      dist = distribution;
      jarURI = pathToFileURL(dist.examples.topSpeedWindowing).href;
      cluster = await startLocalSessionCluster({
        dist,
        workDir,
        addresses: { jm: JM_ADDRESS, tm: TM_ADDRESS },
        config: sessionJobClusterConfig(workDir),
      });
      rest = cluster.rest;

      manager = new Manager({
        kubeConfig: kc,
        config: new OperatorConfig({
          'kubernetes.operator.watched.namespaces': Object.values(namespaces)
            .map((n) => n.name)
            .join(','),
          'kubernetes.operator.retry.initial.interval': '500 ms',
          'kubernetes.operator.dynamic.config.enabled': 'false',
          'kubernetes.operator.reconcile.interval': '5 s',
          'kubernetes.operator.observer.progress-check.interval': '1 s',
          'kubernetes.operator.user.artifacts.base.dir': path.join(workDir, 'artifacts'),
          'kubernetes.operator.user.artifacts.allowed-schemes': 'file;https',
        }),
        log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        healthPort: 0,
        metricsPort: 0,
        host: '127.0.0.1',
      });
      const restUrl = cluster.jm.restUrl ?? '';
      const resolveRestAddress = async () => restUrl;
      manager.add(createSessionJobController({ resolveRestAddress }));
      manager.add(createSnapshotController({ resolveRestAddress }));
      await manager.start();
    });

    after(async () => {
      await manager?.stop();
      await cluster?.stop();
      await Promise.all(Object.values(namespaces).map((n) => n.remove()));
      if (workDir && !process.env.KEEP_FLINK_TEST_DIRS) fs.rmSync(workDir, { recursive: true, force: true });
    });

    const ns = (test: (typeof testNames)[number]) => namespaces[test]?.name ?? '';

    /** A FlinkDeployment without a job (a session cluster) that reports READY. */
    async function sessionCluster(namespace: string, name = 'session') {
      await client.create(FLINK_DEPLOYMENTS, {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        metadata: { name, namespace },
        spec: {
          image: 'flink:2.2',
          flinkVersion: 'v2_2',
          flinkConfiguration: {
            'execution.checkpointing.savepoint-dir': pathToFileURL(savepointDir).href,
            'execution.checkpointing.dir': pathToFileURL(path.join(workDir, 'checkpoints')).href,
          },
          serviceAccount: 'flink',
          jobManager: { resource: { cpu: 1, memory: '1024m' } },
          taskManager: { resource: { cpu: 1, memory: '1536m' } },
        },
      });
      await client.patch(
        FLINK_DEPLOYMENTS,
        namespace,
        name,
        { status: { jobManagerDeploymentStatus: 'READY' } },
        {
          subresource: 'status',
        },
      );
    }

    async function createJob(
      namespace: string,
      name: string,
      job: Record<string, unknown>,
      deploymentName = 'session',
      flinkConfiguration?: Record<string, string>,
    ) {
      await client.create(FLINK_SESSION_JOBS, {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkSessionJob',
        metadata: { name, namespace },
        spec: { deploymentName, job: { jarURI, parallelism: 1, ...job }, flinkConfiguration },
      });
    }

    const getJob = (namespace: string, name: string) =>
      client.get<FlinkSessionJob>(FLINK_SESSION_JOBS, namespace, name);

    /** Waits until the session job runs in Flink under a job id other than `not`. */
    const runningJob = (namespace: string, name: string, not?: string) =>
      eventually(
        async () => {
          const job = await getJob(namespace, name);
          const id = job.status?.jobStatus?.jobId;
          if (job.status?.error) throw new Error(`status.error: ${job.status.error}`);
          if (!id || id === not || job.status?.jobStatus?.state !== 'RUNNING') return undefined;
          return (await rest.jobDetails(id)).state === 'RUNNING' ? { job, id } : undefined;
        },
        {
          timeoutMs: 120_000,
          intervalMs: 500,
          what: `session job ${namespace}/${name} RUNNING${not ? ` with a job other than ${not}` : ''}`,
        },
      );

    const flinkState = (id: string, state: string) =>
      eventually(async () => ((await rest.jobDetails(id)).state === state ? true : undefined), {
        timeoutMs: 60_000,
        what: `Flink job ${id} ${state}`,
      });

    const completedCheckpoint = (id: string) =>
      eventually(
        async () => ((await rest.checkpointStatistics(id)).counts.completed > 0 ? true : undefined),
        {
          timeoutMs: 60_000,
          what: `a completed checkpoint of ${id}`,
        },
      );

    const restoredFrom = (id: string) =>
      eventually(async () => (await rest.checkpointStatistics(id)).latest.restored ?? undefined, {
        timeoutMs: 60_000,
        what: `restore information of ${id}`,
      });

    const events = async (namespace: string) =>
      (await client.list<CoreEvent & { metadata: object }>(WellKnown.events, namespace)).items as CoreEvent[];

    test('a session job runs, is upgraded with a savepoint, suspended, resumed and deleted', async () => {
      const namespace = ns('lifecycle');
      await sessionCluster(namespace);
      await createJob(namespace, 'windowing', { upgradeMode: 'savepoint' });
      const first = await runningJob(namespace, 'windowing');
      assert.equal((await getJob(namespace, 'windowing')).metadata.labels?.['target.session'], 'session');
      await eventually(
        async () =>
          (await getJob(namespace, 'windowing')).status?.lifecycleState === 'STABLE' ? true : undefined,
        {
          what: 'lifecycle STABLE',
        },
      );
      await completedCheckpoint(first.id);

      // Upgrade: restartNonce is a spec change; savepoint mode stops with a savepoint and restores it.
      await client.patch(FLINK_SESSION_JOBS, namespace, 'windowing', { spec: { restartNonce: 1 } });
      const second = await runningJob(namespace, 'windowing', first.id);
      await flinkState(first.id, 'FINISHED');
      const upgradeSavepoint = second.job.status?.jobStatus?.upgradeSavepointPath;
      assert.ok(
        upgradeSavepoint && new URL(upgradeSavepoint).pathname.startsWith(savepointDir),
        upgradeSavepoint,
      );
      const restored = await restoredFrom(second.id);
      assert.equal(restored.is_savepoint, true);
      assert.equal(restored.external_path, upgradeSavepoint);
      const upgradeSnapshot = await eventually(
        async () =>
          (await client.list<FlinkStateSnapshot>(FLINK_STATE_SNAPSHOTS, namespace)).items.find(
            (s) =>
              s.metadata.labels?.['snapshot.trigger-type'] === 'UPGRADE' && s.status?.state === 'COMPLETED',
          ),
        { what: 'a completed UPGRADE FlinkStateSnapshot' },
      );
      assert.equal(upgradeSnapshot.status?.path, upgradeSavepoint);
      const reasons = (await events(namespace)).map((e) => e.reason);
      for (const reason of ['Submit', 'SpecChanged', 'Suspended', 'JobStatusChanged'])
        assert.ok(reasons.includes(reason), `${reason} in ${reasons}`);

      // Suspend with a savepoint, then resume from it.
      await completedCheckpoint(second.id);
      await client.patch(FLINK_SESSION_JOBS, namespace, 'windowing', {
        spec: { job: { state: 'suspended' } },
      });
      const suspended = await eventually(
        async () => {
          const job = await getJob(namespace, 'windowing');
          return job.status?.lifecycleState === 'SUSPENDED' ? job : undefined;
        },
        { timeoutMs: 60_000, what: 'lifecycle SUSPENDED' },
      );
      await flinkState(second.id, 'FINISHED');
      const suspendSavepoint = suspended.status?.jobStatus?.upgradeSavepointPath;
      assert.ok(suspendSavepoint && suspendSavepoint !== upgradeSavepoint, suspendSavepoint);

      await client.patch(FLINK_SESSION_JOBS, namespace, 'windowing', { spec: { job: { state: 'running' } } });
      const third = await runningJob(namespace, 'windowing', second.id);
      assert.equal((await restoredFrom(third.id)).external_path, suspendSavepoint);

      // Delete: the finalizer cancels the job before the resource goes.
      await client.delete(FLINK_SESSION_JOBS, namespace, 'windowing');
      await eventually(
        async () =>
          getJob(namespace, 'windowing').then(
            () => undefined,
            (err: { status?: number }) => (err.status === 404 ? true : undefined),
          ),
        { timeoutMs: 60_000, what: 'the session job deleted' },
      );
      await flinkState(third.id, 'CANCELED');
    });

    test('a last-state upgrade cancels the job and restores its latest checkpoint', async () => {
      const namespace = ns('laststate');
      await sessionCluster(namespace);
      await createJob(namespace, 'windowing', { upgradeMode: 'last-state' });
      const first = await runningJob(namespace, 'windowing');
      await completedCheckpoint(first.id);
      await client.patch(FLINK_SESSION_JOBS, namespace, 'windowing', {
        spec: { job: { parallelism: 2 } },
      });
      const second = await runningJob(namespace, 'windowing', first.id);
      await flinkState(first.id, 'CANCELED');
      const restored = await restoredFrom(second.id);
      assert.equal(restored.external_path, second.job.status?.jobStatus?.upgradeSavepointPath);
      assert.match(restored.external_path ?? '', /chk-\d+/);
      await client.delete(FLINK_SESSION_JOBS, namespace, 'windowing');
      await flinkState(second.id, 'CANCELED');
    });

    test('a submission retried after reaching the cluster reuses its job id and starts no second job', async () => {
      const namespace = ns('retry');
      await sessionCluster(namespace);
      await createJob(namespace, 'retried', { state: 'suspended' });
      const recorded = await eventually(
        async () => {
          const job = await getJob(namespace, 'retried');
          return job.status?.lifecycleState === 'SUSPENDED' ? job : undefined;
        },
        { what: 'the suspended job recorded' },
      );
      // As if an earlier attempt had recorded its job id, reached the cluster and then died before recording success.
      const jarId = await rest.uploadJar(dist.examples.topSpeedWindowing);
      const jobId = 'c0ffee'.padEnd(32, '0');
      await rest.runJar(jarId, { jobId });
      await rest.deleteJar(jarId);
      await client.patch(
        FLINK_SESSION_JOBS,
        namespace,
        'retried',
        {
          status: {
            reconciliationStatus: { ...recorded.status?.reconciliationStatus, state: 'UPGRADING' },
            jobStatus: { jobId, state: 'RECONCILING' },
          },
        },
        { subresource: 'status' },
      );
      await client.patch(FLINK_SESSION_JOBS, namespace, 'retried', { spec: { job: { state: 'running' } } });
      const running = await runningJob(namespace, 'retried');
      assert.equal(running.id, jobId);
      assert.equal((await rest.jobs()).filter((j) => j.jid === jobId).length, 1);
      await client.delete(FLINK_SESSION_JOBS, namespace, 'retried');
      await flinkState(jobId, 'CANCELED');
    });

    test('periodic savepoints become PERIODIC snapshots, trimmed to the history limit', async () => {
      const namespace = ns('periodic');
      await sessionCluster(namespace);
      await createJob(namespace, 'periodic', {}, 'session', {
        'kubernetes.operator.periodic.savepoint.interval': '2 s',
        'kubernetes.operator.savepoint.history.max.count': '2',
      });
      const job = await runningJob(namespace, 'periodic');
      const seen = new Set<string>();
      await eventually(
        async () => {
          const items = (
            await client.list<FlinkStateSnapshot>(FLINK_STATE_SNAPSHOTS, namespace)
          ).items.filter(
            (s) =>
              s.metadata.labels?.['snapshot.trigger-type'] === 'PERIODIC' && !s.metadata.deletionTimestamp,
          );
          for (const item of items)
            if (item.status?.state === 'COMPLETED') seen.add(item.metadata.name ?? '');
          return seen.size >= 3 && items.length <= 2 ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500, what: 'three completed periodic savepoints, at most two kept' },
      );
      await client.delete(FLINK_SESSION_JOBS, namespace, 'periodic');
      await flinkState(job.id, 'CANCELED');
    });

    test('two session jobs share one session cluster; a duplicate job id is refused by Flink', async () => {
      const namespace = ns('shared');
      await sessionCluster(namespace);
      await createJob(namespace, 'one', {});
      await createJob(namespace, 'two', {});
      const [one, two] = await Promise.all([runningJob(namespace, 'one'), runningJob(namespace, 'two')]);
      assert.notEqual(one.id, two.id);
      const running = (await rest.jobs()).filter((j) => j.state === 'RUNNING').map((j) => j.jid);
      assert.ok(running.includes(one.id) && running.includes(two.id));

      // The retry rule relies on this: running a jar again under a job id in use does not start a second job.
      const jarId = await rest.uploadJar(dist.examples.topSpeedWindowing);
      const error = await rest.runJar(jarId, { jobId: one.id }).then(
        () => undefined,
        (err: unknown) => err,
      );
      await rest.deleteJar(jarId);
      assert.ok(isDuplicateSubmission(error), `duplicate answer: ${String(error)}`);
      assert.equal((await rest.jobs()).filter((j) => j.jid === one.id).length, 1);

      await Promise.all([
        client.delete(FLINK_SESSION_JOBS, namespace, 'one'),
        client.delete(FLINK_SESSION_JOBS, namespace, 'two'),
      ]);
      await Promise.all([flinkState(one.id, 'CANCELED'), flinkState(two.id, 'CANCELED')]);
    });

    test('a FlinkStateSnapshot completes with a real savepoint that a new session job restores; deleting it disposes the data', async () => {
      const namespace = ns('snapshot');
      await sessionCluster(namespace);
      await createJob(namespace, 'source', { upgradeMode: 'stateless' });
      const source = await runningJob(namespace, 'source');
      await completedCheckpoint(source.id);
      await client.create(FLINK_STATE_SNAPSHOTS, {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkStateSnapshot',
        metadata: { name: 'manual', namespace },
        spec: {
          jobReference: { kind: 'FlinkSessionJob', name: 'source' },
          savepoint: { disposeOnDelete: true },
        },
      });
      const snapshot = await eventually(
        async () => {
          const s = await client.get<FlinkStateSnapshot>(FLINK_STATE_SNAPSHOTS, namespace, 'manual');
          if (s.status?.state === 'FAILED') throw new Error(`snapshot failed: ${s.status.error}`);
          return s.status?.state === 'COMPLETED' && s.metadata.labels?.['snapshot.state'] === 'COMPLETED'
            ? s
            : undefined;
        },
        { timeoutMs: 60_000, what: 'snapshot COMPLETED' },
      );
      const savepoint = snapshot.status?.path ?? '';
      const savepointFolder = new URL(savepoint).pathname;
      assert.ok(fs.existsSync(path.join(savepointFolder, '_metadata')), `${savepoint}/_metadata`);
      assert.deepEqual(
        {
          type: snapshot.metadata.labels?.['snapshot.type'],
          trigger: snapshot.metadata.labels?.['snapshot.trigger-type'],
          kind: snapshot.metadata.labels?.['job-reference.kind'],
          name: snapshot.metadata.labels?.['job-reference.name'],
        },
        { type: 'SAVEPOINT', trigger: 'MANUAL', kind: 'FlinkSessionJob', name: 'source' },
      );
      await createJob(namespace, 'restored', { initialSavepointPath: savepoint, upgradeMode: 'savepoint' });
      const restoredJob = await runningJob(namespace, 'restored');
      const restored = await restoredFrom(restoredJob.id);
      assert.equal(restored.external_path, savepoint);

      await client.delete(FLINK_STATE_SNAPSHOTS, namespace, 'manual');
      await eventually(async () => (fs.existsSync(savepointFolder) ? undefined : true), {
        timeoutMs: 60_000,
        what: `savepoint ${savepointFolder} disposed`,
      });
      await client.delete(FLINK_SESSION_JOBS, namespace, 'restored');
      await client.delete(FLINK_SESSION_JOBS, namespace, 'source');
      await Promise.all([flinkState(restoredJob.id, 'CANCELED'), flinkState(source.id, 'CANCELED')]);
    });

    test('a snapshot of a job that does not exist ends FAILED with a clear error', async () => {
      const namespace = ns('nojob');
      await client.create(FLINK_STATE_SNAPSHOTS, {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkStateSnapshot',
        metadata: { name: 'orphan', namespace },
        spec: { jobReference: { kind: 'FlinkSessionJob', name: 'nope' }, savepoint: {} },
      });
      const failed = await eventually(
        async () => {
          const s = await client.get<FlinkStateSnapshot>(FLINK_STATE_SNAPSHOTS, namespace, 'orphan');
          return s.status?.state === 'FAILED' ? s : undefined;
        },
        { what: 'snapshot FAILED' },
      );
      assert.match(
        failed.status?.error ?? '',
        new RegExp(`Target for snapshot ${namespace}/nope was not found`),
      );
      const warning = await eventually(
        async () => (await events(namespace)).find((e) => e.reason === 'ValidationError'),
        {
          what: 'a ValidationError Event',
        },
      );
      assert.equal(warning.type, 'Warning');
    });

    test('a session job whose deploymentName names no deployment reports it in status and a Warning Event', async () => {
      const namespace = ns('nosession');
      await createJob(namespace, 'lost', {}, 'absent');
      const expected = `Session cluster FlinkDeployment ${namespace}/absent not found`;
      const job = await eventually(
        async () => {
          const j = await getJob(namespace, 'lost');
          return j.status?.error?.includes(expected) ? j : undefined;
        },
        { what: 'the missing session cluster in status.error' },
      );
      assert.equal(job.status?.lifecycleState, 'FAILED');
      const warning = await eventually(
        async () => (await events(namespace)).find((e) => e.message === expected),
        {
          what: 'a Warning Event naming the missing cluster',
        },
      );
      assert.deepEqual([warning.type, warning.reason], ['Warning', 'Missing']);
      // Deleting it needs nothing from Flink.
      await client.delete(FLINK_SESSION_JOBS, namespace, 'lost');
      await eventually(
        async () =>
          getJob(namespace, 'lost').then(
            () => undefined,
            (err: { status?: number }) => (err.status === 404 ? true : undefined),
          ),
        { what: 'the session job deleted' },
      );
    });
  },
);
