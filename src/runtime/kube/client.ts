/**
 * A thin typed HTTP layer over node:http(s) for any resource type, built-in or custom.
 *
 * Why not the generated clients of @kubernetes/client-node: its watch/informer has a history of
 * lost 410s, unhandled rejections and restart storms (see docs/dev/runtime.md), and its generic
 * object API is awkward for subresources and patch types. Authentication and cluster selection
 * come from any KubeConfigLike: the project's own loader (kubeconfig.ts) in the operator, the
 * library's KubeConfig in tests.
 */
import http from 'node:http';
import https from 'node:https';
import { ApiError } from '../errors.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import { apiVersionOf, type KubeObject, type ObjectList, type ResourceType } from './types.ts';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export class KubeClient {
  private readonly server: URL;
  private agent: { key: string; agent: http.Agent } | undefined;

  constructor(readonly kubeConfig: KubeConfigLike) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** The namespace of the current kubeconfig context, if any. */
  get defaultNamespace(): string | undefined {
    const ctx = this.kubeConfig.getContextObject(this.kubeConfig.getCurrentContext());
    return ctx?.namespace;
  }

  path(rt: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    const base = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
    const ns = rt.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const item = name ? `/${encodeURIComponent(name)}` : '';
    return `${base}${ns}/${rt.plural}${item}${subresource && name ? `/${subresource}` : ''}`;
  }

  async get<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ) {
    return this.request<T>('GET', this.path(rt, namespace, name), { signal });
  }

  async list<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, opts: ListOptions = {}) {
    const { signal, ...query } = opts;
    return this.request<ObjectList<T>>('GET', this.path(rt, namespace), { query: { ...query }, signal });
  }

  async create<T extends KubeObject>(rt: ResourceType, obj: T, signal?: AbortSignal): Promise<T> {
    const body = { apiVersion: apiVersionOf(rt), kind: rt.kind, ...obj };
    return this.request<T>('POST', this.path(rt, obj.metadata.namespace), { body, signal });
  }

  /** PUT: the object's metadata.resourceVersion, when set, is a precondition (409 on mismatch). */
  async replace<T extends KubeObject>(rt: ResourceType, obj: T, subresource?: string, signal?: AbortSignal) {
    const body = { apiVersion: apiVersionOf(rt), kind: rt.kind, ...obj };
    const path = this.path(rt, obj.metadata.namespace, obj.metadata.name, subresource);
    return this.request<T>('PUT', path, { body, signal });
  }

  async patch<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: {
      type?: PatchType;
      subresource?: string;
      fieldManager?: string;
      force?: boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const type = opts.type ?? 'merge';
    return this.request<T>('PATCH', this.path(rt, namespace, name, opts.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPE[type],
      query: { fieldManager: opts.fieldManager, force: opts.force },
      signal: opts.signal,
    });
  }

  async delete(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; signal?: AbortSignal } = {},
  ): Promise<void> {
    const body = opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : undefined;
    await this.request('DELETE', this.path(rt, namespace, name), { body, signal: opts.signal });
  }

  /** One request; parses the JSON answer, throws ApiError on non-2xx. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await readBody(res);
    if ((res.statusCode ?? 0) >= 300) throw apiError(res.statusCode ?? 0, text, method, path);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /**
   * A watch stream as decoded events. The iterable ends when the server closes the stream
   * (timeoutSeconds) and throws when the connection breaks or the server refuses the watch.
   */
  async *watch(
    rt: ResourceType,
    namespace: string | undefined,
    opts: WatchOptions = {},
  ): AsyncGenerator<RawWatchEvent> {
    const { signal, ...query } = opts;
    const path = this.path(rt, namespace);
    const res = await this.send('GET', path, {
      query: { ...query, watch: true, allowWatchBookmarks: true },
      signal,
    });
    if ((res.statusCode ?? 0) >= 300) throw apiError(res.statusCode ?? 0, await readBody(res), 'WATCH', path);
    res.setEncoding('utf8');
    let buffered = '';
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') yield JSON.parse(line) as RawWatchEvent;
        }
      }
    } finally {
      res.destroy();
    }
    // A response that ends without the final chunk of a chunked body was cut, not closed.
    if (!res.complete) throw Object.assign(new Error(`watch ${path} ended abruptly`), { code: 'ECONNRESET' });
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const options: https.RequestOptions = {
      method,
      headers: {
        Accept: 'application/json',
        ...(payload
          ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': payload.length }
          : {}),
      },
    };
    await this.kubeConfig.applyToHTTPSOptions(options);
    options.agent = this.agentFor(options);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { ...options, signal: opts.signal }, (res) => {
        // Rejected credentials (an exec plugin's token revoked early): fetch fresh ones next time.
        if (res.statusCode === 401) this.kubeConfig.invalidateCredentials?.();
        resolve(res);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * One keep-alive agent per TLS identity. The library's KubeConfig builds a fresh agent per call,
   * which would open a new TLS connection for every request; proxies configured in it keep its agent.
   */
  private agentFor(options: https.RequestOptions): http.Agent | undefined {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl)
      return typeof options.agent === 'object' ? options.agent : undefined;
    const tls = {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.rejectUnauthorized,
    };
    const key = JSON.stringify(
      [tls.ca, tls.cert, tls.key, tls.rejectUnauthorized].map((v) => String(v ?? '')),
    );
    if (this.agent?.key !== key) {
      if (this.agent) retire(this.agent.agent);
      const agent =
        this.server.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, ...tls, servername: options.servername })
          : new http.Agent({ keepAlive: true });
      this.agent = { key, agent };
    }
    return this.agent.agent;
  }

  /** Closes pooled connections (at shutdown). */
  close(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
  }
}

/**
 * An agent whose TLS identity was replaced (an exec plugin's renewed client certificate): watches
 * and requests under way finish on it, its idle connections close now and busy ones after use.
 */
function retire(agent: http.Agent): void {
  (agent as http.Agent & { keepAlive: boolean }).keepAlive = false;
  for (const sockets of Object.values(agent.freeSockets))
    for (const socket of sockets ?? []) socket.destroy();
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

function apiError(status: number, text: string, method: string, path: string): ApiError {
  let reason: string | undefined;
  let message = text;
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    reason = parsed.reason;
    message = parsed.message ?? text;
  } catch {
    // not a Status object: keep the raw text
  }
  return new ApiError(status, reason, message, method, path);
}
