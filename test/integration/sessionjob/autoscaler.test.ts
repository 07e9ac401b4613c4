/**
 * The autoscaler of FlinkSessionJobs against the real API server and real Flink session clusters
 * (local JobManager and TaskManager processes). The tests write the autoscaler's decision
 * (parallelism overrides) into its ConfigMap themselves instead of waiting a metrics window out,
 * then check the vertex parallelism Flink reports: rescaled in place by the adaptive scheduler
 * (Flink 2.2), or through an upgrade without it (Flink 1.20, which applies the overrides a
 * submission ships), and back to the spec once the autoscaler is off.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { installCrds, type FlinkSessionJob, type FlinkSessionJobSpec } from '../../../src/api/index.ts';
import { AutoscalerStateStore, stateConfigMapName } from '../../../src/autoscaler/store.ts';
import { parseReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { createSessionJobController, FLINK_SESSION_JOBS } from '../../../src/controllers/sessionjob/index.ts';
import { FLINK_DEPLOYMENTS } from '../../../src/controllers/sessionjob/session.ts';
import { ensureFlinkDistribution } from '../../../src/flink/dist/distribution.ts';
import type { FlinkRestClient } from '../../../src/flink/rest/client.ts';
import {
  KubeClient,
  Manager,
  OperatorConfig,
  WellKnown,
  createLogger,
  isNotFound,
} from '../../../src/runtime/index.ts';
import type { KubeObject } from '../../../src/runtime/kube/types.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import {
  sessionJobClusterConfig,
  startLocalSessionCluster,
  type LocalSessionCluster,
} from '../../support/flink-session.ts';

const OVERRIDES = 'pipeline.jobvertex-parallelism-overrides';

interface CoreEvent {
  involvedObject: { name?: string };
  reason: string;
  message: string;
}

interface ClusterOptions {
  version: string;
  flinkVersion: string;
  addresses: { jm: string; tm: string };
  scheduler: 'adaptive' | 'default';
}

const kc = testKubeConfig();
const client = new KubeClient(kc);
const store = new AutoscalerStateStore(client);

/**
 * Registers hooks that start a session cluster, a namespace with its READY FlinkDeployment and an
 * operator running the session job controller; returns accessors for the tests.
 */
function sessionCluster({ version, flinkVersion, addresses, scheduler }: ClusterOptions) {
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  let workDir: string | undefined;
  let cluster: LocalSessionCluster | undefined;
  let rest: FlinkRestClient | undefined;
  let manager: Manager | undefined;
  let jarURI = '';

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sessionjob-autoscaler-'));
    const [dist, , namespace] = await Promise.all([
      ensureFlinkDistribution(version),
      installCrds(kc),
      createTestNamespace(kc, 'sj-autoscaler'),
    ]);
    ns = namespace;
    jarURI = pathToFileURL(dist.examples.topSpeedWindowing).href;
    const checkpoints = pathToFileURL(path.join(workDir, 'checkpoints')).href;
    const savepoints = pathToFileURL(path.join(workDir, 'savepoints')).href;
    const clusterConfig = {
      ...sessionJobClusterConfig(workDir),
      'jobmanager.scheduler': scheduler,
      'jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling': '1 s',
      'jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout': '1 s',
      'execution.checkpointing.savepoint-dir': savepoints,
    };
    cluster = await startLocalSessionCluster({ dist, workDir, addresses, config: clusterConfig });
    rest = cluster.rest;

    // The session cluster as the operator sees it: a READY FlinkDeployment without a job.
    await client.create(FLINK_DEPLOYMENTS, {
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      metadata: { name: 'session', namespace: ns.name },
      spec: {
        image: `flink:${version}`,
        flinkVersion,
        flinkConfiguration: {
          'jobmanager.scheduler': scheduler,
          'execution.checkpointing.dir': checkpoints,
          'execution.checkpointing.savepoint-dir': savepoints,
        },
        serviceAccount: 'flink',
        jobManager: { resource: { cpu: 1, memory: '1024m' } },
        taskManager: { resource: { cpu: 1, memory: '1536m' } },
      },
    });
    await client.patch(
      FLINK_DEPLOYMENTS,
      ns.name,
      'session',
      { status: { jobManagerDeploymentStatus: 'READY' } },
      { subresource: 'status' },
    );

    manager = new Manager({
      kubeConfig: kc,
      config: new OperatorConfig({
        'kubernetes.operator.watched.namespaces': ns.name,
        'kubernetes.operator.retry.initial.interval': '500 ms',
        'kubernetes.operator.dynamic.config.enabled': 'false',
        'kubernetes.operator.reconcile.interval': '2 s',
        'kubernetes.operator.observer.progress-check.interval': '1 s',
        'kubernetes.operator.user.artifacts.base.dir': path.join(workDir, 'artifacts'),
        'kubernetes.operator.user.artifacts.allowed-schemes': 'file;https',
        'kubernetes.operator.snapshot.resource.enabled': 'false',
      }),
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      healthPort: 0,
      metricsPort: 0,
      host: '127.0.0.1',
    });
    manager.add(createSessionJobController({ resolveRestAddress: async () => cluster?.jm.restUrl ?? '' }));
    await manager.start();
  });

  after(async () => {
    await manager?.stop();
    await cluster?.stop();
    await ns?.remove();
    if (workDir && !process.env.KEEP_FLINK_TEST_DIRS) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const namespace = () => ns?.name ?? '';
  const getJob = (name: string) => client.get<FlinkSessionJob>(FLINK_SESSION_JOBS, namespace(), name);

  return {
    namespace,
    getJob,

    async createJob(name: string, upgradeMode: string) {
      await client.create(FLINK_SESSION_JOBS, {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkSessionJob',
        metadata: { name, namespace: namespace() },
        spec: {
          deploymentName: 'session',
          // A long stabilization keeps the autoscaler from deciding anything itself.
          flinkConfiguration: {
            'job.autoscaler.enabled': 'true',
            'job.autoscaler.stabilization.interval': '1 h',
          },
          job: { jarURI, parallelism: 1, upgradeMode },
        },
      });
    },

    /** The session job's Flink job once it runs with each vertex at the given parallelism. */
    runningWith: (name: string, parallelism: (vertexName: string) => number, notJobId?: string) =>
      eventually(
        async () => {
          const job = await getJob(name);
          const id = job.status?.jobStatus?.jobId;
          if (job.status?.error) throw new Error(`status.error: ${job.status.error}`);
          if (!id || id === notJobId || job.status?.jobStatus?.state !== 'RUNNING') return undefined;
          const details = await rest!.jobDetails(id);
          if (details.state !== 'RUNNING') return undefined;
          const ok = details.vertices.every((v) => v.parallelism === parallelism(v.name));
          return ok ? { job, id, vertices: details.vertices } : undefined;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          what: `session job ${name} running at the expected parallelism${notJobId ? ` as a job other than ${notJobId}` : ''}`,
        },
      ),
  };
}

/** Writes a decision into the autoscaler's state, once the autoscaler has written its first state. */
async function decide(job: FlinkSessionJob, overrides: Record<string, number>) {
  const state = await eventually(
    async () => {
      const s = await store.load(job);
      return s.jobId === job.status?.jobStatus?.jobId ? s : undefined;
    },
    { what: `the autoscaler state of ${job.metadata.name}` },
  );
  await store.save(job, { ...state, parallelismOverrides: overrides });
}

const recordedOverrides = (job: FlinkSessionJob) =>
  parseReconciledSpec<FlinkSessionJobSpec>(job.status?.reconciliationStatus?.lastReconciledSpec)?.spec
    .flinkConfiguration?.[OVERRIDES];

const formatted = (vertexIds: string[], parallelism: number) =>
  vertexIds
    .map((v) => `${v}:${parallelism}`)
    .sort()
    .join(',');

describe(
  'an autoscaled session job on a Flink 2.2 session cluster with the adaptive scheduler',
  { timeout: 300_000 },
  () => {
    const cluster = sessionCluster({
      version: '2.2.1',
      flinkVersion: 'v2_2',
      addresses: { jm: '127.0.0.51', tm: '127.0.0.52' },
      scheduler: 'adaptive',
    });

    test('is rescaled in place, keeps its overrides when resubmitted, and returns to its spec once the autoscaler is off', async () => {
      const ns = cluster.namespace();
      await cluster.createJob('inplace', 'stateless');
      const first = await cluster.runningWith('inplace', () => 1);
      const cm = await eventually(() =>
        client.get<KubeObject>(WellKnown.configMaps, ns, 'autoscaler-inplace').catch(() => undefined),
      );
      assert.deepEqual(cm.metadata.labels, { component: 'autoscaler', app: 'inplace' });
      assert.deepEqual(
        cm.metadata.ownerReferences?.map((r) => [r.kind, r.name]),
        [['FlinkSessionJob', 'inplace']],
      );

      // Every vertex to 2: the adaptive scheduler rescales the running job, which keeps its id.
      const vertexIds = first.vertices.map((v) => v.id);
      await decide(first.job, Object.fromEntries(vertexIds.map((v) => [v, 2])));
      const scaled = await cluster.runningWith('inplace', () => 2);
      assert.equal(scaled.id, first.id);
      assert.equal(recordedOverrides(scaled.job), formatted(vertexIds, 2));
      assert.equal(
        scaled.job.spec.flinkConfiguration?.[OVERRIDES],
        undefined,
        'the stored spec is untouched',
      );
      const events = (await client.list<CoreEvent & { metadata: object }>(WellKnown.events, ns))
        .items as CoreEvent[];
      assert.ok(
        events.some(
          (e) =>
            e.involvedObject.name === 'inplace' &&
            e.reason === 'Scaling' &&
            e.message === 'In-place scaling triggered',
        ),
      );

      // A resubmission (restartNonce) starts the job at its own parallelism; the overrides are set again.
      await client.patch(FLINK_SESSION_JOBS, ns, 'inplace', { spec: { restartNonce: 1 } });
      const restarted = await cluster.runningWith('inplace', () => 2, first.id);
      assert.equal(recordedOverrides(restarted.job), formatted(vertexIds, 2));

      // Off: the state goes and the job is resubmitted at its spec's parallelism.
      await client.patch(FLINK_SESSION_JOBS, ns, 'inplace', {
        spec: { flinkConfiguration: { 'job.autoscaler.enabled': 'false' } },
      });
      await eventually(
        () =>
          client.get(WellKnown.configMaps, ns, stateConfigMapName('inplace')).then(
            () => undefined,
            (err: unknown) => {
              if (isNotFound(err)) return true;
              throw err;
            },
          ),
        { what: 'the autoscaler ConfigMap deleted' },
      );
      const back = await cluster.runningWith('inplace', () => 1, restarted.id);
      assert.equal(recordedOverrides(back.job), undefined);
    });
  },
);

describe(
  'an autoscaled session job on a Flink 1.20 session cluster without the adaptive scheduler',
  { timeout: 300_000 },
  () => {
    const cluster = sessionCluster({
      version: '1.20.5',
      flinkVersion: 'v1_20',
      addresses: { jm: '127.0.0.53', tm: '127.0.0.54' },
      scheduler: 'default',
    });

    test('is upgraded with a savepoint to run with the overrides', async () => {
      await cluster.createJob('upgrade', 'savepoint');
      const first = await cluster.runningWith('upgrade', () => 1);
      const window = first.vertices.find((v) => v.name.includes('Window'));
      assert.ok(window, `a window vertex among ${first.vertices.map((v) => v.name).join(', ')}`);

      await decide(first.job, { [window.id]: 3 });
      const scaled = await cluster.runningWith('upgrade', (name) => (name === window.name ? 3 : 1), first.id);
      assert.equal(recordedOverrides(scaled.job), `${window.id}:3`);
      assert.ok(scaled.job.status?.jobStatus?.upgradeSavepointPath, 'restored from the upgrade savepoint');
    });
  },
);
