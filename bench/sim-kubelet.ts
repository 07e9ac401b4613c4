/**
 * The benchmark's node: plays the kubelet for pods of a few namespaces without running anything.
 * It registers a Node (and keeps its lease), binds pending pods to it, gives each pod its own
 * loopback address, asks the Flink simulator to answer the JobManager REST API there, reports the
 * pod Running and Ready, and confirms deletions. The real node agent (which starts JVMs) is not
 * used: a thousand JobManagers would not fit on the machine.
 */
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { FlinkSimulator } from './flink-sim.ts';

const NODE = 'bench-node';
/** Pod addresses live in 127.79.0.0/16, away from the node agent's 127.10/16 and the tests' addresses. */
const ADDRESS_PREFIX = '127.79';
const JOB_ID_KEY = '$internal.pipeline.job-id';

export class SimulatedKubelet {
  private readonly core: k8s.CoreV1Api;
  private readonly coordination: k8s.CoordinationV1Api;
  private readonly informers: (k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>)[] = [];
  private readonly started = new Map<string, string>();
  private readonly inFlight = new Set<string>();
  private readonly queue: k8s.V1Pod[] = [];
  private active = 0;
  private nextAddress = 0;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly namespaces: string[],
    private readonly flink: FlinkSimulator,
    private readonly concurrency = 16,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  }

  async start(): Promise<void> {
    await this.registerNode();
    await this.renewLease();
    const report = (err: unknown) => {
      if (!this.stopped) console.error(`bench node: ${String(err)}`);
    };
    this.timers.push(setInterval(() => void this.renewLease().catch(report), 10_000));
    this.timers.push(setInterval(() => void this.registerNode().catch(report), 60_000));
    for (const namespace of this.namespaces) {
      const informer = k8s.makeInformer(this.kc, `/api/v1/namespaces/${namespace}/pods`, () =>
        this.core.listNamespacedPod({ namespace }),
      );
      const enqueue = (pod: k8s.V1Pod) => this.enqueue(pod);
      informer.on('add', enqueue);
      informer.on('update', enqueue);
      informer.on('error', () => {
        if (!this.stopped) setTimeout(() => void informer.start().catch(report), 1000);
      });
      await informer.start();
      this.informers.push(informer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private enqueue(pod: k8s.V1Pod): void {
    if (this.stopped || !this.needsWork(pod)) return;
    const uid = pod.metadata!.uid!;
    if (this.inFlight.has(uid)) return;
    this.inFlight.add(uid);
    this.queue.push(pod);
    this.drain();
  }

  private needsWork(pod: k8s.V1Pod): boolean {
    if (pod.metadata?.deletionTimestamp) return true;
    if (!pod.spec?.nodeName) return true;
    return pod.spec.nodeName === NODE && !pod.status?.podIP;
  }

  private drain(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const pod = this.queue.shift()!;
      this.active++;
      void this.handle(pod)
        .catch((err: unknown) => {
          if (!this.stopped) console.error(`bench node: pod ${pod.metadata?.name}: ${String(err)}`);
        })
        .finally(() => {
          this.active--;
          this.inFlight.delete(pod.metadata!.uid!);
          this.drain();
        });
    }
  }

  private async handle(pod: k8s.V1Pod): Promise<void> {
    const name = pod.metadata!.name!;
    const namespace = pod.metadata!.namespace!;
    if (pod.metadata?.deletionTimestamp) {
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(ignoreNotFound);
      return;
    }
    if (!pod.spec?.nodeName) {
      await this.core
        .createNamespacedPodBinding({
          name,
          namespace,
          body: { metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: NODE } },
        })
        .catch(ignoreConflictOrNotFound);
    }
    const uid = pod.metadata!.uid!;
    let ip = this.started.get(uid);
    if (!ip) {
      ip = this.allocateAddress();
      this.started.set(uid, ip);
    }
    const config = await this.flinkConfigOf(pod);
    if (config.missing) {
      // As a kubelet would, wait for the ConfigMap the pod mounts (the operator writes it after the Deployment).
      setTimeout(() => {
        const latest = this.informers
          .map((i) => i.get(name, namespace))
          .find((p) => p?.metadata?.uid === uid);
        if (latest) this.enqueue(latest);
      }, 500);
      return;
    }
    await this.flink.serve(ip, config.jobId);
    const now = new Date();
    const condition = (type: string): k8s.V1PodCondition => ({
      type,
      status: 'True',
      lastTransitionTime: now,
    });
    const status: k8s.V1PodStatus = {
      phase: 'Running',
      hostIP: '127.0.0.1',
      podIP: ip,
      podIPs: [{ ip }],
      startTime: now,
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(condition),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    await this.core
      .patchNamespacedPodStatus(
        { name, namespace, body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(ignoreNotFound);
  }

  /**
   * The application job's ID from the Flink configuration ConfigMap the pod mounts (none for a
   * session cluster), or `missing` while a mounted ConfigMap does not exist yet.
   */
  private async flinkConfigOf(pod: k8s.V1Pod): Promise<{ jobId?: string; missing: boolean }> {
    let jobId: string | undefined;
    for (const volume of pod.spec?.volumes ?? []) {
      const name = volume.configMap?.name;
      if (!name || volume.configMap?.optional) continue;
      const cm = await this.core
        .readNamespacedConfigMap({ name, namespace: pod.metadata!.namespace! })
        .catch(() => undefined);
      if (!cm) return { missing: true };
      for (const text of Object.values(cm.data ?? {})) jobId ??= findJobId(text);
    }
    return { ...(jobId ? { jobId } : {}), missing: false };
  }

  private allocateAddress(): string {
    const n = this.nextAddress++;
    return `${ADDRESS_PREFIX}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  private async registerNode(): Promise<void> {
    await this.core
      .createNode({ body: { metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } } } })
      .catch(ignoreConflict);
    const now = new Date();
    const memory = `${Math.floor(os.totalmem() / 1024 / 1024)}Mi`;
    await this.core.patchNodeStatus(
      {
        name: NODE,
        body: {
          status: {
            capacity: { cpu: '1000', memory, pods: '100000' },
            allocatable: { cpu: '1000', memory, pods: '100000' },
            addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                message: 'simulated benchmark node',
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  private async renewLease(): Promise<void> {
    const spec = {
      holderIdentity: NODE,
      leaseDurationSeconds: 40,
      // MicroTime wants exactly six fractional digits.
      renewTime: new Date().toISOString().replace(/Z$/, '000Z') as unknown as k8s.V1MicroTime,
    };
    await this.coordination
      .patchNamespacedLease(
        { name: NODE, namespace: 'kube-node-lease', body: { spec } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(async (err: unknown) => {
        if ((err as { code?: number }).code !== 404) throw err;
        await this.coordination.createNamespacedLease({
          namespace: 'kube-node-lease',
          body: { metadata: { name: NODE, namespace: 'kube-node-lease' }, spec },
        });
      });
  }
}

/** `$internal.pipeline.job-id` in a Flink configuration file, flat or nested. */
export function findJobId(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const flat = (parsed as Record<string, unknown>)[JOB_ID_KEY];
  if (typeof flat === 'string') return flat;
  let node: unknown = parsed;
  for (const part of JOB_ID_KEY.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}

function ignoreNotFound(err: unknown): void {
  if ((err as { code?: number }).code !== 404) throw err;
}

function ignoreConflictOrNotFound(err: unknown): void {
  const code = (err as { code?: number }).code;
  if (code !== 409 && code !== 404) throw err;
}

function ignoreConflict(err: unknown): void {
  if ((err as { code?: number }).code !== 409) throw err;
}
