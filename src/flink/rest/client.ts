/**
 * A typed client for the Flink JobManager REST API. Every call has a timeout (the operator's
 * `kubernetes.operator.flink.client.timeout`, 10 s by default); errors carry the HTTP status and
 * Flink's own error messages.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type {
  CheckpointingStatistics,
  ClusterConfig,
  CheckpointTriggerStatus,
  ClusterOverview,
  JarList,
  JarRunRequest,
  JarUploadResponse,
  JobDetails,
  JobExceptions,
  JobOverview,
  JobPlan,
  AggregatedMetric,
  JobResourceRequirements,
  SavepointFormatType,
  SavepointStatus,
  TriggerResponse,
} from './types.ts';
import { failureText } from './failure.ts';
import { sendJson, type HttpAnswer } from './http.ts';

export class FlinkRestError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    /** HTTP status, or undefined when no answer came (timeout, refused connection). */
    readonly status: number | undefined,
    /** Flink's `errors` array, when it sent one. */
    readonly errors: readonly string[],
    cause?: unknown,
  ) {
    const what =
      status === undefined ? String((cause as Error | undefined)?.message ?? cause) : `HTTP ${status}`;
    const firstLine = errors[0]?.split('\n')[0];
    super(`${method} ${url}: ${what}${firstLine ? `: ${firstLine}` : ''}`, { cause });
    this.name = 'FlinkRestError';
  }

  /** True for a job or trigger Flink does not know (HTTP 404). */
  get notFound(): boolean {
    return this.status === 404;
  }
}

export interface FlinkRestClientOptions {
  /** e.g. `http://127.0.0.2:8081` */
  baseUrl: string;
  timeoutMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
}

export interface SavepointRequest {
  /** Where to write; the cluster's `execution.checkpointing.savepoint-dir` when omitted. */
  targetDirectory?: string;
  formatType?: SavepointFormatType;
}

export class FlinkRestClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;

  constructor(options: FlinkRestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  overview(opts?: CallOptions): Promise<ClusterOverview> {
    return this.request('GET', '/overview', undefined, opts);
  }

  async jobs(opts?: CallOptions): Promise<JobOverview[]> {
    return (await this.request<{ jobs: JobOverview[] }>('GET', '/jobs/overview', undefined, opts)).jobs;
  }

  jobDetails(jobId: string, opts?: CallOptions): Promise<JobDetails> {
    return this.request('GET', `/jobs/${enc(jobId)}`, undefined, opts);
  }

  jobExceptions(jobId: string, opts?: CallOptions): Promise<JobExceptions> {
    return this.request('GET', `/jobs/${enc(jobId)}/exceptions`, undefined, opts);
  }

  /** Cancels the job (PATCH /jobs/:id?mode=cancel); the job moves to CANCELED asynchronously. */
  async cancelJob(jobId: string, opts?: CallOptions): Promise<void> {
    await this.request('PATCH', `/jobs/${enc(jobId)}?mode=cancel`, undefined, opts);
  }

  /** Starts a savepoint; follow it with `savepointStatus`/`awaitSavepoint`. */
  async triggerSavepoint(
    jobId: string,
    request: SavepointRequest & { cancelJob?: boolean } = {},
    opts?: CallOptions,
  ): Promise<string> {
    const body = {
      'target-directory': request.targetDirectory,
      'cancel-job': request.cancelJob ?? false,
      formatType: request.formatType,
    };
    return (await this.request<TriggerResponse>('POST', `/jobs/${enc(jobId)}/savepoints`, body, opts))[
      'request-id'
    ];
  }

  /** Stops the job with a savepoint (optionally draining, i.e. emitting MAX_WATERMARK first). */
  async stopWithSavepoint(
    jobId: string,
    request: SavepointRequest & { drain?: boolean } = {},
    opts?: CallOptions,
  ): Promise<string> {
    const body = {
      targetDirectory: request.targetDirectory,
      drain: request.drain ?? false,
      formatType: request.formatType,
    };
    return (await this.request<TriggerResponse>('POST', `/jobs/${enc(jobId)}/stop`, body, opts))[
      'request-id'
    ];
  }

  /** Status of a savepoint or stop-with-savepoint trigger. */
  savepointStatus(jobId: string, triggerId: string, opts?: CallOptions): Promise<SavepointStatus> {
    return this.request('GET', `/jobs/${enc(jobId)}/savepoints/${enc(triggerId)}`, undefined, opts);
  }

  /** Starts a checkpoint (Flink 1.17+); `checkpointType` FULL or INCREMENTAL, the configured kind when omitted. */
  async triggerCheckpoint(
    jobId: string,
    request: { checkpointType?: 'FULL' | 'INCREMENTAL' | 'CONFIGURED' } = {},
    opts?: CallOptions,
  ): Promise<string> {
    return (await this.request<TriggerResponse>('POST', `/jobs/${enc(jobId)}/checkpoints`, request, opts))[
      'request-id'
    ];
  }

  checkpointStatus(jobId: string, triggerId: string, opts?: CallOptions): Promise<CheckpointTriggerStatus> {
    return this.request('GET', `/jobs/${enc(jobId)}/checkpoints/${enc(triggerId)}`, undefined, opts);
  }

  checkpointStatistics(jobId: string, opts?: CallOptions): Promise<CheckpointingStatistics> {
    return this.request('GET', `/jobs/${enc(jobId)}/checkpoints`, undefined, opts);
  }

  /** GET /jobs/:id/plan: vertices and the edges between them. */
  jobPlan(jobId: string, opts?: CallOptions): Promise<JobPlan> {
    return this.request('GET', `/jobs/${enc(jobId)}/plan`, undefined, opts);
  }

  /**
   * Metrics of a job vertex aggregated over its subtasks. Without names, the names of the metrics
   * the vertex has (only `id` set).
   */
  vertexSubtaskMetrics(
    jobId: string,
    vertexId: string,
    names?: readonly string[],
    opts?: CallOptions,
  ): Promise<AggregatedMetric[]> {
    const query = names ? `?get=${names.map(enc).join(',')}` : '';
    return this.request(
      'GET',
      `/jobs/${enc(jobId)}/vertices/${enc(vertexId)}/subtasks/metrics${query}`,
      undefined,
      opts,
    );
  }

  /** Metrics aggregated over all TaskManagers. */
  taskManagerMetrics(names: readonly string[], opts?: CallOptions): Promise<AggregatedMetric[]> {
    return this.request('GET', `/taskmanagers/metrics?get=${names.map(enc).join(',')}`, undefined, opts);
  }

  /** The parallelism bounds the adaptive scheduler runs each vertex with (Flink 1.18+). */
  resourceRequirements(jobId: string, opts?: CallOptions): Promise<JobResourceRequirements> {
    return this.request('GET', `/jobs/${enc(jobId)}/resource-requirements`, undefined, opts);
  }

  /** Changes those bounds: the adaptive scheduler rescales the running job in place. */
  async updateResourceRequirements(
    jobId: string,
    requirements: JobResourceRequirements,
    opts?: CallOptions,
  ): Promise<void> {
    await this.request('PUT', `/jobs/${enc(jobId)}/resource-requirements`, requirements, opts);
  }

  /** Uploads a jar; returns its id on the cluster (the last path segment of Flink's `filename`). */
  async uploadJar(jarPath: string, opts?: CallOptions): Promise<string> {
    const form = new FormData();
    const content = await fsp.readFile(jarPath);
    form.append(
      'jarfile',
      new Blob([content], { type: 'application/x-java-archive' }),
      path.basename(jarPath),
    );
    const answer = await this.request<JarUploadResponse>('POST', '/jars/upload', form, opts);
    return path.basename(answer.filename);
  }

  listJars(opts?: CallOptions): Promise<JarList> {
    return this.request('GET', '/jars', undefined, opts);
  }

  /** Runs an uploaded jar; returns the job id. */
  async runJar(jarId: string, request: JarRunRequest = {}, opts?: CallOptions): Promise<string> {
    return (await this.request<{ jobid: string }>('POST', `/jars/${enc(jarId)}/run`, request, opts)).jobid;
  }

  async deleteJar(jarId: string, opts?: CallOptions): Promise<void> {
    await this.request('DELETE', `/jars/${enc(jarId)}`, undefined, opts);
  }

  /** GET /config: the cluster's Flink version and revision. */
  clusterConfig(opts?: CallOptions): Promise<ClusterConfig> {
    return this.request('GET', '/config', undefined, opts);
  }

  /** POST /savepoint-disposal: deletes a savepoint's data; returns the trigger id to poll. */
  async disposeSavepoint(savepointPath: string, opts?: CallOptions): Promise<string> {
    const body = { 'savepoint-path': savepointPath };
    return (await this.request<TriggerResponse>('POST', '/savepoint-disposal', body, opts))['request-id'];
  }

  /**
   * Polls a savepoint (or stop-with-savepoint) trigger until it completes; returns the savepoint
   * location, or throws with Flink's failure cause.
   */
  async awaitSavepoint(
    jobId: string,
    triggerId: string,
    { timeoutMs = 60_000, intervalMs = 250 } = {},
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.savepointStatus(jobId, triggerId);
      if (answer.status.id === 'COMPLETED') {
        const location = answer.operation?.location;
        if (location) return location;
        throw new Error(
          `savepoint ${triggerId} of job ${jobId} failed: ${failureText(answer.operation?.['failure-cause'])}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`savepoint ${triggerId} of job ${jobId} still in progress after ${timeoutMs}ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  private async request<T>(method: string, route: string, body: unknown, opts?: CallOptions): Promise<T> {
    const url = `${this.baseUrl}/v1${route}`;
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs;
    let answer: HttpAnswer;
    try {
      answer =
        body instanceof FormData
          ? await upload(method, url, body, timeoutMs)
          : await sendJson(method, url, body, timeoutMs);
    } catch (err) {
      throw new FlinkRestError(method, url, undefined, [], err);
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300) throw new FlinkRestError(method, url, status, errorsOf(text));
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** Multipart uploads (jars) are rare: `fetch` encodes FormData. */
async function upload(method: string, url: string, form: FormData, timeoutMs: number): Promise<HttpAnswer> {
  const response = await fetch(url, { method, body: form, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function errorsOf(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) return parsed.errors.map(String);
  } catch {
    // not JSON: report the raw text below
  }
  return text ? [text.slice(0, 2000)] : [];
}
