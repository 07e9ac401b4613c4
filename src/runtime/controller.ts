import type { Logger } from 'pino';
import { Action } from './action.ts';
import { backoffDelay } from './backoff.ts';
import type { OperatorConfig } from './config/operator-config.ts';
import { RuntimeOptions } from './config/options.ts';
import { ApiError, FatalError, UserError, isAbort, isForbidden, isNotFound } from './errors.ts';
import type { EventInput, EventRecorder } from './events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizers.ts';
import type { KubeClient } from './kube/client.ts';
import { objectKey, splitKey, type KubeObject, type ResourceType } from './kube/types.ts';
import type { AutoscalerMetricsSink, OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { updateStatus } from './status.ts';
import { Watcher, kubeWatchSource, type WatcherEvent } from './watcher.ts';

export interface OwnedResource {
  resource: ResourceType;
  /** Narrows the watch, e.g. 'component=jobmanager'. */
  labelSelector?: string;
  /** Maps an owned object to owner keys; default: its ownerReferences of the controller's kind. */
  toOwnerKeys?: (obj: KubeObject) => string[];
  /** What of each owned object the cache keeps (see WatcherOptions.retain); all of it by default. */
  retain?: (obj: KubeObject) => KubeObject;
}

export interface ReconcileContext<T extends KubeObject> {
  key: string;
  /** Aborts when this instance loses leadership or shuts down past its timeout. */
  signal: AbortSignal;
  log: Logger;
  client: KubeClient;
  config: OperatorConfig;
  /** Retries so far after errors (0 on a normal run). */
  attempt: number;
  /** Writes status through the status subresource, re-applying `change` on conflicts. */
  updateStatus<S>(change: (status: S | undefined, current: T) => S): Promise<T>;
  /** Records an Event on the object (or `target`); repeats are aggregated. */
  recordEvent(input: EventInput, target?: KubeObject): Promise<void>;
  /** Sets the lifecycle state reported by the resources-per-state gauge. */
  setLifecycleState(state: string): void;
  /** The object's autoscaler metrics; they are dropped when the object is deleted. */
  autoscalerMetrics: AutoscalerMetricsSink;
  /** Cached owned objects of the given type that map to this object. */
  owned<O extends KubeObject>(rt: ResourceType): O[];
}

export interface ControllerSpec<T extends KubeObject> {
  /** For logs and metrics; defaults to the kind. */
  name?: string;
  resource: ResourceType;
  reconcile: (obj: T, ctx: ReconcileContext<T>) => Promise<Action>;
  /** When set, added before the first reconcile; deletion waits for `cleanup`. */
  finalizer?: string;
  /** Runs while the object is being deleted; return nothing when done, or an Action to run again. */
  cleanup?: (obj: T, ctx: ReconcileContext<T>) => Promise<Action | void>;
  owns?: OwnedResource[];
  /**
   * Ignore updates of the primary object that change neither generation, deletion, finalizers,
   * labels nor annotations (status-only writes, mostly our own). Default true.
   */
  generationAware?: boolean;
  /** What of each primary object the cache keeps (see WatcherOptions.retain); all of it by default. */
  retain?: (obj: T) => T;
  /** How `status.error` holds a message (the kind's error format); the text itself by default. */
  statusError?: (message: string) => string;
}

/** What the manager hands a controller when it starts. */
export interface ControllerRuntime {
  client: KubeClient;
  config: () => OperatorConfig;
  log: Logger;
  metrics: OperatorMetrics;
  events: EventRecorder;
  namespaces: string[] | 'all';
  labelSelector: string | undefined;
  onFatal: (err: Error) => void;
}

export class Controller<T extends KubeObject> {
  readonly name: string;
  private runtime: ControllerRuntime | undefined;
  private queue: WorkQueue | undefined;
  /** The watches of each watched namespace ('' when all namespaces are watched). */
  private readonly scopes = new Map<string, NamespaceScope<T>>();
  /**
   * Per owned resource: owner key -> keys of the cached objects that map to it, so a reconcile
   * finds its owned objects without scanning the whole cache (thousands of them at scale).
   */
  private readonly ownedIndex = new Map<OwnedResource, Map<string, Set<string>>>();
  private readonly attempts = new Map<string, number>();
  /**
   * Key -> resourceVersion of this controller's last write to the object that the cache has not
   * delivered yet. The next reconcile of such a key reads the object from the API server instead:
   * a reconcile must never decide on a view older than what the previous one wrote.
   */
  private readonly unseenWrites = new Map<string, string>();
  private stopWatches = new AbortController();

  constructor(readonly spec: ControllerSpec<T>) {
    this.name = spec.name ?? spec.resource.kind;
  }

  /** Starts the watches (caches fill even while not leader); the queue starts paused. */
  start(runtime: ControllerRuntime): void {
    this.runtime = runtime;
    const { metrics } = runtime;
    const label = { controller: this.name };
    this.queue = new WorkQueue({
      parallelism: runtime.config().get(RuntimeOptions.reconcileParallelism),
      process: (key, signal) => this.process(key, signal),
      onStart: (_key, latencyMs) => metrics.queueLatency.observe(label, latencyMs / 1000),
      onDepth: (depth) => metrics.queueDepth.set(label, depth),
    });
    this.queue.pause();
    for (const namespace of scopeKeys(runtime.namespaces)) this.addScope(namespace, false);
  }

  /**
   * Starts watching namespaces that are new in `namespaces` and stops those no longer in it
   * (`kubernetes.operator.dynamic.namespaces.enabled`). Objects of a new namespace are queued as
   * its first list arrives; those of a dropped one are forgotten.
   */
  async setNamespaces(namespaces: string[] | 'all'): Promise<void> {
    const wanted = new Set(scopeKeys(namespaces));
    for (const namespace of wanted) if (!this.scopes.has(namespace)) this.addScope(namespace, true);
    const dropped = [...this.scopes.entries()].filter(([namespace]) => !wanted.has(namespace));
    for (const [namespace, scope] of dropped) {
      this.scopes.delete(namespace);
      scope.stop.abort();
      await Promise.all(scope.runs);
      // Switching to all namespaces keeps the objects: the cluster-wide watch covers them.
      if (wanted.has('')) continue;
      for (const key of scope.primary.store.keys()) {
        this.queue?.remove(key);
        this.attempts.delete(key);
        this.unseenWrites.delete(key);
        const { name } = splitKey(key);
        this.runtime?.metrics.forgetResource(this.spec.resource.kind, namespace, name);
      }
      for (const index of this.ownedIndex.values())
        for (const owner of index.keys()) if (owner.startsWith(`${namespace}/`)) index.delete(owner);
    }
  }

  private addScope(namespace: string, dynamic: boolean): void {
    const runtime = this.runtime as ControllerRuntime;
    const { client } = runtime;
    const ns = namespace === '' ? undefined : namespace;
    const stop = new AbortController();
    this.stopWatches.signal.addEventListener('abort', () => stop.abort(), { once: true });
    // A namespace added at run time may lack RBAC: say so clearly, once per failure streak.
    let reported = false;
    const onInterrupted = (event: WatcherEvent<KubeObject>, plural: string) => {
      if (!dynamic || event.type !== 'interrupted' || !isForbidden(event.error) || reported) return;
      reported = true;
      runtime.log.error(
        { controller: this.name, namespace, resource: plural },
        'the operator may not list or watch this resource in a newly watched namespace; grant it RBAC there (retrying)',
      );
    };
    const primary = new Watcher<T>(
      kubeWatchSource(client, this.spec.resource, { namespace: ns, labelSelector: runtime.labelSelector }),
      {
        onEvent: (e) => {
          onInterrupted(e as WatcherEvent<KubeObject>, this.spec.resource.plural);
          if (e.type === 'synced') reported = false;
          this.onPrimary(e);
        },
        log: runtime.log,
        ...(this.spec.retain ? { retain: this.spec.retain } : {}),
      },
    );
    const owned = new Map<OwnedResource, Watcher<KubeObject>>();
    for (const spec of this.spec.owns ?? []) {
      owned.set(
        spec,
        new Watcher<KubeObject>(
          kubeWatchSource(client, spec.resource, { namespace: ns, labelSelector: spec.labelSelector }),
          {
            onEvent: (e) => {
              onInterrupted(e, spec.resource.plural);
              this.onOwned(spec, e);
            },
            log: runtime.log,
            ...(spec.retain ? { retain: spec.retain } : {}),
          },
        ),
      );
    }
    const scope: NamespaceScope<T> = { primary, owned, stop, dynamic, runs: [] };
    for (const watcher of scopeWatchers(scope)) scope.runs.push(watcher.run(stop.signal));
    this.scopes.set(namespace, scope);
  }

  /**
   * The watches whose health is the operator's: those of namespaces added at run time are left
   * out, so a namespace without RBAC gives errors in the log, not a restart loop or an unready pod.
   */
  healthWatchers(): Watcher<KubeObject>[] {
    return [...this.scopes.values()].filter((s) => !s.dynamic).flatMap((s) => scopeWatchers(s));
  }

  private get primary(): Watcher<T>[] {
    return [...this.scopes.values()].map((s) => s.primary);
  }

  watchers(): Watcher<KubeObject>[] {
    return [...this.scopes.values()].flatMap((s) => scopeWatchers(s));
  }

  /** Begins reconciling (on becoming leader): every cached object is queued once caches synced. */
  async resume(signal: AbortSignal): Promise<void> {
    await Promise.race([
      Promise.all(this.healthWatchers().map((w) => w.waitForSync())),
      new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
    ]);
    if (signal.aborted || !this.queue) return;
    for (const watcher of this.primary) for (const key of watcher.store.keys()) this.queue.add(key);
    this.queue.resume();
  }

  /** Stops taking keys; with `abort`, in-flight reconciles see their signal abort at once. */
  pause(abort: unknown): void {
    this.queue?.pause();
    if (abort !== undefined) this.queue?.abortInFlight(abort);
  }

  /** Stops taking keys, waits for in-flight work up to the timeout, aborts the rest, ends watches. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.queue) {
      this.queue.pause();
      if (!(await this.queue.drain(timeoutMs))) {
        this.runtime?.log.warn(
          { controller: this.name },
          'in-flight reconciles did not finish in time, aborting',
        );
        this.queue.abortInFlight(new Error('operator shutting down'));
        await this.queue.drain(timeoutMs);
      }
    }
    this.stopWatches.abort();
    await Promise.all([...this.scopes.values()].flatMap((s) => s.runs));
  }

  /** Queues `key` for a reconcile soon, for work that finished outside a reconcile (a download). */
  requeue(key: string, delayMs = 0): void {
    this.queue?.add(key, delayMs);
  }

  setParallelism(parallelism: number): void {
    this.queue?.setParallelism(parallelism);
  }

  /** The cached primary object for a key. */
  get(key: string): T | undefined {
    for (const watcher of this.primary) {
      const obj = watcher.store.get(key);
      if (obj) return obj;
    }
    return undefined;
  }

  private onPrimary(event: WatcherEvent<T>): void {
    const runtime = this.runtime as ControllerRuntime;
    if (event.type === 'interrupted') {
      runtime.metrics.watchRestarts.inc({
        resource: this.spec.resource.plural,
        relist: String(event.relist),
      });
      return;
    }
    if (event.type === 'synced') return;
    runtime.metrics.watchEvents.inc({ resource: this.spec.resource.plural, type: event.type });
    const key = objectKey(event.object);
    if (this.unseenWrites.get(key) === event.object.metadata.resourceVersion) this.unseenWrites.delete(key);
    if (event.type === 'deleted') {
      this.queue?.remove(key);
      this.attempts.delete(key);
      this.unseenWrites.delete(key);
      const { namespace = '', name = '' } = event.object.metadata;
      runtime.metrics.forgetResource(this.spec.resource.kind, namespace, name);
      return;
    }
    if (
      (this.spec.generationAware ?? true) &&
      event.previous &&
      !relevantChange(event.previous, event.object)
    )
      return;
    this.queue?.add(key);
  }

  private onOwned(spec: OwnedResource, event: WatcherEvent<KubeObject>): void {
    const runtime = this.runtime as ControllerRuntime;
    if (event.type === 'interrupted') {
      runtime.metrics.watchRestarts.inc({ resource: spec.resource.plural, relist: String(event.relist) });
      return;
    }
    if (event.type === 'synced') return;
    runtime.metrics.watchEvents.inc({ resource: spec.resource.plural, type: event.type });
    this.reindex(spec, event);
    for (const key of this.ownerKeys(spec, event.object)) this.queue?.add(key);
  }

  private reindex(spec: OwnedResource, event: WatcherEvent<KubeObject>): void {
    if (event.type !== 'applied' && event.type !== 'deleted') return;
    let index = this.ownedIndex.get(spec);
    if (!index) this.ownedIndex.set(spec, (index = new Map()));
    const key = objectKey(event.object);
    const before = event.type === 'deleted' ? event.object : event.previous;
    for (const owner of before ? this.ownerKeys(spec, before) : []) {
      const keys = index.get(owner);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(owner);
    }
    if (event.type === 'deleted') return;
    for (const owner of this.ownerKeys(spec, event.object)) {
      let keys = index.get(owner);
      if (!keys) index.set(owner, (keys = new Set()));
      keys.add(key);
    }
  }

  private ownerKeys(spec: OwnedResource, obj: KubeObject): string[] {
    if (spec.toOwnerKeys) return spec.toOwnerKeys(obj);
    const { group, kind } = this.spec.resource;
    return (obj.metadata.ownerReferences ?? [])
      .filter(
        (ref) =>
          ref.kind === kind && (ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '') === group,
      )
      .map((ref) => (obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name));
  }

  private async process(key: string, signal: AbortSignal): Promise<void> {
    const runtime = this.runtime as ControllerRuntime;
    const queue = this.queue as WorkQueue;
    const obj = await this.current(key, signal);
    if (!obj) {
      this.attempts.delete(key);
      return;
    }
    const config = runtime.config();
    const { namespace, name } = splitKey(key);
    const log = runtime.log.child({ controller: this.name, kind: this.spec.resource.kind, namespace, name });
    const attempt = this.attempts.get(key) ?? 0;
    const label = { controller: this.name };
    const endTimer = runtime.metrics.reconcileDuration.startTimer(label);
    runtime.metrics.reconcileTotal.inc(label);
    try {
      const action = await this.reconcileOne(obj, signal, (current) =>
        this.context(current, key, signal, log, config, attempt),
      );
      this.attempts.delete(key);
      if (action.kind === 'requeue') queue.add(key, action.afterMs);
      else if (action.kind === 'reschedule') queue.add(key, config.get(RuntimeOptions.reconcileInterval));
    } catch (err) {
      if (signal.aborted && (isAbort(err) || err === signal.reason)) {
        log.info('reconcile aborted');
        return;
      }
      this.handleError(err, key, attempt, log, config);
    } finally {
      endTimer();
    }
  }

  /** The object to reconcile: the cached one, unless the cache has not caught up with our last write. */
  private async current(key: string, signal: AbortSignal): Promise<T | undefined> {
    const cached = this.get(key);
    const written = this.unseenWrites.get(key);
    if (!cached || written === undefined || cached.metadata.resourceVersion === written) return cached;
    const { namespace, name } = splitKey(key);
    const { client } = this.runtime as ControllerRuntime;
    try {
      const live = await client.get<T>(this.spec.resource, namespace, name, signal);
      // The cache holds what the server holds: our write was delivered or superseded (after a relist).
      if (live.metadata.resourceVersion === cached.metadata.resourceVersion) this.unseenWrites.delete(key);
      return this.spec.retain ? this.spec.retain(live) : live;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private handleError(err: unknown, key: string, attempt: number, log: Logger, config: OperatorConfig): void {
    const runtime = this.runtime as ControllerRuntime;
    const queue = this.queue as WorkQueue;
    if (err instanceof FatalError) {
      runtime.metrics.reconcileErrors.inc({ controller: this.name, kind: 'fatal' });
      log.fatal({ err }, 'fatal reconcile error');
      runtime.onFatal(err);
      return;
    }
    if (err instanceof UserError) {
      runtime.metrics.reconcileErrors.inc({ controller: this.name, kind: 'user' });
      this.attempts.delete(key);
      log.warn({ err }, 'reconcile failed on the resource spec; waiting for a change');
      return;
    }
    runtime.metrics.reconcileErrors.inc({ controller: this.name, kind: 'transient' });
    const maxAttempts = config.get(RuntimeOptions.retryMaxAttempts);
    if (attempt >= maxAttempts) {
      this.attempts.delete(key);
      const interval = config.get(RuntimeOptions.reconcileInterval);
      log.error(
        { err, attempts: attempt + 1 },
        'reconcile failed, retries exhausted; trying again at the next interval',
      );
      queue.add(key, interval);
      return;
    }
    const delay = backoffDelay(
      {
        initialMs: config.get(RuntimeOptions.retryInitialInterval),
        multiplier: config.get(RuntimeOptions.retryIntervalMultiplier),
        maxMs: config.get(RuntimeOptions.retryMaxInterval),
      },
      attempt + 1,
    );
    this.attempts.set(key, attempt + 1);
    runtime.metrics.retries.inc({ controller: this.name });
    log.warn({ err, attempt: attempt + 1, retryInMs: delay }, 'reconcile failed, retrying');
    queue.add(key, delay);
  }

  private async reconcileOne(
    obj: T,
    signal: AbortSignal,
    contextFor: (obj: T) => ReconcileContext<T>,
  ): Promise<Action> {
    const { finalizer, cleanup, resource } = this.spec;
    const { client } = this.runtime as ControllerRuntime;
    if (obj.metadata.deletionTimestamp) {
      if (!finalizer || !hasFinalizer(obj, finalizer)) return Action.awaitChange();
      const ctx = contextFor(obj);
      const result = cleanup ? await cleanup(obj, ctx) : undefined;
      if (result) return result;
      await removeFinalizer(client, resource, obj, finalizer, signal);
      ctx.log.info('cleanup done, finalizer removed');
      return Action.awaitChange();
    }
    let current = obj;
    if (finalizer && !hasFinalizer(obj, finalizer)) {
      // Reconcile the patched object: it is newer than the cached copy.
      const updated = await addFinalizer(client, resource, obj, finalizer, signal);
      if (!updated) return Action.awaitChange();
      this.wrote(objectKey(updated), updated);
      current = updated;
    }
    return this.spec.reconcile(current, contextFor(current));
  }

  private wrote(key: string, obj: KubeObject): void {
    const version = obj.metadata.resourceVersion;
    if (version && this.get(key)?.metadata.resourceVersion !== version) this.unseenWrites.set(key, version);
  }

  private context(
    obj: T,
    key: string,
    signal: AbortSignal,
    log: Logger,
    config: OperatorConfig,
    attempt: number,
  ): ReconcileContext<T> {
    const runtime = this.runtime as ControllerRuntime;
    let latest = obj;
    let lifecycle = (obj as { status?: { lifecycleState?: string } }).status?.lifecycleState;
    return {
      key,
      signal,
      log,
      client: runtime.client,
      config,
      attempt,
      updateStatus: async <S>(change: (status: S | undefined, current: T) => S) => {
        type WithStatus = T & { status?: S };
        try {
          latest = await updateStatus<WithStatus, S>(
            runtime.client,
            this.spec.resource,
            latest as WithStatus,
            change,
            {
              signal,
            },
          );
        } catch (err) {
          const refusal = refusedStatusWrite(err);
          if (!refusal) throw err;
          // The status computed cannot be stored (too large, out of the schema's bounds): store the
          // one on record with the reason, say so, and wait for the user's change instead of retrying.
          const message = `The status could not be written: ${refusal}`;
          const error = this.spec.statusError?.(message) ?? message;
          latest = await updateStatus<T & { status?: { error?: string } }, { error?: string }>(
            runtime.client,
            this.spec.resource,
            latest,
            (stored) => ({ ...stored, error }),
            { signal },
          );
          this.wrote(key, latest);
          await runtime.events.record(latest, { type: 'Warning', reason: 'Error', message }, signal);
          throw new UserError(message, { cause: err });
        }
        this.wrote(key, latest);
        return latest;
      },
      recordEvent: (input, target) => {
        // Every Event is a log line too, so a runbook can follow a resource in the operator's log.
        log[input.type === 'Warning' ? 'warn' : 'info'](
          { event: input.reason, ...(target ? { target: target.metadata.name } : {}) },
          input.message,
        );
        return runtime.events.record(target ?? latest, input, signal);
      },
      setLifecycleState: (state) => {
        if (lifecycle !== state)
          log.info({ from: lifecycle ?? 'none', to: state }, `lifecycle ${lifecycle ?? 'none'} -> ${state}`);
        lifecycle = state;
        runtime.metrics.setResourceState(
          this.spec.resource.kind,
          obj.metadata.namespace ?? '',
          obj.metadata.name ?? '',
          state,
        );
      },
      autoscalerMetrics: runtime.metrics.autoscaler(
        this.spec.resource.kind,
        obj.metadata.namespace ?? '',
        obj.metadata.name ?? '',
      ),
      owned: <O extends KubeObject>(rt: ResourceType) => {
        const spec = (this.spec.owns ?? []).find((o) => o.resource === rt);
        if (!spec) throw new Error(`${this.name} does not own ${rt.plural}`);
        const watchers = [...this.scopes.values()].flatMap((s) => s.owned.get(spec) ?? []);
        const found: O[] = [];
        for (const ownedKey of this.ownedIndex.get(spec)?.get(key) ?? []) {
          for (const watcher of watchers) {
            const owned = watcher.store.get(ownedKey);
            if (owned) {
              found.push(owned as O);
              break;
            }
          }
        }
        return found;
      },
    };
  }
}

function relevantChange(previous: KubeObject, next: KubeObject): boolean {
  const a = previous.metadata;
  const b = next.metadata;
  return (
    b.generation === undefined ||
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []) ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {})
  );
}

interface NamespaceScope<T extends KubeObject> {
  primary: Watcher<T>;
  owned: Map<OwnedResource, Watcher<KubeObject>>;
  stop: AbortController;
  /** Added after start by a configuration change. */
  dynamic: boolean;
  runs: Promise<void>[];
}

const scopeKeys = (namespaces: string[] | 'all'): string[] => (namespaces === 'all' ? [''] : namespaces);

const scopeWatchers = <T extends KubeObject>(scope: NamespaceScope<T>): Watcher<KubeObject>[] => [
  scope.primary as unknown as Watcher<KubeObject>,
  ...scope.owned.values(),
];

/**
 * Why the API server refused a status write for good, or undefined when retrying may help: 422
 * (the status breaks the CRD schema), 413, or the storage limit (etcd "request is too large").
 */
export function refusedStatusWrite(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.status === 422 || err.status === 413) return err.message;
  if (err.status === 500 && /too large|exceeds/i.test(err.message)) return err.message;
  return undefined;
}
