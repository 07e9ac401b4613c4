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
  private readonly states = new Map<string, { kind: string; namespace: string; state: string }>();

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
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'flink_operator_' });
  }

  /** Records the lifecycle state of one resource (undefined: forget it, e.g. after deletion). */
  setResourceState(kind: string, namespace: string, name: string, state: string | undefined): void {
    const key = `${kind}/${namespace}/${name}`;
    if (state === undefined) this.states.delete(key);
    else this.states.set(key, { kind, namespace, state });
  }
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
