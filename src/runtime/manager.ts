import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Logger } from 'pino';
import { loadOperatorConfig, type ConfigSource } from './config/loader.ts';
import type { OperatorConfig } from './config/operator-config.ts';
import { prometheusPort, watchedNamespaces } from './config/operator-config.ts';
import { RuntimeOptions } from './config/options.ts';
import { ConfigReloader } from './config/reloader.ts';
import type { Controller } from './controller.ts';
import { FatalError } from './errors.ts';
import { EventRecorder } from './events.ts';
import { startHealthServer } from './health.ts';
import { KubeClient } from './kube/client.ts';
import { KubeConfig, type KubeConfigLike } from './kube/kubeconfig.ts';
import type { KubeObject } from './kube/types.ts';
import { LeaderElector } from './leader.ts';
import { createLogger } from './logger.ts';
import { OperatorMetrics, closeServer, startMetricsServer } from './metrics.ts';

export interface ManagerOptions {
  /** Defaults to in-cluster config or ~/.kube/config, as kubectl does. */
  kubeConfig?: KubeConfigLike;
  /** A fixed configuration; or give `configSource` to load (and dynamically reload) one. */
  config?: OperatorConfig;
  configSource?: ConfigSource;
  log?: Logger;
  /** Leader election identity; defaults to $POD_NAME or host name plus a random suffix. */
  identity?: string;
  /** Namespace of the lease; defaults to $OPERATOR_NAMESPACE, the kubeconfig's, else 'default'. */
  leaseNamespace?: string;
  /** Override the configured ports (0 picks a free one; tests) and bind address. */
  healthPort?: number;
  metricsPort?: number;
  host?: string;
}

export type LivenessCheck = () => { ok: boolean; reason?: string };

/** A watcher failing for this long without recovering makes the liveness probe fail. */
const UNHEALTHY_WATCH_MS = 120_000;

/**
 * Runs controllers: owns the API client, configuration (with reload), leader election, metrics,
 * health endpoints and graceful shutdown. Only the leader reconciles; standbys keep warm caches.
 */
export class Manager {
  readonly log: Logger;
  readonly metrics = new OperatorMetrics();
  private readonly controllers: Controller<KubeObject>[] = [];
  private readonly livenessChecks: LivenessCheck[] = [];
  private client: KubeClient | undefined;
  private reloader: ConfigReloader | undefined;
  private servers: { health?: http.Server; metrics?: http.Server } = {};
  private elector: LeaderElector | undefined;
  private electionRun: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private leadership: AbortController | undefined;
  private fatal: Error | undefined;
  private stopped: Promise<void> | undefined;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  /** Settles when the manager has stopped: rejects after a fatal error. */
  readonly done: Promise<void>;

  constructor(private readonly options: ManagerOptions = {}) {
    this.log = options.log ?? createLogger();
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined);
  }

  add<T extends KubeObject>(controller: Controller<T>): this {
    this.controllers.push(controller as unknown as Controller<KubeObject>);
    return this;
  }

  /** Adds a condition of liveness, such as the canary resources being reconciled in time. */
  addLivenessCheck(check: LivenessCheck): this {
    this.livenessChecks.push(check);
    return this;
  }

  get config(): OperatorConfig {
    if (!this.reloader) throw new Error('manager not started');
    return this.reloader.current;
  }

  get isLeader(): boolean {
    return this.leadership !== undefined;
  }

  get healthPort(): number | undefined {
    return (this.servers.health?.address() as AddressInfo | null)?.port;
  }

  get metricsPort(): number | undefined {
    return (this.servers.metrics?.address() as AddressInfo | null)?.port;
  }

  /** Starts everything; resolves once servers listen and watches are started. */
  async start(): Promise<void> {
    const { options, log } = this;
    const config = options.config ?? (await loadOperatorConfig(options.configSource ?? {}));
    this.reloader = new ConfigReloader(options.configSource ?? {}, config, log);
    const current = this.reloader.current;
    log.info({ sources: current.sources }, 'operator configuration loaded');
    const kubeConfig = options.kubeConfig ?? KubeConfig.loadDefault();
    const client = (this.client = new KubeClient(kubeConfig));

    if (current.get(RuntimeOptions.healthProbeEnabled)) {
      const port = options.healthPort ?? current.get(RuntimeOptions.healthProbePort);
      this.servers.health = await startHealthServer(
        { live: () => this.liveness(), ready: () => this.readiness() },
        port,
        options.host,
      );
    }
    const promPort = options.metricsPort ?? prometheusPort(current);
    if (promPort !== undefined) {
      this.servers.metrics = await startMetricsServer(this.metrics, promPort, options.host);
    }

    const runtime = {
      client,
      config: () => this.config,
      log,
      metrics: this.metrics,
      events: new EventRecorder(client, log),
      namespaces: watchedNamespaces(current),
      labelSelector: current.get(RuntimeOptions.labelSelector),
      onFatal: (err: Error) => void this.fail(err),
    };
    for (const controller of this.controllers) controller.start(runtime);

    this.reloader.subscribe((next, _previous, changed) => this.applyConfigChange(next, changed));
    // A fixed configuration has no source to re-read: reloading would replace it with the defaults.
    if (!options.config) this.reloader.start();

    if (current.get(RuntimeOptions.leaderElectionEnabled)) {
      this.startElection(client, current);
    } else {
      this.metrics.leader.set({ lease: '' }, 1);
      this.lead(new AbortController());
    }
  }

  private startElection(client: KubeClient, config: OperatorConfig): void {
    const name = config.get(RuntimeOptions.leaderElectionLeaseName);
    if (!name)
      throw new FatalError(
        `${RuntimeOptions.leaderElectionLeaseName.key} must be set when leader election is enabled`,
      );
    const identity =
      this.options.identity ?? process.env.POD_NAME ?? `${os.hostname()}-${randomBytes(3).toString('hex')}`;
    this.elector = new LeaderElector({
      client,
      name,
      identity,
      namespace:
        this.options.leaseNamespace ?? process.env.OPERATOR_NAMESPACE ?? client.defaultNamespace ?? 'default',
      leaseDurationMs: config.get(RuntimeOptions.leaderElectionLeaseDuration),
      renewDeadlineMs: config.get(RuntimeOptions.leaderElectionRenewDeadline),
      retryPeriodMs: config.get(RuntimeOptions.leaderElectionRetryPeriod),
      log: this.log,
    });
    this.metrics.leader.set({ lease: name }, 0);
    this.electionRun = this.elector.run(this.stopping.signal, {
      onStartedLeading: (signal) => {
        this.metrics.leader.set({ lease: name }, 1);
        const leadership = new AbortController();
        signal.addEventListener('abort', () => leadership.abort(signal.reason), { once: true });
        this.lead(leadership);
      },
      onStoppedLeading: () => {
        this.metrics.leader.set({ lease: name }, 0);
        const leadership = this.leadership;
        this.leadership = undefined;
        // Stop at once: no reconcile of this instance may overlap the next leader's.
        for (const controller of this.controllers) controller.pause(new Error('leadership lost'));
        leadership?.abort(new Error('leadership lost'));
      },
    });
  }

  private lead(leadership: AbortController): void {
    this.leadership = leadership;
    for (const controller of this.controllers) {
      controller.resume(leadership.signal).catch((err: Error) => this.fail(err));
    }
  }

  private applyConfigChange(next: OperatorConfig, changed: string[]): void {
    if (changed.some((k) => k.startsWith(RuntimeOptions.reconcileParallelism.key))) {
      for (const controller of this.controllers)
        controller.setParallelism(next.get(RuntimeOptions.reconcileParallelism));
    }
    const namespacesChanged = changed.includes(RuntimeOptions.watchedNamespaces.key);
    if (namespacesChanged && next.get(RuntimeOptions.dynamicNamespacesEnabled)) {
      const namespaces = watchedNamespaces(next);
      this.log.info({ namespaces }, 'watched namespaces changed, updating the watches');
      for (const controller of this.controllers)
        controller
          .setNamespaces(namespaces)
          .catch((err: unknown) =>
            this.log.error({ err, controller: controller.name }, 'cannot update the watched namespaces'),
          );
    } else if (namespacesChanged) {
      this.log.warn(
        { key: RuntimeOptions.watchedNamespaces.key },
        `watched namespaces changed; they take effect after a restart (or set ${RuntimeOptions.dynamicNamespacesEnabled.key}=true)`,
      );
    }
    const restartOnly = [
      RuntimeOptions.labelSelector.key,
      RuntimeOptions.leaderElectionEnabled.key,
      RuntimeOptions.leaderElectionLeaseName.key,
      RuntimeOptions.healthProbePort.key,
    ].filter((k) => changed.includes(k));
    if (restartOnly.length > 0)
      this.log.warn({ keys: restartOnly }, 'these settings take effect after a restart');
  }

  private liveness(): { ok: boolean; reason?: string } {
    if (this.fatal) return { ok: false, reason: `fatal error: ${this.fatal.message}` };
    const now = Date.now();
    const failing = this.controllers
      .flatMap((c) => c.healthWatchers())
      .find((w) => w.failingSinceMs !== undefined && now - w.failingSinceMs > UNHEALTHY_WATCH_MS);
    if (failing) return { ok: false, reason: `watch of ${failing.source.description} keeps failing` };
    for (const check of this.livenessChecks) {
      const result = check();
      if (!result.ok) return result;
    }
    return { ok: true };
  }

  private readiness(): { ok: boolean; reason?: string } {
    const waiting = this.controllers.flatMap((c) => c.healthWatchers()).find((w) => !w.synced);
    return waiting
      ? { ok: false, reason: `cache of ${waiting.source.description} not synced` }
      : { ok: true };
  }

  /** Stops after a fatal error; `done` rejects with it. */
  private async fail(err: Error): Promise<void> {
    this.fatal ??= err;
    await this.stop();
  }

  /**
   * Graceful stop: take no new keys, let in-flight reconciles finish within
   * `termination.timeout` (then abort them), release the lease, close servers.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.log.info('stopping');
      this.reloader?.stop();
      const timeout = this.reloader?.current.get(RuntimeOptions.terminationTimeout) ?? 10_000;
      await Promise.all(this.controllers.map((c) => c.stop(timeout)));
      this.leadership?.abort(new Error('operator shutting down'));
      this.stopping.abort();
      await this.electionRun;
      await Promise.all(Object.values(this.servers).map((s) => closeServer(s)));
      this.client?.close();
      this.log.info('stopped');
      if (this.fatal) this.rejectDone(this.fatal);
      else this.resolveDone();
    })();
    return this.stopped;
  }

  /** SIGTERM/SIGINT stop gracefully; a second signal exits at once. */
  installSignalHandlers(): void {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) process.exit(130);
      signalled = true;
      this.log.info({ signal }, 'shutdown requested');
      void this.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
}
