import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The operator's Prometheus metrics. One registry per manager, so two managers in one process
 * (tests) do not share counters.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<'controller'>;
  readonly reconcileErrors: Counter<'controller' | 'kind'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly queueLatency: Histogram<'controller'>;
  readonly retries: Counter<'controller'>;
  readonly watchEvents: Counter<'resource' | 'type'>;
  readonly watchRestarts: Counter<'resource' | 'relist'>;
  readonly leader: Gauge<'lease'>;
  readonly autoscalerScalings: Counter<ResourceLabel>;
  readonly autoscalerErrors: Counter<ResourceLabel>;
  readonly autoscalerBalanced: Counter<ResourceLabel>;
  private readonly states = new Map<string, { kind: string; namespace: string; state: string }>();
  /** The latest autoscaler evaluation of each resource, by `kind/namespace/name`. */
  private readonly evaluations = new Map<
    string,
    { resource: Record<ResourceLabel, string>; values: readonly AutoscalerVertexValue[] }
  >();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({
      name: 'flink_operator_reconcile_total',
      help: 'Reconciliations run, by controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'flink_operator_reconcile_errors_total',
      help: 'Reconciliations that failed, by controller and error kind (transient, user, fatal).',
      labelNames: ['controller', 'kind'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'flink_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconciliation.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'flink_operator_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['controller'],
      registers,
    });
    this.queueLatency = new Histogram({
      name: 'flink_operator_workqueue_latency_seconds',
      help: 'How long a due key waited before a worker took it.',
      labelNames: ['controller'],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    });
    this.retries = new Counter({
      name: 'flink_operator_workqueue_retries_total',
      help: 'Keys requeued with backoff after an error.',
      labelNames: ['controller'],
      registers,
    });
    this.watchEvents = new Counter({
      name: 'flink_operator_watch_events_total',
      help: 'Watch events received, by resource and type.',
      labelNames: ['resource', 'type'],
      registers,
    });
    this.watchRestarts = new Counter({
      name: 'flink_operator_watch_restarts_total',
      help: 'Interrupted watches, by resource and whether a full relist followed.',
      labelNames: ['resource', 'relist'],
      registers,
    });
    this.leader = new Gauge({
      name: 'flink_operator_leader',
      help: '1 while this instance holds the leader lease (always 1 without leader election).',
      labelNames: ['lease'],
      registers,
    });
    const states = this.states;
    new Gauge({
      name: 'flink_operator_resources',
      help: 'Managed resources by kind, namespace and lifecycle state, as set by the controllers.',
      labelNames: ['kind', 'namespace', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { kind, namespace, state } of states.values()) this.inc({ kind, namespace, state });
      },
    });
    const evaluations = this.evaluations;
    new Gauge({
      name: 'flink_operator_autoscaler_vertex_metric',
      help: "The autoscaler's latest evaluation of a job vertex: one metric (LOAD, TRUE_PROCESSING_RATE, ...), its current value or its average over the metrics window.",
      labelNames: ['namespace', 'name', 'kind', 'vertex', 'metric', 'stat'],
      registers,
      collect() {
        this.reset();
        for (const { resource, values } of evaluations.values()) {
          for (const { vertex, metric, stat, value } of values)
            this.set({ ...resource, vertex, metric, stat }, value);
        }
      },
    });
    const resourceLabels = ['namespace', 'name', 'kind'] as const;
    this.autoscalerScalings = new Counter({
      name: 'flink_operator_autoscaler_scalings_total',
      help: 'Autoscaler evaluations that rescaled the job.',
      labelNames: resourceLabels,
      registers,
    });
    this.autoscalerBalanced = new Counter({
      name: 'flink_operator_autoscaler_balanced_total',
      help: 'Autoscaler evaluations that left the job as it was.',
      labelNames: resourceLabels,
      registers,
    });
    this.autoscalerErrors = new Counter({
      name: 'flink_operator_autoscaler_errors_total',
      help: 'Autoscaler steps that failed (an AutoscalerError Event).',
      labelNames: resourceLabels,
      registers,
    });
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'flink_operator_' });
  }

  /** Records the lifecycle state of one resource (undefined: forget it, e.g. after deletion). */
  setResourceState(kind: string, namespace: string, name: string, state: string | undefined): void {
    const key = `${kind}/${namespace}/${name}`;
    if (state === undefined) this.states.delete(key);
    else this.states.set(key, { kind, namespace, state });
  }

  /** The autoscaler metrics of one resource. */
  autoscaler(kind: string, namespace: string, name: string): AutoscalerMetricsSink {
    const key = `${kind}/${namespace}/${name}`;
    const resource = { namespace, name, kind };
    const counters = {
      scaling: this.autoscalerScalings,
      balanced: this.autoscalerBalanced,
      error: this.autoscalerErrors,
    };
    return {
      setEvaluation: (values) => {
        // Zero counters from the first evaluation on, so that rate() sees their first increase.
        if (!this.evaluations.has(key)) for (const c of Object.values(counters)) c.inc(resource, 0);
        this.evaluations.set(key, { resource, values });
      },
      count: (outcome) => counters[outcome].inc(resource),
      clearEvaluation: () => void this.evaluations.delete(key),
      clear: () => this.forgetAutoscaler(kind, namespace, name),
    };
  }

  /** Drops every series of a deleted resource. */
  forgetResource(kind: string, namespace: string, name: string): void {
    this.setResourceState(kind, namespace, name, undefined);
    this.forgetAutoscaler(kind, namespace, name);
  }

  private forgetAutoscaler(kind: string, namespace: string, name: string): void {
    this.evaluations.delete(`${kind}/${namespace}/${name}`);
    const resource = { namespace, name, kind };
    for (const c of [this.autoscalerScalings, this.autoscalerBalanced, this.autoscalerErrors])
      c.remove(resource);
  }
}

type ResourceLabel = 'namespace' | 'name' | 'kind';

/** One value of the autoscaler's evaluation of a job vertex. */
export interface AutoscalerVertexValue {
  vertex: string;
  /** The scaling metric: LOAD, TRUE_PROCESSING_RATE, PARALLELISM, ... */
  metric: string;
  /** `current`: the latest value; `average`: the mean over the metrics window. */
  stat: 'current' | 'average';
  value: number;
}

/** What one autoscaler evaluation or step came to. */
export type AutoscalerOutcome = 'scaling' | 'balanced' | 'error';

/** The autoscaler metrics of one resource, as its reconcile sets them. */
export interface AutoscalerMetricsSink {
  /** Replaces the resource's vertex series with the latest evaluation. */
  setEvaluation(values: readonly AutoscalerVertexValue[]): void;
  count(outcome: AutoscalerOutcome): void;
  /** Drops the vertex series (the evaluation no longer holds, e.g. after a reset). */
  clearEvaluation(): void;
  /** Drops every series of the resource (the autoscaler is off). */
  clear(): void;
}

/** Serves `/metrics` in the Prometheus text format. */
export async function startMetricsServer(
  metrics: OperatorMetrics,
  port: number,
  host?: string,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/metrics')) {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await listen(server, port, host);
  return server;
}

export function listen(server: http.Server, port: number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
