/**
 * The autoscaler step of a FlinkDeployment or FlinkSessionJob reconcile. When
 * `job.autoscaler.enabled` is set and the job runs stable, it collects a metric sample, and once
 * the metrics window is full decides new vertex parallelisms. Either way it returns the resource with the autoscaler's parallelism
 * overrides written into its configuration in memory, never into the stored spec: the planner
 * then sees them as a SCALE change and rescales in place or upgrades.
 */
import type { FlinkDeployment, FlinkSessionJob } from '../api/index.ts';
import {
  effectiveConfiguration,
  flattenFlinkConfiguration,
  hasResourceRequirements,
} from '../flink/config/effective.ts';
import { KEYS } from '../flink/config/keys.ts';
import { parseResourceMemory } from '../flink/config/memory.ts';
import { FlinkRestClient } from '../flink/rest/client.ts';
import {
  OperatorConfig,
  type AutoscalerMetricsSink,
  type KubeClient,
  type Logger,
} from '../runtime/index.ts';
import { parseReconciledSpec } from '../controllers/common/reconciled-spec.ts';
import { collect } from './collect.ts';
import { dueEvents } from './events.ts';
import { decide } from './decide.ts';
import { applyConfigChanges } from './memory-tuning.ts';
import { decisionOutcome, evaluationMetrics } from './metrics.ts';
import { AutoscalerOptions, autoscalerSettings, type AutoscalerSettings } from './options.ts';
import { AutoscalerStateStore, formatOverrides, parseOverrides } from './store.ts';
import { taskManagerResources } from './task-manager-resources.ts';
import { EMPTY_STATE, type AutoscalerEvent, type AutoscalerState } from './types.ts';
import { addSample, collectionDue } from './window.ts';

const OVERRIDES_KEY = KEYS.parallelismOverrides;

/** A resource that runs one job: an application deployment or a session job. */
export type JobResource = FlinkDeployment | FlinkSessionJob;

export interface AutoscalerEventSink {
  (event: {
    type: 'Normal' | 'Warning';
    reason: string;
    message: string;
    messageKey?: string;
  }): Promise<void>;
}

export interface AutoscaleDeps {
  client: KubeClient;
  /** The resource's effective operator configuration (operator config + its flinkConfiguration). */
  config: OperatorConfig;
  /** The REST address of the running cluster, or undefined when it has none. */
  restUrl: () => Promise<string | undefined>;
  recordEvent: AutoscalerEventSink;
  /** The resource's autoscaler metrics; none are published without it. */
  metrics?: AutoscalerMetricsSink;
  /**
   * The FlinkDeployment whose TaskManagers run the job (the deployment itself, or a session job's
   * session cluster), for the quota check; without it the quota is not checked.
   */
  cluster?: FlinkDeployment;
  now: number;
  log?: Logger;
  signal?: AbortSignal;
}

/** Whether this reconcile may collect metrics: the job is running and the last change settled. */
export function readyToCollect(deployment: JobResource, jobRunning: boolean): boolean {
  const status = deployment.status;
  return (
    jobRunning &&
    status?.lifecycleState === 'STABLE' &&
    status.reconciliationStatus?.state === 'DEPLOYED' &&
    status.jobStatus?.state === 'RUNNING' &&
    Boolean(status.jobStatus.jobId)
  );
}

export async function autoscale<T extends JobResource>(
  deployment: T,
  jobRunning: boolean,
  deps: AutoscaleDeps,
): Promise<T> {
  if (!deployment.spec.job) return deployment;
  const store = new AutoscalerStateStore(deps.client);
  let settings: AutoscalerSettings;
  try {
    settings = autoscalerSettings(deps.config, parseResourceMemory);
  } catch (err) {
    // Validation tells the user which key; meanwhile the job keeps the parallelism decided so far.
    deps.log?.warn({ err }, 'autoscaler configuration cannot be read; its last decision stays');
    const kept = await store.load(deployment, deps.signal);
    return withOverrides(deployment, kept.parallelismOverrides);
  }
  if (!settings.enabled) {
    deps.metrics?.clear();
    if (wasEnabled(deployment)) await store.delete(deployment, deps.signal);
    return deployment;
  }
  let state = await store.load(deployment, deps.signal);
  const nonce = deployment.spec.job.autoscalerResetNonce;
  if (nonce !== undefined && nonce !== null && nonce !== state.resetNonce) {
    // The user asked for a fresh start: history, window and overrides go; the job returns to its spec.
    state = { ...structuredClone(EMPTY_STATE), resetNonce: nonce };
    await store.save(deployment, state, deps.signal);
  }
  if (readyToCollect(deployment, jobRunning)) {
    try {
      const { state: next, outcome } = await step(deployment, state, settings, deps);
      if (JSON.stringify(next) !== JSON.stringify(state)) await store.save(deployment, next, deps.signal);
      state = next;
      if (outcome) deps.metrics?.count(outcome);
    } catch (err) {
      if (deps.signal?.aborted) throw err;
      deps.log?.warn({ err }, 'autoscaler step failed');
      deps.metrics?.count('error');
      await deps.recordEvent({
        type: 'Warning',
        reason: 'AutoscalerError',
        message: String((err as Error).message ?? err),
      });
    }
  }
  // Every reconcile, so that after an operator restart the kept evaluation is published again.
  publishEvaluation(state, deps.metrics);
  const scaled = withOverrides(deployment, state.parallelismOverrides, settings.excludedVertices);
  return settings.memoryTuning.enabled && state.configOverrides && isDeployment(scaled)
    ? withMemoryTuning(scaled, state.configOverrides)
    : scaled;
}

/** Publishes the latest evaluation; without one (a fresh start) the resource has no vertex series. */
function publishEvaluation(state: AutoscalerState, metrics: AutoscalerMetricsSink | undefined): void {
  if (!metrics) return;
  const values = evaluationMetrics(state);
  if (values.length > 0) metrics.setEvaluation(values);
  else metrics.clearEvaluation();
}

function isDeployment(resource: JobResource): resource is FlinkDeployment {
  return resource.kind !== 'FlinkSessionJob' && !('deploymentName' in resource.spec);
}

/**
 * The autoscaler was on for the deployed spec: its state (and overrides) must go now that it is off.
 * When it was on through the operator's or a session cluster's configuration, which the deployed
 * spec does not show, deployed overrides other than the resource's own tell.
 */
function wasEnabled(deployment: JobResource): boolean {
  const last = parseReconciledSpec<JobResource['spec']>(
    deployment.status?.reconciliationStatus?.lastReconciledSpec,
  );
  const config = flattenFlinkConfiguration(last?.spec.flinkConfiguration);
  if (enabledIn(config)) return true;
  const own = flattenFlinkConfiguration(deployment.spec.flinkConfiguration)[OVERRIDES_KEY];
  return (config[OVERRIDES_KEY] ?? '') !== (own ?? '');
}

/** Whether a deployed configuration had the autoscaler on; one it cannot read did not. */
function enabledIn(config: Record<string, string>): boolean {
  try {
    return new OperatorConfig(config).get(AutoscalerOptions.enabled);
  } catch {
    return false;
  }
}

async function step(
  deployment: JobResource,
  previous: AutoscalerState,
  settings: AutoscalerSettings,
  deps: AutoscaleDeps,
): Promise<{ state: AutoscalerState; outcome?: 'scaling' | 'balanced' }> {
  if (!collectionDue(previous, deps.now, settings)) return { state: previous };
  const baseUrl = await deps.restUrl();
  if (!baseUrl) return { state: previous };
  const rest = new FlinkRestClient({ baseUrl, timeoutMs: settings.restClientTimeoutMs });
  const jobId = deployment.status!.jobStatus!.jobId!;
  const observation = await collect(rest, jobId, deps.now);
  const { state, window } = addSample(previous, observation, settings);
  if (window.stage !== 'full') {
    deps.log?.debug({ window }, 'autoscaler metrics window not full yet');
    return { state };
  }
  const operatorConfig = Object.fromEntries(deps.config.entries());
  const ownConfig = isDeployment(deployment) ? effectiveConfiguration(deployment, operatorConfig) : undefined;
  // An application deployment is its own cluster: its configuration is built once.
  const clusterConfig =
    deps.cluster === deployment
      ? ownConfig
      : deps.cluster && effectiveConfiguration(deps.cluster, operatorConfig);
  const decision = decide({
    settings,
    topology: observation.topology,
    samples: state.metrics,
    state,
    now: deps.now,
    ...(clusterConfig ? { taskManager: taskManagerResources(clusterConfig) } : {}),
    ...(ownConfig ? { flinkConfig: ownConfig } : {}),
  });
  await recordEvents(decision.events, decision.state, settings, deps);
  return { state: decision.state, outcome: decisionOutcome(decision) };
}

/** Records the events not recorded within `scaling.event.interval`; remembers when in the state. */
async function recordEvents(
  events: AutoscalerEvent[],
  state: AutoscalerState,
  settings: AutoscalerSettings,
  deps: AutoscaleDeps,
): Promise<void> {
  const { due, recorded } = dueEvents(events, state.eventTimes, deps.now, settings.eventIntervalMs);
  state.eventTimes = recorded;
  for (const e of due) {
    await deps.recordEvent({
      type: e.type,
      reason: e.reason,
      message: e.message,
      messageKey: e.messageKey ?? e.key,
    });
  }
}

/**
 * The resource with the overrides merged over the user's own `pipeline.jobvertex-parallelism-overrides`,
 * in a flattened copy of its configuration; the stored object is not touched. For a vertex in
 * `excluded` (`vertex.exclude.ids`) the user's own override, when there is one, wins.
 */
export function withOverrides<T extends JobResource>(
  deployment: T,
  overrides: Record<string, number>,
  excluded: readonly string[] = [],
): T {
  if (Object.keys(overrides).length === 0) return deployment;
  const config = flattenFlinkConfiguration(deployment.spec.flinkConfiguration);
  const merged = parseOverrides(config[OVERRIDES_KEY]);
  for (const [vertex, parallelism] of Object.entries(overrides)) {
    if (!(excluded.includes(vertex) && Object.hasOwn(merged, vertex))) merged[vertex] = parallelism;
  }
  return {
    ...deployment,
    spec: { ...deployment.spec, flinkConfiguration: { ...config, [OVERRIDES_KEY]: formatOverrides(merged) } },
  };
}

/**
 * The deployment with tuned TaskManager memory: the configuration changes merged over a flattened
 * copy of its configuration and the TaskManager memory of its spec, where it has one, set to the
 * tuned process size (a memory limit keeps its ratio to the request). The stored object is not
 * touched.
 */
export function withMemoryTuning<T extends FlinkDeployment>(
  deployment: T,
  tuning: NonNullable<AutoscalerState['configOverrides']>,
): T {
  const config = applyConfigChanges(flattenFlinkConfiguration(deployment.spec.flinkConfiguration), tuning);
  const bytes = tuning.processMemoryBytes;
  const taskManager = structuredClone(deployment.spec.taskManager ?? {});
  const resources = taskManager.resources;
  if (resources && hasResourceRequirements(resources)) {
    const request = resources.requests?.memory;
    const limit = resources.limits?.memory;
    if (request !== undefined) {
      resources.requests!.memory = String(bytes);
      if (limit !== undefined) {
        const ratio = parseResourceMemory(limit) / Math.max(1, parseResourceMemory(request));
        resources.limits!.memory = String(Math.round(bytes * ratio));
      }
    } else if (limit !== undefined) resources.limits!.memory = String(bytes);
  } else if (taskManager.resource?.memory !== undefined) {
    taskManager.resource.memory = String(bytes);
  }
  // Without memory in the spec, the tuned taskmanager.memory.process.size in the configuration sizes it.
  return {
    ...deployment,
    spec: {
      ...deployment.spec,
      flinkConfiguration: config,
      ...(deployment.spec.taskManager ? { taskManager } : {}),
    },
  };
}
