/**
 * What the benchmark observes, through watches of its own (admin identity, not counted): when each
 * JobManager Deployment first appears, each FlinkDeployment's latest state and when it first showed
 * UPGRADING, SpecChanged Events, and scheduled runs as they appear. Times are when the watch event
 * arrived here, in ms since the epoch.
 */
import * as k8s from '@kubernetes/client-node';
import type { FlinkDeployment as FlinkDeploymentSpecObject } from '../src/api/index.ts';
import { SCHEDULE_LABEL, SCHEDULED_TIME_ANNOTATION } from '../src/controllers/schedule/labels.ts';

type FlinkDeployment = FlinkDeploymentSpecObject & k8s.KubernetesObject;

export interface SeenRun {
  template: string;
  scheduledAt: number;
  seenAt: number;
}

export class Observer {
  readonly deploymentSeen = new Map<string, number>();
  /** Every time a resource was seen UPGRADING or got a SpecChanged Event (creation records one too). */
  readonly upgradeSignals = new Map<string, number[]>();
  readonly runs = new Map<string, SeenRun>();
  private readonly informers: k8s.Informer<k8s.KubernetesObject>[] = [];
  private flinkDeployments?: k8s.Informer<FlinkDeployment> & k8s.ObjectCache<FlinkDeployment>;
  private stopped = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly floorNamespace: string,
  ) {}

  async start(): Promise<void> {
    const apps = this.kc.makeApiClient(k8s.AppsV1Api);
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    for (const namespace of [this.namespace, this.floorNamespace]) {
      const deployments = k8s.makeInformer(this.kc, `/apis/apps/v1/namespaces/${namespace}/deployments`, () =>
        apps.listNamespacedDeployment({ namespace }),
      );
      deployments.on('add', (d) => {
        const key = `${namespace}/${d.metadata?.name}`;
        if (!this.deploymentSeen.has(key)) this.deploymentSeen.set(key, Date.now());
      });
      this.informers.push(deployments as k8s.Informer<k8s.KubernetesObject>);
    }
    const events = k8s.makeInformer(this.kc, `/api/v1/namespaces/${this.namespace}/events`, () =>
      core.listNamespacedEvent({ namespace: this.namespace }),
    );
    const onEvent = (e: k8s.CoreV1Event) => {
      const name = e.involvedObject.name ?? '';
      if (e.reason === 'SpecChanged') this.signal(name);
    };
    events.on('add', onEvent);
    events.on('update', onEvent);
    this.informers.push(events as k8s.Informer<k8s.KubernetesObject>);
    const path = `/apis/flink.apache.org/v1beta1/namespaces/${this.namespace}/flinkdeployments`;
    this.flinkDeployments = k8s.makeInformer<FlinkDeployment>(
      this.kc,
      path,
      () =>
        custom.listNamespacedCustomObject({
          group: 'flink.apache.org',
          version: 'v1beta1',
          namespace: this.namespace,
          plural: 'flinkdeployments',
        }) as Promise<k8s.KubernetesListObject<FlinkDeployment>>,
    );
    const onFlink = (d: FlinkDeployment) => {
      const name = d.metadata.name!;
      const now = Date.now();
      if (d.status?.lifecycleState === 'UPGRADING') this.signal(name);
      const template = d.metadata.labels?.[SCHEDULE_LABEL];
      const scheduled = d.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION];
      if (template && scheduled && !this.runs.has(name)) {
        this.runs.set(name, { template, scheduledAt: Date.parse(scheduled), seenAt: now });
      }
    };
    this.flinkDeployments.on('add', onFlink);
    this.flinkDeployments.on('update', onFlink);
    this.informers.push(this.flinkDeployments as unknown as k8s.Informer<k8s.KubernetesObject>);
    for (const informer of this.informers) {
      informer.on('error', () => {
        if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 1000);
      });
      await informer.start();
    }
  }

  /** The first upgrade signal of `name` at or after `since`. */
  upgradeStartedAfter(name: string, since: number): number | undefined {
    return this.upgradeSignals.get(name)?.find((t) => t >= since);
  }

  private signal(name: string): void {
    const times = this.upgradeSignals.get(name) ?? [];
    times.push(Date.now());
    this.upgradeSignals.set(name, times);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** The FlinkDeployments as last seen. */
  flink(): FlinkDeploymentSpecObject[] {
    return [...(this.flinkDeployments?.list() ?? [])];
  }
}
