import type { Logger } from 'pino';
import { backoffDelay, jittered, sleep, type BackoffPolicy } from './backoff.ts';
import { ApiError, isAbort, isGone } from './errors.ts';
import type { KubeClient, RawWatchEvent } from './kube/client.ts';
import { apiVersionOf, objectKey, type KubeObject, type ResourceType } from './kube/types.ts';
import { Store } from './store.ts';

/** What a watcher needs from the API: a consistent list and a watch from a resourceVersion. */
export interface WatchSource<T> {
  readonly description: string;
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<RawWatchEvent>;
}

export type WatcherEvent<T> =
  | { type: 'applied'; object: T; previous: T | undefined }
  | { type: 'deleted'; object: T }
  /** A (re)list completed; the store equals the server's state at `resourceVersion`. */
  | { type: 'synced'; resourceVersion: string; count: number }
  /** The watch broke; `relist` tells whether the next step is a full relist (410 Gone). */
  | { type: 'interrupted'; error: unknown; relist: boolean };

export interface WatcherOptions<T> {
  onEvent: (event: WatcherEvent<T>) => void;
  log?: Logger;
  backoff?: BackoffPolicy;
  /** A watch ending quicker than this without events counts as a failure (backs off). */
  minHealthyWatchMs?: number;
  now?: () => number;
  /**
   * What of each object to keep in the cache (and hand to `onEvent`); all of it by default. At
   * thousands of objects, dropping fields nobody reads is most of the operator's memory.
   */
  retain?: (obj: T) => T;
}

interface ApiStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

/**
 * Reconnect delays while the API server does not answer. Capped low so that changes made during an
 * outage reach the controllers within seconds of its return (4 s, jittered to at most 4.8 s).
 */
export const DEFAULT_WATCH_BACKOFF: BackoffPolicy = { initialMs: 500, multiplier: 2, maxMs: 4_000 };

/**
 * List + watch of one collection into a Store. Watches resume from the newest resourceVersion
 * seen (bookmarks included) after a disconnect, with backoff; on 410 Gone it relists and diffs
 * the result against the store, so deletions that happened while disconnected are reported.
 */
export class Watcher<T extends KubeObject> {
  readonly store = new Store<T>();
  private rv: string | undefined;
  private syncedOnce = false;
  private syncWaiters: Array<() => void> = [];
  /** Failures to reach the API server in a row; any answer from it ends the streak. */
  private consecutiveFailures = 0;
  /** 410s in a row without a healthy watch in between: relisting did not help, so back off. */
  private consecutiveGone = 0;
  private failingSince: number | undefined;

  constructor(
    readonly source: WatchSource<T>,
    private readonly options: WatcherOptions<T>,
  ) {}

  get resourceVersion(): string | undefined {
    return this.rv;
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Since when the watcher has been failing without recovering, or undefined when healthy. */
  get failingSinceMs(): number | undefined {
    return this.failingSince;
  }

  /** Resolves once the first list has been applied. */
  waitForSync(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Runs until the signal aborts; never throws for API or network failures. */
  async run(signal: AbortSignal): Promise<void> {
    const now = this.options.now ?? Date.now;
    while (!signal.aborted) {
      try {
        if (this.rv === undefined) await this.relist(signal);
        const started = now();
        const sawEvents = await this.watchOnce(this.rv as string, signal);
        if (sawEvents || now() - started >= (this.options.minHealthyWatchMs ?? 1000)) {
          this.recovered();
          continue;
        }
        throw new Error(`watch of ${this.source.description} closed immediately`);
      } catch (err) {
        if (signal.aborted || isAbort(err)) break;
        const relist = isGone(err);
        if (relist) {
          // The API server answered: an outage before this is over. A first 410 is expected and
          // cheap to recover from (relist at once); only 410s that keep coming back off.
          this.rv = undefined;
          this.consecutiveFailures = 0;
          this.consecutiveGone += 1;
        } else this.consecutiveFailures += 1;
        this.failingSince ??= now();
        this.emit({ type: 'interrupted', error: err, relist });
        const attempt = relist ? this.consecutiveGone - 1 : this.consecutiveFailures;
        const wait =
          attempt === 0 ? 0 : jittered(backoffDelay(this.options.backoff ?? DEFAULT_WATCH_BACKOFF, attempt));
        this.options.log?.warn(
          { err, resource: this.source.description, relist, retryInMs: wait },
          relist ? 'watch expired, relisting' : 'watch interrupted, resuming',
        );
        await sleep(wait, signal).catch(() => undefined);
      }
    }
  }

  /** A watch delivered events or stayed open: healthy again. */
  private recovered(): void {
    this.consecutiveGone = 0;
    this.reachable();
  }

  private reachable(): void {
    this.consecutiveFailures = 0;
    this.failingSince = undefined;
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.source.list(signal);
    const fresh = new Map(items.map((item) => [objectKey(item), item]));
    for (const key of this.store.keys()) {
      if (!fresh.has(key)) {
        const gone = this.store.delete(key);
        if (gone) this.emit({ type: 'deleted', object: gone });
      }
    }
    for (const listed of items) {
      const previous = this.store.get(objectKey(listed));
      if (previous?.metadata.resourceVersion === listed.metadata.resourceVersion) continue;
      const item = this.retained(listed);
      this.store.set(item);
      this.emit({ type: 'applied', object: item, previous });
    }
    this.rv = resourceVersion;
    this.reachable();
    this.emit({ type: 'synced', resourceVersion, count: items.length });
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /** Returns whether any event arrived; throws on errors, ApiError 410 when the version expired. */
  private async watchOnce(from: string, signal: AbortSignal): Promise<boolean> {
    let sawEvents = false;
    for await (const event of this.source.watch(from, signal)) {
      sawEvents = true;
      if (event.type === 'ERROR') {
        const status = event.object as ApiStatus;
        throw new ApiError(
          status.code ?? 500,
          status.reason,
          status.message ?? 'watch error',
          'WATCH',
          this.source.description,
        );
      }
      const object = event.object as T;
      const rv = object.metadata?.resourceVersion;
      if (rv) this.rv = rv;
      if (event.type === 'BOOKMARK') continue;
      if (event.type === 'DELETED') {
        this.store.delete(objectKey(object));
        this.emit({ type: 'deleted', object });
      } else {
        const kept = this.retained(object);
        const previous = this.store.set(kept);
        this.emit({ type: 'applied', object: kept, previous });
      }
      this.recovered();
    }
    return sawEvents;
  }

  private retained(obj: T): T {
    return this.options.retain ? this.options.retain(obj) : obj;
  }

  private emit(event: WatcherEvent<T>): void {
    try {
      this.options.onEvent(event);
    } catch (err) {
      this.options.log?.error({ err, resource: this.source.description }, 'watch event handler failed');
    }
  }
}

export interface KubeWatchSourceOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of lists. */
  pageSize?: number;
  /** Server-side watch timeout range; each watch picks a random value in it (as client-go does). */
  watchTimeoutSeconds?: [number, number];
}

/** A WatchSource over the API server for one resource type in one namespace (or all). */
export function kubeWatchSource<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  opts: KubeWatchSourceOptions = {},
): WatchSource<T> {
  const [minTimeout, maxTimeout] = opts.watchTimeoutSeconds ?? [300, 600];
  const selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  const description = `${rt.plural}${rt.group ? `.${rt.group}` : ''}${opts.namespace ? ` in ${opts.namespace}` : ''}${
    opts.labelSelector ? ` (${opts.labelSelector})` : ''
  }`;
  return {
    description,
    async list(signal) {
      const items: T[] = [];
      let resourceVersion = '';
      let next: string | undefined;
      do {
        const page = await client.request<{
          metadata: { resourceVersion?: string; continue?: string };
          items: T[];
        }>('GET', client.path(rt, opts.namespace), {
          query: { ...selectors, limit: opts.pageSize ?? 500, continue: next },
          signal,
        });
        // Pages of one list share the first page's snapshot; its resourceVersion is the list's.
        if (next === undefined) resourceVersion = page.metadata.resourceVersion ?? '';
        // Items of a list carry no apiVersion/kind; restore them so consumers see whole objects.
        for (const item of page.items) items.push({ apiVersion: apiVersionOf(rt), kind: rt.kind, ...item });
        next = page.metadata.continue || undefined;
      } while (next);
      return { items, resourceVersion };
    },
    watch(resourceVersion, signal) {
      const timeoutSeconds = Math.round(minTimeout + Math.random() * (maxTimeout - minTimeout));
      return client.watch(rt, opts.namespace, { ...selectors, resourceVersion, timeoutSeconds, signal });
    },
  };
}
