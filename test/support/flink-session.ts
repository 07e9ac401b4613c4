/**
 * A standalone Flink session cluster as two local processes, for tests that need a real Flink
 * without Kubernetes pods: one JobManager and one TaskManager on loopback addresses.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FlinkDistribution } from '../../src/flink/dist/distribution.ts';
import { servicePlan } from '../../src/flink/process/entrypoint.ts';
import { startFlinkProcess, type FlinkProcess } from '../../src/flink/process/launcher.ts';
import { FlinkRestClient } from '../../src/flink/rest/client.ts';
import { eventually } from './cluster.ts';

export interface LocalSessionCluster {
  jm: FlinkProcess;
  tm: FlinkProcess;
  rest: FlinkRestClient;
  stop(): Promise<void>;
}

export interface LocalSessionClusterOptions {
  dist: FlinkDistribution;
  /** The processes' folders go below it (`jm/`, `tm/`). */
  workDir: string;
  addresses: { jm: string; tm: string };
  config: Record<string, string>;
  /** Keys only the TaskManager gets, over `config`. */
  taskManagerConfig?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The configuration of a session cluster that runs session jobs: four slots, checkpoints every
 * second below `workDir`, and the fixed blob and RPC ports the local processes use.
 */
export function sessionJobClusterConfig(workDir: string): Record<string, string> {
  return {
    'jobmanager.memory.process.size': '1024m',
    'taskmanager.memory.process.size': '1536m',
    'taskmanager.numberOfTaskSlots': '4',
    'parallelism.default': '1',
    'blob.server.port': '6124',
    'taskmanager.rpc.port': '6122',
    'execution.checkpointing.interval': '1s',
    'execution.checkpointing.dir': pathToFileURL(path.join(workDir, 'checkpoints')).href,
  };
}

/** Starts the cluster and returns once every slot of the TaskManager has registered. */
export async function startLocalSessionCluster(
  opts: LocalSessionClusterOptions,
): Promise<LocalSessionCluster> {
  const { dist, workDir, addresses, config } = opts;
  const jm = await startFlinkProcess({
    dist,
    plan: servicePlan('standalonesession'),
    name: 'jobmanager',
    workDir: path.join(workDir, 'jm'),
    bindAddress: addresses.jm,
    config,
  });
  let tm: FlinkProcess | undefined;
  try {
    tm = await startFlinkProcess({
      dist,
      plan: servicePlan('taskexecutor'),
      name: 'taskmanager',
      workDir: path.join(workDir, 'tm'),
      bindAddress: addresses.tm,
      config: { ...config, ...opts.taskManagerConfig, 'jobmanager.rpc.address': addresses.jm },
    });
    if (!jm.restUrl) throw new Error(`the JobManager has no REST address (log: ${jm.logFile})`);
    const rest = new FlinkRestClient({ baseUrl: jm.restUrl });
    const slots = Number(
      opts.taskManagerConfig?.['taskmanager.numberOfTaskSlots'] ??
        config['taskmanager.numberOfTaskSlots'] ??
        1,
    );
    // Flink 1.20 counts the TaskManager a moment before its slots.
    const taskManager = tm;
    await eventually(async () => ((await rest.overview())['slots-total'] === slots ? true : undefined), {
      timeoutMs: opts.timeoutMs ?? 120_000,
      intervalMs: 250,
      what: `the TaskManager's ${slots} slots registered at ${jm.restUrl} (logs: ${jm.logFile}, ${taskManager.logFile})`,
    });
    return {
      jm,
      tm: taskManager,
      rest,
      stop: async () => {
        await Promise.all([taskManager.stop(), jm.stop()]);
      },
    };
  } catch (err) {
    await Promise.all([tm?.stop(), jm.stop()]);
    throw err;
  }
}
