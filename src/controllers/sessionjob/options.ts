/**
 * Operator configuration keys read by the session job and snapshot controllers, with the defaults
 * of the compatible operator. Each may also be set per resource in `spec.flinkConfiguration`
 * (see `resourceConfig`).
 */
import type { OperatorConfig } from '../../runtime/index.ts';
import { parseDurationMs, type ConfigOption } from '../../runtime/index.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';

const PREFIX = 'kubernetes.operator.';

function option<T>(key: string, defaultValue: T, parse: (text: string) => T): ConfigOption<T> {
  return { key, defaultValue, parse, deprecatedKeys: [] };
}

function parseBoolean(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw new Error(`"${text}" is not a boolean (true or false)`);
  return lower === 'true';
}

function parseInteger(text: string): number {
  if (!/^[-+]?\d+$/.test(text.trim())) throw new Error(`"${text}" is not an integer`);
  return Number(text.trim());
}

const bool = (name: string, value: boolean) => option(PREFIX + name, value, parseBoolean);
const duration = (name: string, ms: number) => option(PREFIX + name, ms, parseDurationMs);
const optionalDuration = (name: string) =>
  option<number | undefined>(PREFIX + name, undefined, parseDurationMs);
const integer = (key: string, value: number) => option(key, value, parseInteger);
const optionalInteger = (key: string) => option<number | undefined>(key, undefined, parseInteger);
const text = (key: string, value: string) => option(key, value, (t) => t.trim());
const optionalText = (key: string) =>
  option<string | undefined>(key, undefined, (t) => (t.trim() === '' ? undefined : t.trim()));
/** Flink lists are `;`-separated; `,` is accepted as well. */
const list = (key: string, value: string[]) =>
  option(key, value, (t) =>
    t
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

export const JobOptions = {
  progressCheckInterval: duration('observer.progress-check.interval', 10_000),
  clientTimeout: duration('flink.client.timeout', 10_000),
  cancelTimeout: duration('flink.client.cancel.timeout', 60_000),
  submissionTimeout: duration('job.submission.timeout', 600_000),
  savepointOnDeletion: bool('job.savepoint-on-deletion', false),
  drainOnSavepointDeletion: bool('job.drain-on-savepoint-deletion', false),
  lastStateFallback: bool('job.upgrade.last-state-fallback.enabled', true),
  /** A duration; cron expressions are not supported for session jobs (ignored with a log line). */
  periodicSavepointInterval: optionalText(`${PREFIX}periodic.savepoint.interval`),
  periodicCheckpointInterval: optionalText(`${PREFIX}periodic.checkpoint.interval`),
  blockOnSessionJobs: bool('session.deletion.block-on-session-jobs', true),
  artifactsBaseDir: text(`${PREFIX}user.artifacts.base.dir`, '/opt/flink/artifacts'),
  artifactsHttpHeader: optionalText(`${PREFIX}user.artifacts.http.header`),
  artifactsAllowedSchemes: list(`${PREFIX}user.artifacts.allowed-schemes`, ['https']),
  artifactsDisallowRestrictedHosts: bool('user.artifacts.disallow-restricted-hosts', true),
} as const;

export const SnapshotOptions = {
  resourceEnabled: bool('snapshot.resource.enabled', true),
  savepointFormatType: text(`${PREFIX}savepoint.format.type`, 'CANONICAL'),
  disposeOnDelete: bool('savepoint.dispose-on-delete', false),
  historyMaxCount: integer(`${PREFIX}savepoint.history.max.count`, 10),
  historyMaxCountThreshold: optionalInteger(`${PREFIX}savepoint.history.max.count.threshold`),
  historyMaxAge: duration('savepoint.history.max.age', 86_400_000),
  historyMaxAgeThreshold: optionalDuration('savepoint.history.max.age.threshold'),
  checkpointsRetained: integer('state.checkpoints.num-retained', 1),
  /** Flink's own key for where savepoints go, with its older spelling. */
  savepointDir: optionalText('execution.checkpointing.savepoint-dir'),
  legacySavepointDir: optionalText('state.savepoints.dir'),
  checkpointTimeout: duration('execution.checkpointing.timeout', 600_000),
} as const;

/** Flink keys of a cluster configuration the controllers look at. */
export const FlinkKeys = {
  restPort: 'rest.port',
  haType: 'high-availability.type',
  legacyHaType: 'high-availability',
} as const;

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
  const type = (config[FlinkKeys.haType] ?? config[FlinkKeys.legacyHaType] ?? 'none').trim().toLowerCase();
  return type !== '' && type !== 'none';
}
