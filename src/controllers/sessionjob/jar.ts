/**
 * Getting a session job's jar before it is submitted, without holding a reconcile worker: the
 * download runs in the background (`ArtifactDownloads`), the reconcile reports it and comes back.
 * What may be downloaded from where, and how long it may take, is the operator's configuration
 * alone: a resource's own `flinkConfiguration` cannot loosen it.
 */
import type { FlinkSessionJob, FlinkSessionJobSpec } from '../../api/index.ts';
import { HostPolicy } from '../../api/validation/host-policy.ts';
import { ArtifactDownloads } from '../../flink/artifacts/downloads.ts';
import {
  artifactDir,
  parseHeaders,
  type ArtifactFetchers,
  type FetchRequest,
  type FetchedArtifact,
} from '../../flink/artifacts/fetch.ts';
import { backoffDelay } from '../../runtime/backoff.ts';
import { Action, RuntimeOptions, redactUri, type OperatorConfig } from '../../runtime/index.ts';
import { JobOptions } from '../common/options.ts';

/** The download of `uri` as the operator's configuration bounds it. */
export function jarRequest(
  operatorConfig: OperatorConfig,
  resourceConfig: OperatorConfig,
  job: FlinkSessionJob,
  spec: FlinkSessionJobSpec,
  uri: string,
): FetchRequest {
  const c = operatorConfig;
  return {
    uri,
    targetDir: artifactDir(
      c.get(JobOptions.artifactsBaseDir),
      job.metadata.namespace ?? 'default',
      spec.deploymentName ?? '',
      job.metadata.name ?? '',
    ),
    // Headers only go to the host the job names, so a job may set its own.
    headers: parseHeaders(resourceConfig.get(JobOptions.artifactsHttpHeader)),
    limits: {
      connectTimeoutMs: c.get(JobOptions.artifactsConnectTimeout),
      readTimeoutMs: c.get(JobOptions.artifactsReadTimeout),
      totalTimeoutMs: c.get(JobOptions.artifactsDownloadTimeout),
      maxBytes: c.get(JobOptions.artifactsMaxSize),
      maxRedirects: c.get(JobOptions.artifactsMaxRedirects),
    },
    hostPolicy: new HostPolicy(
      c.get(JobOptions.artifactsDisallowRestrictedHosts),
      c.get(JobOptions.artifactsAllowedRestrictedHosts),
    ),
    allowedSchemes: c.get(JobOptions.artifactsAllowedSchemes).map((s) => s.toLowerCase()),
  };
}

export type JarOutcome =
  | { kind: 'ready'; artifact: FetchedArtifact }
  /** Still downloading: report `message` (an Event when `announce`) and come back with `action`. */
  | { kind: 'pending'; message: string; announce: boolean; action: Action }
  /** The download failed: report `message` and try again after `action`'s back-off. */
  | { kind: 'failed'; message: string; action: Action };

/** The jars of all session jobs, with a back-off per job after failed downloads. */
export class SessionJobJars {
  private readonly downloads: ArtifactDownloads;
  private readonly failures = new Map<string, number>();
  private parallelism = JobOptions.artifactsDownloadParallelism.defaultValue;

  constructor(fetchers: ArtifactFetchers, onSettled: (key: string) => void) {
    this.downloads = new ArtifactDownloads(fetchers, { parallelism: () => this.parallelism, onSettled });
  }

  async get(key: string, request: FetchRequest, config: OperatorConfig): Promise<JarOutcome> {
    this.parallelism = config.get(JobOptions.artifactsDownloadParallelism);
    const state = await this.downloads.poll(key, request);
    const shown = redactUri(request.uri);
    // Finishing requeues the job at once (onSettled); the requeue below is a safety net.
    const later = Action.requeueAfter(Math.max(5_000, request.limits?.connectTimeoutMs ?? 0));
    switch (state.kind) {
      case 'ready':
        this.failures.delete(key);
        return { kind: 'ready', artifact: state.artifact };
      case 'queued':
        return {
          kind: 'pending',
          message: `Waiting to download ${shown} (${state.ahead} download(s) ahead)`,
          announce: state.started,
          action: later,
        };
      case 'running':
        return { kind: 'pending', message: `Downloading ${shown}`, announce: state.started, action: later };
      case 'failed': {
        const attempt = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, attempt);
        const delay = backoffDelay(
          {
            initialMs: config.get(RuntimeOptions.retryInitialInterval),
            multiplier: Math.max(1, config.get(RuntimeOptions.retryIntervalMultiplier)),
            maxMs:
              config.get(RuntimeOptions.retryMaxInterval) ?? config.get(RuntimeOptions.reconcileInterval),
          },
          attempt,
        );
        return { kind: 'failed', message: state.error.message, action: Action.requeueAfter(delay) };
      }
    }
  }

  /** Forgets a job's download (it was deleted, or no longer needs one) and its file. */
  async forget(key: string): Promise<void> {
    this.failures.delete(key);
    await this.downloads.discard(key);
  }
}
