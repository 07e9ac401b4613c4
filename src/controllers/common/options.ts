/**
 * Operator configuration keys read by the job controllers (deployments, session jobs, snapshots),
 * with the defaults of the compatible operator. Each may also be set per resource in `spec.flinkConfiguration`
 * (see `resourceConfig`).
 */
import {
  flinkOption as f,
  operatorOption as o,
  type ConfigOption,
  type OperatorConfig,
} from '../../runtime/index.ts';
import { parseFlinkMemorySize } from '../../api/validation/quantity.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';
import { isHighAvailabilityEnabled } from '../../flink/config/high-availability.ts';

export const JobOptions = {
  progressCheckInterval: o.duration('observer.progress-check.interval', 10_000),
  clientTimeout: o.duration('flink.client.timeout', 10_000),
  cancelTimeout: o.duration('flink.client.cancel.timeout', 60_000),
  submissionTimeout: o.duration('job.submission.timeout', 600_000),
  savepointOnDeletion: o.bool('job.savepoint-on-deletion', false),
  drainOnSavepointDeletion: o.bool('job.drain-on-savepoint-deletion', false),
  lastStateFallback: o.bool('job.upgrade.last-state-fallback.enabled', true),
  /** A duration; cron expressions are not supported for session jobs (ignored with a log line). */
  inPlaceScaling: o.bool('job.upgrade.inplace-scaling.enabled', true),
  periodicSavepointInterval: o.optionalText('periodic.savepoint.interval'),
  periodicCheckpointInterval: o.optionalText('periodic.checkpoint.interval'),
  blockOnSessionJobs: o.bool('session.deletion.block-on-session-jobs', true),
  artifactsBaseDir: o.text('user.artifacts.base.dir', '/opt/flink/artifacts'),
  artifactsHttpHeader: o.optionalText('user.artifacts.http.header'),
  artifactsAllowedSchemes: o.list('user.artifacts.allowed-schemes', ['https']),
  artifactsDisallowRestrictedHosts: o.bool('user.artifacts.disallow-restricted-hosts', true),
  artifactsAllowedRestrictedHosts: o.list('user.artifacts.restricted-hosts.allowed', []),
  artifactsConnectTimeout: o.duration('user.artifacts.http.connect-timeout', 10_000),
  artifactsReadTimeout: o.duration('user.artifacts.http.read-timeout', 30_000),
  artifactsDownloadTimeout: o.duration('user.artifacts.http.timeout', 300_000),
  artifactsMaxRedirects: o.integer('user.artifacts.http.max-redirects', 5),
  artifactsMaxSize: memoryOption('user.artifacts.max-size', 512 * 1024 * 1024),
  artifactsDownloadParallelism: o.integer('user.artifacts.download.parallelism', 4),
} as const;

/** A `kubernetes.operator.<name>` memory size in bytes, written as Flink writes sizes (`512 mb`). */
function memoryOption(name: string, bytes: number): ConfigOption<number> {
  return {
    key: `kubernetes.operator.${name}`,
    defaultValue: bytes,
    deprecatedKeys: [],
    parse: (text) => {
      const value = parseFlinkMemorySize(text);
      if (value === undefined) throw new Error(`"${text}" is not a memory size (e.g. 512 mb)`);
      return value;
    },
  };
}

export const SnapshotOptions = {
  resourceEnabled: o.bool('snapshot.resource.enabled', true),
  savepointFormatType: o.choice('savepoint.format.type', 'CANONICAL', ['CANONICAL', 'NATIVE'] as const),
  disposeOnDelete: o.bool('savepoint.dispose-on-delete', false),
  historyMaxCount: o.integer('savepoint.history.max.count', 10),
  historyMaxCountThreshold: o.optionalInteger('savepoint.history.max.count.threshold'),
  historyMaxAge: o.duration('savepoint.history.max.age', 86_400_000),
  historyMaxAgeThreshold: o.optionalDuration('savepoint.history.max.age.threshold'),
  checkpointsRetained: f.integer('state.checkpoints.num-retained', 1),
  /** Flink's own key for where savepoints go, with its older spelling. */
  savepointDir: f.optionalText('execution.checkpointing.savepoint-dir'),
  legacySavepointDir: f.optionalText('state.savepoints.dir'),
  checkpointTimeout: f.duration('execution.checkpointing.timeout', 600_000),
} as const;

/** Flink keys of a cluster configuration the controllers look at. */
export const FlinkKeys = { restPort: 'rest.port' } as const;

/**
 * The operator configuration as one resource sees it: the operator's, then the session
 * cluster's and then the resource's own `flinkConfiguration` on top (flattened to dotted keys).
 */
export function resourceConfig(
  base: OperatorConfig,
  ...layers: (Record<string, unknown> | undefined)[]
): OperatorConfig {
  let config = base;
  for (const layer of layers) config = config.with(flattenFlinkConfiguration(layer));
  return config;
}

/** The savepoint folder a resource's configuration names, if any. */
export function savepointDirectory(config: OperatorConfig): string | undefined {
  return config.get(SnapshotOptions.savepointDir) ?? config.get(SnapshotOptions.legacySavepointDir);
}

/** True when the cluster configuration turns on JobManager high availability. */
export function haEnabled(config: Record<string, string>): boolean {
  return isHighAvailabilityEnabled(config);
}
