/**
 * End-to-end helpers: an operator in this process watching one namespace of the test cluster, and
 * checks of the Flink side through the JobManager REST API of a deployment's pod.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { installCrds, type FlinkDeployment } from '../../src/api/index.ts';
import { ensureFlinkServiceAccount } from '../../src/devcluster/flink-rbac.ts';
import { FlinkRestClient } from '../../src/flink/rest/client.ts';
import type { JobDetails } from '../../src/flink/rest/types.ts';
import { createOperator } from '../../src/operator.ts';
import { OperatorConfig, createLogger, type Manager } from '../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../support/cluster.ts';

export const GROUP = 'flink.apache.org';
export const VERSION = 'v1beta1';

export interface E2eEnv {
  kc: k8s.KubeConfig;
  namespace: string;
  custom: k8s.CustomObjectsApi;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  operator: Manager;
  startOperator(): Promise<void>;
  stopOperator(): Promise<void>;
  close(): Promise<void>;
}

export async function e2eEnv(prefix: string): Promise<E2eEnv> {
  const kc = testKubeConfig();
  await installCrds(kc);
  const ns = await createTestNamespace(kc, prefix);
  await ensureFlinkServiceAccount(kc, ns.name);
  const makeOperator = () =>
    createOperator({
      kubeconfig: process.env.FLINK_OPERATOR_TEST_KUBECONFIG!,
      config: new OperatorConfig({
        'kubernetes.operator.watched.namespaces': ns.name,
        'kubernetes.operator.rest.address-resolution': 'pod-ip',
        'kubernetes.operator.reconcile.interval': '10 s',
        'kubernetes.operator.observer.progress-check.interval': '1 s',
        // Session jobs here take their jars from this machine's files.
        'kubernetes.operator.user.artifacts.allowed-schemes': 'https;file',
      }),
      log: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }),
      healthPort: 0,
      metricsPort: 0,
      host: '127.0.0.1',
    });
  const env: E2eEnv = {
    kc,
    namespace: ns.name,
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    operator: makeOperator(),
    async startOperator() {
      env.operator = makeOperator();
      await env.operator.start();
    },
    async stopOperator() {
      await env.operator.stop();
    },
    async close() {
      await env.operator.stop();
      await ns.remove();
    },
  };
  await env.operator.start();
  return env;
}

/**
 * The hooks of one e2e file: its environment is made before its tests (handed to `ready`) and
 * closed after them, with the folder it returns for the jobs' checkpoints and savepoints.
 */
export function e2eFile(prefix: string, ready: (env: E2eEnv) => void): string {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  let env: E2eEnv | undefined;
  before(async () => {
    env = await e2eEnv(prefix);
    ready(env);
  });
  after(async () => {
    await env?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  return stateDir;
}

export async function readDeployment(env: E2eEnv, name: string): Promise<FlinkDeployment> {
  return (await env.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural: 'flinkdeployments',
    name,
  })) as FlinkDeployment;
}

export async function createDeployment(env: E2eEnv, body: FlinkDeployment): Promise<void> {
  await env.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural: 'flinkdeployments',
    body,
  });
}

export async function patchSpec(env: E2eEnv, name: string, spec: Record<string, unknown>): Promise<void> {
  await env.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: env.namespace,
      plural: 'flinkdeployments',
      name,
      body: { spec },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

export async function deleteDeployment(env: E2eEnv, name: string): Promise<void> {
  await env.custom.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural: 'flinkdeployments',
    name,
  });
}

/** Waits until the deployment's status satisfies `check`; returns that deployment. */
export async function waitFor(
  env: E2eEnv,
  name: string,
  what: string,
  check: (d: FlinkDeployment) => boolean,
  timeoutMs = 180_000,
): Promise<FlinkDeployment> {
  return eventually(
    async () => {
      const d = await readDeployment(env, name);
      return check(d) ? d : undefined;
    },
    { what: `${name}: ${what}`, timeoutMs, intervalMs: 500 },
  );
}

export const runningAndStable = (d: FlinkDeployment) =>
  d.status?.jobStatus?.state === 'RUNNING' && d.status.lifecycleState === 'STABLE';

/** The REST client of the deployment's current JobManager pod. */
export async function flinkRest(env: E2eEnv, name: string): Promise<FlinkRestClient> {
  const ip = await eventually(
    async () => {
      const pods = await env.core.listNamespacedPod({
        namespace: env.namespace,
        labelSelector: `app=${name},component=jobmanager`,
      });
      const ready = pods.items.find(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready?.status?.podIP;
    },
    { what: `a ready JobManager pod of ${name}` },
  );
  return new FlinkRestClient({ baseUrl: `http://${ip}:8081` });
}

/**
 * The highest parallelism among the vertices Flink runs for the job, read from the deployment's
 * current JobManager (the TopSpeedWindowing source always runs with parallelism 1).
 */
export async function runningParallelism(env: E2eEnv, name: string, jobId: string): Promise<number> {
  const rest = await flinkRest(env, name);
  const details = await rest.jobDetails(jobId);
  return Math.max(...details.vertices.map((v) => v.parallelism));
}

/** Objects of a cluster left in the namespace (by the label every cluster object carries). */
export async function leftovers(env: E2eEnv, name: string): Promise<string[]> {
  const selector = `app=${name}`;
  const [deployments, pods, services, configMaps] = await Promise.all([
    env.apps.listNamespacedDeployment({ namespace: env.namespace, labelSelector: selector }),
    env.core.listNamespacedPod({ namespace: env.namespace, labelSelector: selector }),
    env.core.listNamespacedService({ namespace: env.namespace }),
    env.core.listNamespacedConfigMap({ namespace: env.namespace, labelSelector: selector }),
  ]);
  return [
    ...deployments.items.map((d) => `deployment/${d.metadata?.name}`),
    ...pods.items.map((p) => `pod/${p.metadata?.name}`),
    ...services.items
      .filter((s) => s.metadata?.name === name || s.metadata?.name === `${name}-rest`)
      .map((s) => `service/${s.metadata?.name}`),
    ...configMaps.items.map((c) => `configmap/${c.metadata?.name}`),
  ];
}

export async function eventReasons(env: E2eEnv, name: string): Promise<string[]> {
  const list = await env.core.listNamespacedEvent({ namespace: env.namespace });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason ?? '');
}

/** The Flink configuration of Kubernetes HA with its storage under `dir`. */
export const kubernetesHa = (dir: string) => ({
  'high-availability.type': 'kubernetes',
  'high-availability.storageDir': `file://${dir}/ha`,
});

/** A FlinkDeployment running the stateful TopSpeedWindowing example, savepoints under `dir`. */
export function streamingDeployment(
  name: string,
  dir: string,
  job: Record<string, unknown> = {},
): FlinkDeployment {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkDeployment',
    metadata: { name },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: {
        'taskmanager.numberOfTaskSlots': '2',
        'execution.checkpointing.interval': '2 s',
        'execution.checkpointing.dir': `file://${dir}/checkpoints`,
        'execution.checkpointing.savepoint-dir': `file://${dir}/savepoints`,
      },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1280m', cpu: 0.5 } },
      job: {
        jarURI: 'local:///opt/flink/examples/streaming/TopSpeedWindowing.jar',
        parallelism: 2,
        upgradeMode: 'savepoint',
        ...job,
      },
    },
  } as FlinkDeployment;
}

/** Any of our kinds by plural (`flinksessionjobs`, `flinkstatesnapshots`, ...), in the test namespace. */
export async function createObject(env: E2eEnv, plural: string, body: object): Promise<void> {
  await env.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural,
    body,
  });
}

export async function readObject<T>(env: E2eEnv, plural: string, name: string): Promise<T> {
  return (await env.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural,
    name,
  })) as T;
}

/** Deletes one of our resources and waits until the API server no longer has it (finalizers done). */
export async function deleteObjectAndWait(
  env: E2eEnv,
  plural: string,
  name: string,
  timeoutMs = 90_000,
): Promise<void> {
  await env.custom
    .deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: env.namespace, plural, name })
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 404) throw err;
    });
  await eventually(
    async () =>
      readObject(env, plural, name).then(
        () => undefined,
        (err: unknown) => ((err as { code?: number }).code === 404 ? true : undefined),
      ),
    { what: `${plural}/${name} to be gone`, timeoutMs, intervalMs: 500 },
  );
}

/**
 * Waits until every vertex of the job runs on a TaskManager (Flink reports a job RUNNING while its
 * tasks still wait for slots; a savepoint or checkpoint then fails). Returns the job's details.
 */
export async function tasksRunning(env: E2eEnv, name: string, jobId: string): Promise<JobDetails> {
  const rest = await flinkRest(env, name);
  return eventually(
    async () => {
      const details = await rest.jobDetails(jobId);
      return details.vertices.every((v) => v.status === 'RUNNING') ? details : undefined;
    },
    { what: `every task of ${name}'s job ${jobId} to run`, timeoutMs: 120_000, intervalMs: 1000 },
  );
}
