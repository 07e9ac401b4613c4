/**
 * `npm run bench`: the operator's speed, footprint and scale on the local control plane.
 *
 * Starts its own etcd + kube-apiserver + kube-controller-manager in a temporary folder, a simulated
 * node (pods are never run; JobManager REST answers come from recordings of real Flink 2.2), and
 * the operator as a separate process built like the image. Then measures: start-up, the floor
 * (the minimal writes of one cluster by a plain client), create and spec-change latency at each
 * scale, scheduled runs at one shared tick, and the steady state at the largest scale. Writes
 * `bench/results/results.{md,json,svg}`.
 *
 * Options: `--scales=10,100,1000`, `--steady-seconds=180`, `--schedules=100`, `--cpu-prof`
 * (the operator's CPU profile) and `--heap-snapshot` (its heap at the end of the steady state),
 * both under bench/results/profile.tmp/, `--operator-node-options="--flag ..."` (Node.js flags of
 * the operator process), `--keep` (leave the temporary folder).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { installCrds, type FlinkDeployment, type FlinkDeploymentSpec } from '../src/api/index.ts';
import { parseReconciledSpec } from '../src/controllers/common/reconciled-spec.ts';
import { stopControlPlane } from '../src/devcluster/controlplane.ts';
import { ensureFlinkServiceAccount } from '../src/devcluster/flink-rbac.ts';
import { effectiveConfiguration } from '../src/flink/config/effective.ts';
import { desiredObjects } from '../src/flink/resources/index.ts';
import { identityKubeconfig, startBenchCluster, userName, type BenchCluster } from './cluster.ts';
import { loadRecording } from './fixtures.ts';
import { FlinkSimulator } from './flink-sim.ts';
import { OperatorProcess, buildOperator, type ProcessSample } from './operator-process.ts';
import { writeReport, type BenchResults, type ScaleResult } from './report.ts';
import { SimulatedKubelet } from './sim-kubelet.ts';
import { inParallel, summarize } from './stats.ts';
import { Observer } from './watch.ts';

const { values: args } = parseArgs({
  options: {
    scales: { type: 'string', default: '10,100,1000' },
    'steady-seconds': { type: 'string', default: '180' },
    schedules: { type: 'string', default: '100' },
    'cpu-prof': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: false },
    'operator-node-options': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
  },
});
const SCALES = args
  .scales!.split(',')
  .map(Number)
  .sort((a, b) => a - b);
const STEADY_MS = Number(args['steady-seconds']) * 1000;
const SCHEDULES = Number(args.schedules);
/** Requests the bench keeps in flight when it creates or changes resources. */
const CONCURRENCY = 32;
const NAMESPACE = 'bench';
const FLOOR_NAMESPACE = 'bench-floor';
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const GROUP = { group: 'flink.apache.org', version: 'v1beta1', plural: 'flinkdeployments' };

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

function flinkDeployment(
  name: string,
  revision: string,
  extra: Partial<FlinkDeploymentSpec> = {},
): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name, namespace: NAMESPACE, labels: { bench: 'true' } },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: {
        'taskmanager.numberOfTaskSlots': '2',
        'execution.checkpointing.interval': '10 s',
        'execution.checkpointing.dir': 'file:///tmp/flink-operator-bench/checkpoints',
        'execution.checkpointing.savepoint-dir': 'file:///tmp/flink-operator-bench/savepoints',
      },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1280m', cpu: 0.5 } },
      job: {
        jarURI: 'local:///opt/flink/examples/streaming/TopSpeedWindowing.jar',
        parallelism: 2,
        upgradeMode: 'savepoint',
        args: ['--bench-revision', revision],
      },
      ...extra,
    },
  } as FlinkDeployment;
}

const revisionOf = (d: FlinkDeployment) => {
  const last = parseReconciledSpec<FlinkDeploymentSpec>(d.status?.reconciliationStatus?.lastReconciledSpec);
  return last?.spec.job?.args?.[1];
};

const runningAt = (revision: string) => (d: FlinkDeployment) =>
  d.status?.lifecycleState === 'STABLE' &&
  d.status.jobStatus?.state === 'RUNNING' &&
  revisionOf(d) === revision;

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Bench {
  cluster: BenchCluster;
  observer: Observer;
  custom: k8s.CustomObjectsApi;
  operator: OperatorProcess;
  flink: FlinkSimulator;
  floorKc: k8s.KubeConfig;
}

/** The plain client's minimal writes for one cluster: its ConfigMap, Services, then the JobManager Deployment. */
async function measureFloor(b: Bench, n: number): Promise<ScaleResult['floor']> {
  const core = b.floorKc.makeApiClient(k8s.CoreV1Api);
  const apps = b.floorKc.makeApiClient(k8s.AppsV1Api);
  const names = Array.from({ length: n }, (_, i) => `f${n}-${i}`);
  const started = new Map<string, number>();
  const writeMs: number[] = [];
  const from = Date.now();
  await inParallel(names, CONCURRENCY, async (name) => {
    const d = flinkDeployment(name, '1');
    d.metadata.namespace = FLOOR_NAMESPACE;
    const objects = desiredObjects(d, effectiveConfiguration(d, {}, { jobId: '0'.repeat(32) }));
    started.set(name, Date.now());
    for (const cm of objects.configMaps)
      await core.createNamespacedConfigMap({ namespace: FLOOR_NAMESPACE, body: cm });
    for (const svc of objects.services)
      await core.createNamespacedService({ namespace: FLOOR_NAMESPACE, body: svc });
    await apps.createNamespacedDeployment({ namespace: FLOOR_NAMESPACE, body: objects.jobManagerDeployment });
    writeMs.push(Date.now() - started.get(name)!);
  });
  const seen = await until(
    `the floor's ${n} Deployments`,
    () => {
      const times = names.map((name) => b.observer.deploymentSeen.get(`${FLOOR_NAMESPACE}/${name}`));
      return times.every((t) => t !== undefined) ? (times as number[]) : undefined;
    },
    300_000,
  );
  await b.cluster.audit.catchUp();
  const requests = b.cluster.audit.between(userName('floor'), from, Date.now() + 1).length;
  // Remove the floor's clusters so their pods do not load the next measurements.
  const admin = b.cluster.admin;
  await admin
    .makeApiClient(k8s.AppsV1Api)
    .deleteCollectionNamespacedDeployment({ namespace: FLOOR_NAMESPACE });
  await admin
    .makeApiClient(k8s.CoreV1Api)
    .deleteCollectionNamespacedConfigMap({ namespace: FLOOR_NAMESPACE });
  const adminCore = admin.makeApiClient(k8s.CoreV1Api);
  await inParallel(names, CONCURRENCY, async (name) => {
    for (const svc of [name, `${name}-rest`]) {
      await adminCore
        .deleteNamespacedService({ namespace: FLOOR_NAMESPACE, name: svc })
        .catch(() => undefined);
    }
  });
  return {
    toDeployment: summarize(seen.map((t, i) => t - started.get(names[i]!)!)),
    fromBatchStart: summarize(seen.map((t) => t - from)),
    writes: summarize(writeMs),
    requestsPerCluster: requests / n,
  };
}

async function createAll(b: Bench, names: string[]): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  await inParallel(names, CONCURRENCY, async (name) => {
    sent.set(name, Date.now());
    await b.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: NAMESPACE,
      body: flinkDeployment(name, '1'),
    });
  });
  return sent;
}

/**
 * Floor, create and spec-change latency at `n` FlinkDeployments. With `whileRunning` (the largest
 * scale) the steady state is measured once all run, before the spec change, and the resources are
 * left as they are; otherwise they are deleted after all upgraded.
 */
async function measureScale(b: Bench, n: number, whileRunning?: () => Promise<void>): Promise<ScaleResult> {
  log(`scale ${n}: floor`);
  const floor = await measureFloor(b, n);
  log(`scale ${n}: floor p50 ${floor.toDeployment.p50} ms; creating ${n} FlinkDeployments`);
  const names = Array.from({ length: n }, (_, i) => `d${n}-${i}`);
  const from = Date.now();
  const sent = await createAll(b, names);
  const seen = await until(
    `${n} JobManager Deployments`,
    () => {
      const times = names.map((name) => b.observer.deploymentSeen.get(`${NAMESPACE}/${name}`));
      return times.every((t) => t !== undefined) ? (times as number[]) : undefined;
    },
    600_000,
  );
  const create = seen.map((t, i) => t - sent.get(names[i]!)!);
  log(`scale ${n}: create p50 ${summarize(create).p50} ms; waiting for all RUNNING and STABLE`);
  const byName = () => new Map(b.observer.flink().map((d) => [d.metadata.name!, d]));
  const allAt = (revision: string) => () => {
    const current = byName();
    return names.every((name) => {
      const d = current.get(name);
      return d !== undefined && runningAt(revision)(d);
    })
      ? true
      : undefined;
  };
  await until(`${n} deployments RUNNING`, allAt('1'), 900_000);
  const runningAfterMs = Date.now() - from;
  await b.cluster.audit.catchUp();
  const createRequests = b.cluster.audit.between(userName('operator'), from, Date.now()).length;

  log(`scale ${n}: all running after ${runningAfterMs} ms`);
  if (whileRunning) await whileRunning();
  log(`scale ${n}: changing every spec`);
  const patched = new Map<string, number>();
  await inParallel(names, CONCURRENCY, async (name) => {
    patched.set(name, Date.now());
    await b.custom.patchNamespacedCustomObject(
      { ...GROUP, namespace: NAMESPACE, name, body: { spec: { job: { args: ['--bench-revision', '2'] } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  });
  const upgrade = await until(
    `${n} upgrades to start`,
    () => {
      const starts = names.map((name) => {
        const at = b.observer.upgradeStartedAfter(name, patched.get(name)!);
        return at === undefined ? undefined : at - patched.get(name)!;
      });
      return starts.every((t) => t !== undefined) ? (starts as number[]) : undefined;
    },
    600_000,
  );
  log(`scale ${n}: upgrade start p50 ${summarize(upgrade).p50} ms; waiting for all upgraded`);
  const result: ScaleResult = {
    n,
    floor,
    createToDeployment: summarize(create),
    createFromBatchStart: summarize(seen.map((t) => t - from)),
    specChangeToUpgrade: summarize(upgrade),
    allRunningAfterMs: runningAfterMs,
    operatorRequestsPerClusterToRunning: createRequests / n,
  };
  if (whileRunning) return result;
  const upgradeFrom = Math.min(...patched.values());
  await until(`${n} deployments upgraded`, allAt('2'), 900_000);
  result.allUpgradedAfterMs = Date.now() - upgradeFrom;
  await deleteAll(b, names);
  return result;
}

async function deleteAll(b: Bench, names: string[]): Promise<void> {
  log(`deleting ${names.length} FlinkDeployments`);
  await inParallel(names, CONCURRENCY, async (name) => {
    await b.custom
      .deleteNamespacedCustomObject({ ...GROUP, namespace: NAMESPACE, name })
      .catch(() => undefined);
  });
  const set = new Set(names);
  await until(
    `${names.length} deletions`,
    () => (b.observer.flink().some((d) => set.has(d.metadata.name!)) ? undefined : true),
    600_000,
  );
}

/** Templates firing every 10 s; the delay from the tick to each run appearing in a watch. */
async function measureSchedules(b: Bench, count: number): Promise<BenchResults['scheduled']> {
  log(`schedules: creating ${count} templates firing every 10 s`);
  const names = Array.from({ length: count }, (_, i) => `s${i}`);
  await inParallel(names, CONCURRENCY, async (name) => {
    const body = flinkDeployment(name, '1', {
      schedule: { cron: '*/10 * * * * ?', concurrencyPolicy: 'Allow' },
    } as Partial<FlinkDeploymentSpec>);
    await b.custom.createNamespacedCustomObject({ ...GROUP, namespace: NAMESPACE, body });
  });
  // The first tick at least 2 s after the last template exists, so every template can take it.
  const tick = Math.ceil((Date.now() + 2000) / 10_000) * 10_000;
  const runs = await until(
    `${count} runs of the tick at ${new Date(tick).toISOString()}`,
    () => {
      const ofTick = [...b.observer.runs.values()].filter((r) => r.scheduledAt === tick);
      return ofTick.length >= count ? ofTick : undefined;
    },
    120_000,
  );
  const delays = runs.map((r) => r.seenAt - r.scheduledAt);
  const runNames = [...b.observer.runs.keys()];
  await deleteAll(b, names);
  // Runs are owned by their templates; wait until the garbage collector and the operator removed them.
  await deleteAll(b, runNames);
  return { templates: count, tick: new Date(tick).toISOString(), tickToRun: summarize(delays) };
}

interface Sampling {
  samples: ProcessSample[];
  stop: () => void;
}

function sampleEvery(operator: OperatorProcess, ms: number): Sampling {
  const samples: ProcessSample[] = [operator.sample()];
  const timer = setInterval(() => samples.push(operator.sample()), ms);
  return { samples, stop: () => clearInterval(timer) };
}

/** Operator CPU, memory, API and REST requests over a window with every resource running. */
async function measureSteadyState(b: Bench, n: number): Promise<BenchResults['steady']> {
  log(`steady state at ${n}: settling 30 s, then measuring ${STEADY_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, 30_000));
  const sampling = sampleEvery(b.operator, 2000);
  const restBefore = b.flink.requests;
  const windowFrom = Date.now();
  await new Promise((r) => setTimeout(r, STEADY_MS));
  sampling.stop();
  const windowTo = Date.now();
  const restRequests = b.flink.requests - restBefore;
  if (args['heap-snapshot']) await b.operator.heapSnapshot();
  await b.cluster.audit.catchUp();
  const apiInWindow = b.cluster.audit.between(userName('operator'), windowFrom, windowTo);
  const samples = sampling.samples;
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const minutes = (windowTo - windowFrom) / 60_000;
  const byKind = new Map<string, number>();
  for (const r of apiInWindow) {
    const key = `${r.verb} ${r.resource}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  const cpuPercent = (a: ProcessSample, z: ProcessSample) =>
    ((z.cpuSeconds - a.cpuSeconds) / ((z.at - a.at) / 1000)) * 100;
  return {
    deployments: n,
    windowSeconds: (windowTo - windowFrom) / 1000,
    reconcileInterval: '60 s (default)',
    cpuPercentOfOneCore: cpuPercent(first, last),
    rssMiB: {
      median: summarize(samples.map((s) => s.rssBytes / 2 ** 20)).p50,
      max: Math.max(...samples.map((s) => s.rssBytes / 2 ** 20)),
    },
    apiRequestsPerMinute: apiInWindow.length / minutes,
    apiRequestsByKind: Object.fromEntries(
      [...byKind].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / minutes]),
    ),
    flinkRestRequestsPerMinute: restRequests / minutes,
    timeline: samples.map((s, i) => ({
      seconds: (s.at - first.at) / 1000,
      rssMiB: s.rssBytes / 2 ** 20,
      cpuPercent: i === 0 ? 0 : cpuPercent(samples[i - 1]!, s),
    })),
  };
}

async function main(): Promise<void> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'flink-operator-bench-'));
  await fsp.mkdir(RESULTS, { recursive: true });
  log(`working in ${dir}; building the operator`);
  const operatorMain = buildOperator();
  let cluster: BenchCluster | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  // Interrupted (Ctrl-C): stop the control plane and the operator before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void tearDown().finally(() => process.exit(130));
    });
  }
  try {
    cluster = await startBenchCluster(dir, ['operator', 'floor']);
    log(`control plane up at ${cluster.state.server}`);
    const admin = cluster.admin;
    await installCrds(admin);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    for (const namespace of [NAMESPACE, FLOOR_NAMESPACE]) {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await ensureFlinkServiceAccount(admin, namespace);
    }
    const recording = loadRecording();
    const flink = new FlinkSimulator(recording);
    cleanups.push(() => flink.close());
    const kubelet = new SimulatedKubelet(admin, [NAMESPACE, FLOOR_NAMESPACE], flink);
    await kubelet.start();
    cleanups.push(() => kubelet.stop());
    const observer = new Observer(admin, NAMESPACE, FLOOR_NAMESPACE);
    await observer.start();
    cleanups.push(() => observer.stop());
    const floorKc = new k8s.KubeConfig();
    floorKc.loadFromFile(await identityKubeconfig(cluster, 'floor', path.join(dir, 'floor.kubeconfig')));
    const operatorKubeconfig = await identityKubeconfig(
      cluster,
      'operator',
      path.join(dir, 'operator.kubeconfig'),
    );
    const custom = admin.makeApiClient(k8s.CustomObjectsApi);

    // Start-up: one FlinkDeployment waits for the operator, which starts as its own process.
    await custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: NAMESPACE,
      body: flinkDeployment('startup-probe', '1'),
    });
    const profileDir = path.join(RESULTS, 'profile.tmp');
    await fsp.mkdir(profileDir, { recursive: true });
    const operator = await OperatorProcess.start({
      main: operatorMain,
      kubeconfig: operatorKubeconfig,
      dir,
      config: {
        'kubernetes.operator.watched.namespaces': NAMESPACE,
        'kubernetes.operator.rest.address-resolution': 'pod-ip',
      },
      nodeFlags: [
        ...args['operator-node-options']!.split(' ').filter(Boolean),
        ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        ...(args['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${profileDir}`] : []),
      ],
    });
    cleanups.unshift(() => operator.stop());
    await until('the operator ready', async () => ((await operator.ready()) ? true : undefined), 60_000);
    const readyMs = Date.now() - operator.spawnedAt;
    await until(
      'the first reconcile',
      async () =>
        (await operator.counter('flink_operator_reconcile_total').catch(() => 0)) > 0 ? true : undefined,
      60_000,
    );
    const firstReconcileMs = Date.now() - operator.spawnedAt;
    const firstDeploymentMs =
      (await until(
        'the probe cluster',
        () => observer.deploymentSeen.get(`${NAMESPACE}/startup-probe`),
        60_000,
      )) - operator.spawnedAt;
    const startupSample = operator.sample();
    log(`operator ready after ${readyMs} ms, first reconcile after ${firstReconcileMs} ms`);
    const b: Bench = { cluster, observer, custom, operator, flink, floorKc };
    await deleteAll(b, ['startup-probe']);

    const scales: ScaleResult[] = [];
    let scheduled: BenchResults['scheduled'] | undefined;
    let steady: BenchResults['steady'] | undefined;
    const largest = SCALES.at(-1)!;
    for (const n of SCALES) {
      // Scheduled runs just before the largest scale, whose steady state is then measured alone.
      if (n === largest && SCHEDULES > 0) scheduled = await measureSchedules(b, SCHEDULES);
      const measureSteady = async () => {
        steady = await measureSteadyState(b, n);
      };
      scales.push(await measureScale(b, n, n === largest ? measureSteady : undefined));
      log(`scale ${n} done`);
    }
    const results: BenchResults = {
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        kernel: os.release(),
      },
      date: new Date().toISOString(),
      flinkRest: `simulated: ${recording.source}, recorded ${recording.recordedAt.slice(0, 10)} (bench/fixtures/)`,
      startup: {
        readyMs,
        firstReconcileMs,
        firstDeploymentMs,
        rssMiB: startupSample.rssBytes / 2 ** 20,
      },
      scales,
      ...(scheduled ? { scheduled } : {}),
      steady: steady!,
    };
    await writeReport(RESULTS, results);
    log(`results in ${RESULTS}`);
  } finally {
    await tearDown();
  }

  async function tearDown(): Promise<void> {
    // Last started, first stopped: the simulated node stops placing pods before the simulator closes.
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((err: unknown) => log(`cleanup: ${String(err)}`));
    if (cluster) await stopControlPlane(dir);
    cluster = undefined;
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

await main();
