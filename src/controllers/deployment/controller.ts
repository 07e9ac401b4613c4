/**
 * The FlinkDeployment controller: each reconcile observes the cluster, validates the spec, plans
 * (pure) and applies. Status is written before the plan's actions run and again after they
 * succeeded; Events carry the compatible operator's reasons.
 */
import { randomBytes } from 'node:crypto';
import {
  FLINK_DEPLOYMENT,
  deprecatedFlinkVersionMessage,
  flinkVersionSupport,
  validateFlinkDeployment,
  type FlinkDeployment,
  type FlinkDeploymentSpec,
} from '../../api/index.ts';
import {
  Action,
  Controller,
  type KubeClient,
  type OperatorConfig,
  type ReconcileContext,
} from '../../runtime/index.ts';
import { WellKnown, type KubeObject, type ResourceType } from '../../runtime/kube/types.ts';
import { parseReconciledSpec } from '../common/reconciled-spec.ts';
import { isScheduleTemplate } from '../schedule/effective.ts';
import {
  applySnapshotHistoryLimits,
  createSnapshotResource,
  snapshotResourcesEnabled,
} from '../snapshot/index.ts';
import { JobOptions, resourceConfig, savepointDirectory } from '../common/options.ts';
import { autoscale } from '../../autoscaler/autoscaler.ts';
import { applyAction } from './apply.ts';
import { observeDeployment, type DeploymentObject } from './observe.ts';
import type { ObservedDeployment } from './observed.ts';
import { deploymentPolicy } from './options.ts';
import { planCleanup, planDeployment, type ClusterAction, type PlannedEvent } from './plan.ts';
import { ERROR_TYPES, errorText } from '../common/status-error.ts';
import { statusUnchanged } from '../common/status-equality.ts';
import { isCanaryResource } from '../../api/canary.ts';
import type { CanaryMonitor } from '../common/canary.ts';
import { ALL_OPTIONS } from '../../options.ts';

export const DEPLOYMENT_FINALIZER = 'flinkdeployments.flink.apache.org/finalizer';

export const FLINK_DEPLOYMENT_RESOURCE: ResourceType = {
  group: 'flink.apache.org',
  version: 'v1beta1',
  plural: FLINK_DEPLOYMENT.plural,
  kind: 'FlinkDeployment',
  namespaced: true,
};

/** Resolves the REST base URL of a deployment's JobManager, or undefined when it has none yet. */
export type RestUrlResolver = (
  client: KubeClient,
  deployment: FlinkDeployment,
  config: OperatorConfig,
) => Promise<string | undefined>;

export interface DeploymentControllerDeps {
  restUrl: RestUrlResolver;
  /** Tracks canary resources for the liveness probe; canaries are never deployed either way. */
  canaries?: CanaryMonitor;
  now?: () => number;
  newJobId?: () => string;
}

type Resource = FlinkDeployment & KubeObject;
type Ctx = ReconcileContext<Resource>;

export function deploymentController(deps: DeploymentControllerDeps): Controller<Resource> {
  return new Controller<Resource>({
    resource: FLINK_DEPLOYMENT_RESOURCE,
    finalizer: DEPLOYMENT_FINALIZER,
    owns: [
      {
        resource: WellKnown.deployments,
        labelSelector: 'component=jobmanager',
        retain: observedDeploymentFields,
      },
    ],
    reconcile: (obj, ctx) => reconcileDeployment(obj, ctx, deps),
    cleanup: (obj, ctx) => cleanupDeployment(obj, ctx, deps),
    statusError: (message) => errorText(ERROR_TYPES.reconciliation, message),
  });
}

const randomJobId = () => randomBytes(16).toString('hex');

async function reconcileDeployment(obj: Resource, ctx: Ctx, deps: DeploymentControllerDeps): Promise<Action> {
  // A schedule template runs no cluster of its own; the schedule controller starts its runs.
  if (isScheduleTemplate(obj)) return Action.awaitChange();
  if (isCanaryResource(obj)) {
    deps.canaries?.reconciled(obj, FLINK_DEPLOYMENT_RESOURCE, ctx);
    return Action.awaitChange();
  }
  // Judged with the operator's configuration under the resource's own, as it will run.
  const errors = validateFlinkDeployment(obj, {
    operatorConfig: {
      defaultFlinkConfiguration: Object.fromEntries(ctx.config.entries()),
      operatorOptions: ALL_OPTIONS,
    },
  });
  let resource: Resource = obj;
  let validationError: string | undefined;
  const versionSupport = flinkVersionSupport(obj.spec?.flinkVersion);
  if (versionSupport === 'deprecated' && obj.status?.observedGeneration !== obj.metadata.generation) {
    ctx.log.warn(deprecatedFlinkVersionMessage(String(obj.spec?.flinkVersion)));
  }
  if (errors.length > 0) {
    validationError = errors.map((e) => e.message).join('; ');
    await ctx.recordEvent({
      type: 'Warning',
      // The compatible operator tells a version it does not run apart from other mistakes.
      reason: versionSupport === 'unsupported' ? 'UnsupportedFlinkVersion' : 'ValidationError',
      message: validationError,
      component: 'Operator',
    });
    const last = parseReconciledSpec<FlinkDeploymentSpec>(
      obj.status?.reconciliationStatus?.lastReconciledSpec,
    );
    // A cluster of a version this operator does not run (deployed by another operator) is left alone.
    if (!last || flinkVersionSupport(last.spec.flinkVersion) === 'unsupported') {
      const error = errorText(ERROR_TYPES.validation, validationError);
      await ctx.updateStatus<NonNullable<FlinkDeployment['status']>>((status) => ({
        ...status,
        error,
        ...(last ? {} : { lifecycleState: 'FAILED' as const }),
      }));
      if (!last) ctx.setLifecycleState('FAILED');
      return Action.awaitChange();
    }
    // Keep running what was deployed last until the spec is fixed.
    const spec = structuredClone(last.spec);
    if (spec.job && obj.status?.reconciliationStatus?.state === 'UPGRADING') spec.job.state = 'running';
    resource = {
      ...obj,
      spec,
      metadata: { ...obj.metadata, generation: obj.status?.observedGeneration ?? obj.metadata.generation },
    };
  }
  // Read once the spec is known to parse: the deployed one's when the new one does not.
  const config = resourceConfig(ctx.config, resource.spec?.flinkConfiguration);
  const policy = deploymentPolicy(config);

  const observed = await observeDeployment(resource, {
    client: ctx.client,
    jobManagerDeployment: jobManagerDeployment(ctx, obj),
    restUrl: (d) => deps.restUrl(ctx.client, d, config),
    restTimeoutMs: config.get(JobOptions.clientTimeout),
    inPlaceScaling: policy.inPlaceScaling,
    signal: ctx.signal,
  });
  const now = (deps.now ?? Date.now)();
  if (!validationError) resource = await autoscaleDeployment(resource, observed, ctx, config, now);
  const plan = planDeployment({
    resource,
    observed,
    policy,
    now,
    newJobId: deps.newJobId ?? randomJobId,
  });
  if (validationError) {
    plan.status.error = errorText(ERROR_TYPES.validation, validationError);
    if (plan.after) plan.after.error = plan.status.error;
  }
  await writeStatus(ctx, obj, plan.status);
  await recordEvents(ctx, plan.events);
  await applyActions(ctx, resource, plan.actions, config, deps);
  if (plan.after) await ctx.updateStatus(() => plan.after!);
  await recordSnapshotResource(ctx, obj, config, plan.after ?? plan.status);
  ctx.setLifecycleState((plan.after ?? plan.status).lifecycleState ?? 'CREATED');
  return Action.requeueAfter(Math.max(0, plan.requeueAfterMs));
}

/**
 * The autoscaler's step: collects metrics of a stable running job, decides, and returns the
 * resource with its vertex parallelism overrides applied in memory, for the planner to rescale.
 */
function autoscaleDeployment(
  resource: Resource,
  observed: ObservedDeployment,
  ctx: Ctx,
  config: OperatorConfig,
  now: number,
): Promise<Resource> {
  const baseUrl = observed.restUrl;
  return autoscale(resource, observed.job?.found === true && observed.job.state === 'RUNNING', {
    client: ctx.client,
    config,
    // The address observation just reached: resolving it again would repeat its lookups.
    restUrl: () => Promise.resolve(baseUrl),
    recordEvent: (e) => ctx.recordEvent({ ...e, component: 'Operator' }),
    metrics: ctx.autoscalerMetrics,
    cluster: resource,
    now,
    log: ctx.log,
    signal: ctx.signal,
  });
}

/**
 * A resource can be created without spec (the schema allows it); its cleanup acts on the spec it
 * last deployed, or on an empty one, so deletion always finishes.
 */
function withSpec(obj: Resource): Resource {
  if (obj.spec) return obj;
  const last = parseReconciledSpec<FlinkDeploymentSpec>(obj.status?.reconciliationStatus?.lastReconciledSpec);
  // An empty spec deploys nothing; every field the cleanup reads is optional there.
  return { ...obj, spec: last?.spec ?? ({} as FlinkDeploymentSpec) };
}

async function cleanupDeployment(
  original: Resource,
  ctx: Ctx,
  deps: DeploymentControllerDeps,
): Promise<Action | void> {
  if (isScheduleTemplate(original)) return;
  if (isCanaryResource(original)) {
    deps.canaries?.deleted(original, FLINK_DEPLOYMENT_RESOURCE);
    return;
  }
  const obj = withSpec(original);
  const config = resourceConfig(ctx.config, obj.spec?.flinkConfiguration);
  const observed = await observeDeployment(obj, {
    client: ctx.client,
    jobManagerDeployment: jobManagerDeployment(ctx, obj),
    restUrl: (d) => deps.restUrl(ctx.client, d, config),
    restTimeoutMs: config.get(JobOptions.clientTimeout),
    signal: ctx.signal,
  });
  const plan = planCleanup({
    resource: obj,
    observed,
    policy: deploymentPolicy(config),
    now: (deps.now ?? Date.now)(),
    newJobId: deps.newJobId ?? randomJobId,
  });
  await writeStatus(ctx, obj, plan.status);
  await recordEvents(ctx, plan.events);
  await applyActions(ctx, obj, plan.actions, config, deps);
  ctx.setLifecycleState(plan.status.lifecycleState ?? 'DELETING');
  if (plan.done) return;
  return Action.requeueAfter(plan.requeueAfterMs);
}

/** Reasons of the Warning recorded when an action fails, as the compatible operator names them. */
const FAILURE_REASONS: Record<ClusterAction['type'], string> = {
  deploy: 'DeploymentFailed',
  deleteCluster: 'CleanupFailed',
  stopWithSavepoint: 'SavepointError',
  triggerSavepoint: 'SavepointError',
  triggerCheckpoint: 'CheckpointError',
  createSnapshot: 'CheckpointError',
  scaleTaskManagers: 'ScalingFailed',
  rescaleJob: 'ScalingFailed',
  disposeSavepoint: 'SavepointError',
};

/**
 * Runs the plan's actions in order. A failure is shown where users look (status.error and a
 * Warning Event) and then rethrown, so the runtime retries with back-off instead of looping.
 */
async function applyActions(
  ctx: Ctx,
  resource: Resource,
  actions: ClusterAction[],
  config: OperatorConfig,
  deps: DeploymentControllerDeps,
): Promise<void> {
  const savepointDir = savepointDirectory(config);
  for (const action of actions) {
    try {
      await applyAction(resource, action, {
        client: ctx.client,
        operatorConfig: Object.fromEntries(ctx.config.entries()),
        restUrl: () => deps.restUrl(ctx.client, resource, config),
        restTimeoutMs: config.get(JobOptions.clientTimeout),
        ...(savepointDir ? { savepointDirectory: savepointDir } : {}),
        createSnapshot: async (type, triggerType) => {
          await createSnapshotResource(ctx.client, config, { owner: resource, type, triggerType });
        },
        updateStatus: (change) => ctx.updateStatus((status) => change(status ?? {})).then(() => undefined),
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const message = `${action.type} failed: ${(err as Error).message ?? String(err)}`;
      await ctx.recordEvent({
        type: 'Warning',
        reason: FAILURE_REASONS[action.type],
        message,
        component: 'Operator',
      });
      await ctx.updateStatus<NonNullable<FlinkDeployment['status']>>((status) => ({
        ...status,
        error: errorText(ERROR_TYPES.reconciliation, message),
      }));
      throw err;
    }
  }
}

type CachedDeployment = KubeObject & DeploymentObject;

/** The JobManager Deployment as observation reads it: its pod template is the larger part and unused. */
function observedDeploymentFields(obj: KubeObject): CachedDeployment {
  const d = obj as CachedDeployment;
  return {
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata: d.metadata,
    ...(d.spec?.replicas !== undefined ? { spec: { replicas: d.spec.replicas } } : {}),
    ...(d.status ? { status: d.status } : {}),
  } as CachedDeployment;
}

function jobManagerDeployment(ctx: Ctx, obj: Resource): CachedDeployment | undefined {
  return ctx
    .owned<CachedDeployment>(WellKnown.deployments)
    .find((d) => d.metadata.name === obj.metadata.name);
}

/**
 * With `kubernetes.operator.snapshot.resource.enabled`, a savepoint the deployment completed (for
 * an upgrade, periodically or on request) is also recorded as a FlinkStateSnapshot resource, and
 * the history limits apply to those resources.
 */
async function recordSnapshotResource(
  ctx: Ctx,
  obj: Resource,
  config: OperatorConfig,
  status: NonNullable<FlinkDeployment['status']>,
): Promise<void> {
  const before = obj.status?.jobStatus?.savepointInfo?.lastSavepoint;
  const after = status.jobStatus?.savepointInfo?.lastSavepoint;
  if (!after?.location || after.location === before?.location || !snapshotResourcesEnabled(config)) return;
  const triggerType = after.triggerType === 'UNKNOWN' || !after.triggerType ? 'MANUAL' : after.triggerType;
  await createSnapshotResource(ctx.client, config, {
    owner: obj,
    type: 'savepoint',
    triggerType,
    completedPath: after.location,
  });
  await applySnapshotHistoryLimits(ctx.client, config, obj);
}

async function writeStatus(
  ctx: Ctx,
  obj: Resource,
  status: NonNullable<FlinkDeployment['status']>,
): Promise<void> {
  if (statusUnchanged(obj.status, status)) return;
  await ctx.updateStatus(() => status);
}

async function recordEvents(ctx: Ctx, events: PlannedEvent[]): Promise<void> {
  for (const e of events) {
    await ctx.recordEvent({
      type: e.type,
      reason: e.reason,
      message: e.message,
      component: e.component,
      ...(e.onceKey ? { messageKey: e.onceKey } : {}),
    });
  }
}
