/**
 * Every typed option the operator reads, in one list: validation checks the values a resource sets
 * in `spec.flinkConfiguration` against it, so that a value the controllers could not parse (such as
 * `kubernetes.operator.reconcile.interval: soon`) is refused with a message before anything runs.
 * A unit test keeps it equal to what the configuration reference documents.
 */
import { AutoscalerOptions } from './autoscaler/options.ts';
import { JobOptions, SnapshotOptions } from './controllers/common/options.ts';
import { DeploymentOptions } from './controllers/deployment/options.ts';
import { REST_ADDRESS_RESOLUTION } from './flink/rest/address.ts';
import { RuntimeOptions, type ConfigOption } from './runtime/index.ts';
import { WebhookOptions } from './webhook/options.ts';

export const ALL_OPTIONS: readonly ConfigOption<unknown>[] = [
  ...Object.values(RuntimeOptions),
  ...Object.values(JobOptions),
  ...Object.values(SnapshotOptions),
  ...Object.values(DeploymentOptions),
  REST_ADDRESS_RESOLUTION,
  ...Object.values(AutoscalerOptions),
  ...Object.values(WebhookOptions),
] as readonly ConfigOption<unknown>[];
