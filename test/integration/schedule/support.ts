import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
/** Shared pieces of the schedule integration tests: a template, a manager, a run recorder. */
import type { KubeConfig } from '@kubernetes/client-node';
import type { FlinkDeployment, ScheduleSpec } from '../../../src/api/index.ts';
import {
  FLINK_DEPLOYMENTS,
  SCHEDULED_TIME_ANNOTATION,
  SCHEDULE_LABEL,
  createScheduleController,
} from '../../../src/controllers/schedule/index.ts';
import { OperatorConfig } from '../../../src/runtime/config/operator-config.ts';
import type { KubeClient } from '../../../src/runtime/index.ts';
import { Manager, createLogger } from '../../../src/runtime/index.ts';

export function operatorConfig(namespace: string, extra: Record<string, string> = {}): OperatorConfig {
  return new OperatorConfig({
    'kubernetes.operator.watched.namespaces': namespace,
    'kubernetes.operator.retry.initial.interval': '100 ms',
    'kubernetes.operator.dynamic.config.enabled': 'false',
    'kubernetes.operator.health.probe.enabled': 'false',
    ...extra,
  });
}

export const quietLog = () => createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startOperator(kc: KubeConfig, namespace: string): Promise<Manager> {
  const manager = new Manager({ kubeConfig: kc, config: operatorConfig(namespace), log: quietLog() });
  manager.add(createScheduleController());
  await manager.start();
  return manager;
}

/** A batch FlinkDeployment that passes validation, with the given schedule and/or annotation. */
export function templateManifest(
  namespace: string,
  name: string,
  schedule: ScheduleSpec | undefined,
  annotations: Record<string, string> = {},
): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name, namespace, annotations, labels: { app: name } },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '1', 'execution.runtime-mode': 'BATCH' },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1024m', cpu: 0.5 } },
      job: {
        jarURI: 'local:///opt/flink/examples/batch/WordCount.jar',
        parallelism: 1,
        upgradeMode: 'stateless',
      },
      ...(schedule ? { schedule } : {}),
    },
  };
}

export interface SeenRun {
  name: string;
  scheduledMs: number;
  /** Our own clock when the watch reported the run. */
  seenMs: number;
  run: FlinkDeployment;
}

/** Records every run appearing in the namespace, with the local time the watch delivered it. */
export function recordRuns(client: KubeClient, namespace: string): { runs: SeenRun[]; stop: () => void } {
  const runs: SeenRun[] = [];
  const abort = new AbortController();
  void (async () => {
    let resourceVersion: string | undefined;
    while (!abort.signal.aborted) {
      try {
        for await (const event of client.watch(FLINK_DEPLOYMENTS, namespace, {
          labelSelector: SCHEDULE_LABEL,
          resourceVersion,
          signal: abort.signal,
        })) {
          const run = event.object as FlinkDeployment;
          resourceVersion = run.metadata?.resourceVersion ?? resourceVersion;
          if (event.type !== 'ADDED') continue;
          runs.push({
            name: run.metadata.name ?? '',
            scheduledMs: Date.parse(run.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION] ?? ''),
            seenMs: Date.now(),
            run,
          });
        }
      } catch {
        // The stream ended or broke: resume from the last version seen.
      }
    }
  })();
  return { runs, stop: () => abort.abort() };
}

export async function listRuns(client: KubeClient, namespace: string): Promise<FlinkDeployment[]> {
  const list = await client.list<FlinkDeployment>(FLINK_DEPLOYMENTS, namespace, {
    labelSelector: SCHEDULE_LABEL,
  });
  return list.items;
}

/** Ticks of an "every n seconds" Quartz schedule in (fromMs, toMs]. */
export function everyNSeconds(n: number, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let t = (Math.floor(fromMs / (n * 1000)) + 1) * n * 1000; t <= toMs; t += n * 1000) out.push(t);
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  /** Resolves once the process has loaded everything and waits for `start()`. */
  ready: Promise<void>;
  /** Starts the manager; resolves with the local time it reported being started. */
  start: () => Promise<number>;
  exited: Promise<void>;
}

/** Spawns `fixtures/operator-process.ts`; '' as lease runs without leader election. */
export function spawnOperator(namespace: string, identity: string, lease = ''): OperatorProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./fixtures/operator-process.ts', import.meta.url).pathname,
      process.env.FLINK_OPERATOR_TEST_KUBECONFIG as string,
      namespace,
      identity,
      lease,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const messages = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const next = (key: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onLine = (line: string) => {
        const message = JSON.parse(line) as Record<string, unknown>;
        if (key in message) {
          messages.off('line', onLine);
          resolve(message);
        }
      };
      messages.on('line', onLine);
      child.once('exit', (code) =>
        reject(new Error(`operator ${identity} exited (${code}) before '${key}'`)),
      );
    });
  const ready = next('ready').then(() => undefined);
  const started = next('started');
  ready.catch(() => undefined);
  started.catch(() => undefined);
  return {
    child,
    identity,
    ready,
    start: async () => {
      child.stdin?.write('start\n');
      return (await started).started as number;
    },
    exited: new Promise((resolve) =>
      child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
    ),
  };
}
