/**
 * The FlinkSessionJob controller: observe (the session cluster, the job in Flink) → plan (pure,
 * plan.ts) → apply (status writes, Events, REST calls). Every step that starts or stops a job
 * writes the status first, so a restart in between resumes the step instead of repeating it.
 */
import fsp from 'node:fs/promises';
import {
  API_VERSION,
  applySessionJobDefaults,
  flinkVersionSupport,
  unsupportedFlinkVersionMessage,
  TARGET_SESSION_LABEL,
  operatorOptionErrors,
  validateSessionJob,
  type FlinkDeployment,
  type FlinkSessionJob,
  type FlinkSessionJobSpec,
  type FlinkStateSnapshot,
} from '../../api/index.ts';
import { autoscale } from '../../autoscaler/autoscaler.ts';
import { ArtifactFetchers } from '../../flink/artifacts/fetch.ts';
import { restAddressResolver, type RestAddressResolver } from '../../flink/rest/address.ts';
import type { FlinkRestClient } from '../../flink/rest/client.ts';
import type { JobExceptions } from '../../flink/rest/types.ts';
import {
  Action,
  Controller,
  type EventInput,
  type OperatorConfig,
  type ReconcileContext,
  type ResourceType,
} from '../../runtime/index.ts';
import { SNAPSHOT_LABELS } from '../snapshot/labels.ts';
import {
  FLINK_STATE_SNAPSHOTS,
  applySnapshotHistoryLimits,
  createSnapshotResource,
  snapshotResourcesEnabled,
} from '../snapshot/resources.ts';
import {
  flinkIgnoresSubmittedOverrides,
  flinkSupportsInPlaceScaling,
  inPlaceScalingConfigured,
  parallelismOverrides,
  rescaleInPlace,
  vertexUpperBounds,
} from '../common/in-place-scaling.ts';
import { periodicTrigger } from '../../api/periodic-trigger.ts';
import { JobOptions, resourceConfig } from '../common/options.ts';
import { ALL_OPTIONS } from '../../options.ts';
import { applyObservation, periodicDue, plan, planCleanup, type JobObservation, type Step } from './plan.ts';
import { readDeployment, restClientFor, sessionState, type SessionState } from './session.ts';
import {
  ERROR_TYPES,
  TERMINAL_STATES,
  errorText,
  recordedSpec,
  serializeRecord,
  specToRecord,
  withLifecycle,
  type SessionJobStatus,
} from './status.ts';
import { newJobId, submitJob } from './submit.ts';
import { SessionJobJars, jarRequest } from './jar.ts';
import { cancelAndWait, latestRestorePath, stopWithSavepoint, takeLegacySnapshot } from './operations.ts';
import { statusUnchanged } from '../common/status-equality.ts';
import { recordedRestorePath } from '../common/restore-path.ts';
import { isCanaryResource } from '../../api/canary.ts';
import type { CanaryMonitor } from '../common/canary.ts';

export const SESSION_JOB_FINALIZER = 'flinksessionjobs.flink.apache.org/finalizer';

export const FLINK_SESSION_JOBS: ResourceType = {
  group: 'flink.apache.org',
  version: 'v1beta1',
  plural: 'flinksessionjobs',
  kind: 'FlinkSessionJob',
  namespaced: true,
};

export interface SessionJobControllerOptions {
  /** How to reach a cluster's REST API; by default as `kubernetes.operator.rest.address-resolution` says. */
  resolveRestAddress?: RestAddressResolver;
  /** Jar fetchers by URI scheme; local files and http(s) by default. */
  artifacts?: ArtifactFetchers;
  /** Tracks canary resources for the liveness probe; canaries are never submitted either way. */
  canaries?: CanaryMonitor;
}

type Ctx = ReconcileContext<FlinkSessionJob>;

/** Everything one reconcile looked at. */
interface Observed {
  job: FlinkSessionJob;
  spec: FlinkSessionJobSpec;
  config: OperatorConfig;
  clusterConfig: OperatorConfig;
  deployment?: FlinkDeployment;
  session: SessionState;
  rest?: FlinkRestClient;
  flinkJob: JobObservation;
}

export function createSessionJobController(
  options: SessionJobControllerOptions = {},
): Controller<FlinkSessionJob> {
  const artifacts = options.artifacts ?? new ArtifactFetchers();
  // A finished download wakes its job at once; `controller` exists before any download starts.
  const jars = new SessionJobJars(artifacts, (key) => controller.requeue(key));
  let resolver = options.resolveRestAddress;

  const write = async (ctx: Ctx, change: (status: SessionJobStatus) => SessionJobStatus) => {
    const updated = await ctx.updateStatus<SessionJobStatus>((status, current) => ({
      ...withLifecycle(change(status ?? {})),
      observedGeneration: current.metadata.generation,
    }));
    if (updated.status?.lifecycleState) ctx.setLifecycleState(updated.status.lifecycleState);
    return updated;
  };

  /** When this operator last took a periodic snapshot, by `<uid>/<kind>`: covers a list that lags behind. */
  const lastPeriodic = new Map<string, number>();

  /** The periodic snapshot due for a running job, from the intervals and the newest PERIODIC snapshot resources. */
  async function duePeriodicSnapshot(
    raw: FlinkSessionJob,
    status: SessionJobStatus,
    config: OperatorConfig,
    ctx: Ctx,
  ): Promise<'savepoint' | 'checkpoint' | undefined> {
    if (status.jobStatus?.state !== 'RUNNING') return undefined;
    // An unusable setting is a validation error of the resource; here it means off.
    const triggers = {
      savepoint: periodicTrigger(config.get(JobOptions.periodicSavepointInterval)).trigger,
      checkpoint: periodicTrigger(config.get(JobOptions.periodicCheckpointInterval)).trigger,
    };
    if (!triggers.savepoint && !triggers.checkpoint) return undefined;
    const info = status.jobStatus;
    const last: { savepoint?: number; checkpoint?: number } = {
      savepoint: info.savepointInfo?.lastPeriodicSavepointTimestamp,
      checkpoint: info.checkpointInfo?.lastPeriodicCheckpointTimestamp,
    };
    if (snapshotResourcesEnabled(config)) {
      const list = await ctx.client.list<FlinkStateSnapshot>(FLINK_STATE_SNAPSHOTS, raw.metadata.namespace, {
        labelSelector: `${SNAPSHOT_LABELS.referenceKind}=FlinkSessionJob,${SNAPSHOT_LABELS.referenceName}=${raw.metadata.name},${SNAPSHOT_LABELS.triggerType}=PERIODIC`,
        signal: ctx.signal,
      });
      for (const item of list.items) {
        const kind = item.spec.savepoint ? 'savepoint' : 'checkpoint';
        const created = Date.parse(item.metadata.creationTimestamp ?? '') || 0;
        last[kind] = Math.max(last[kind] ?? 0, created);
      }
    }
    for (const kind of ['savepoint', 'checkpoint'] as const) {
      const remembered = lastPeriodic.get(`${raw.metadata.uid}/${kind}`);
      if (remembered !== undefined) last[kind] = Math.max(last[kind] ?? 0, remembered);
    }
    const since = Math.max(
      Number(status.jobStatus.startTime ?? 0) || 0,
      Date.parse(raw.metadata.creationTimestamp ?? '') || 0,
    );
    return periodicDue(triggers, last, since, Date.now());
  }

  const recordAll = async (ctx: Ctx, events: EventInput[]) => {
    for (const event of events) await ctx.recordEvent(event);
  };

  async function observe(raw: FlinkSessionJob, ctx: Ctx): Promise<Observed> {
    const job = applySessionJobDefaults(raw);
    const namespace = raw.metadata.namespace ?? 'default';
    const deploymentName = job.spec.deploymentName ?? '';
    const deployment = deploymentName
      ? await readDeployment(ctx.client, namespace, deploymentName, ctx.signal)
      : undefined;
    // The cluster's configuration decides how it runs jobs (its scheduler); the job's adds to it.
    // A layer with values the operator cannot parse is left out here; validation reports it.
    const readable = (layer: unknown) =>
      operatorOptionErrors(layer, ALL_OPTIONS).length === 0 ? (layer as Record<string, unknown>) : undefined;
    const clusterConfig = resourceConfig(ctx.config, readable(deployment?.spec.flinkConfiguration));
    const config = resourceConfig(
      clusterConfig,
      readable(job.spec.flinkConfiguration) ??
        readable(recordedSpec(raw.status ?? {})?.spec.flinkConfiguration),
    );
    const session = sessionState(namespace, deploymentName, deployment);
    let rest: FlinkRestClient | undefined;
    if (deployment && session.kind === 'ready') {
      resolver ??= restAddressResolver(ctx.client, () => ctx.config);
      rest = await restClientFor(deployment, resolver, config.get(JobOptions.clientTimeout), ctx.signal);
    }
    const jobId = raw.status?.jobStatus?.jobId;
    const flinkJob = rest && jobId ? await lookUpJob(rest, jobId) : ({ kind: 'none' } as const);
    return { job, spec: job.spec, config, clusterConfig, deployment, session, rest, flinkJob };
  }

  async function reconcile(raw: FlinkSessionJob, ctx: Ctx): Promise<Action> {
    if (isCanaryResource(raw)) {
      options.canaries?.reconciled(raw, FLINK_SESSION_JOBS, ctx);
      return Action.awaitChange();
    }
    // The schema lets a session job be created without spec; validation reports that below.
    const target = raw.spec?.deploymentName;
    if (target && raw.metadata.labels?.[TARGET_SESSION_LABEL] !== target) {
      await ctx.client.patch(
        FLINK_SESSION_JOBS,
        raw.metadata.namespace,
        raw.metadata.name ?? '',
        {
          metadata: { labels: { [TARGET_SESSION_LABEL]: target } },
        },
        { signal: ctx.signal },
      );
    }
    const observed = await observe(raw, ctx);
    let status: SessionJobStatus = raw.status ?? {};
    let spec = observed.spec;

    // As the compatible operator: a job is not run on a cluster of a version this operator does not run.
    const sessionVersion = observed.deployment?.spec?.flinkVersion;
    if (sessionVersion !== undefined && flinkVersionSupport(sessionVersion) === 'unsupported') {
      const message = unsupportedFlinkVersionMessage(sessionVersion);
      await ctx.recordEvent({ type: 'Warning', reason: 'UnsupportedFlinkVersion', message });
      const errorValue = errorText(ERROR_TYPES.validation, message);
      if (status.error !== errorValue) await write(ctx, (s) => ({ ...s, error: errorValue }));
      return Action.reschedule();
    }

    const validationError = validationProblem(raw, observed, ctx.config);
    if (validationError) {
      await ctx.recordEvent({ type: 'Warning', reason: 'ValidationError', message: validationError });
      const recorded = recordedSpec(status);
      const errorValue = errorText(ERROR_TYPES.validation, validationError);
      if (status.error !== errorValue) {
        status = (await write(ctx, (s) => ({ ...s, error: errorValue }))).status ?? status;
      }
      if (!recorded) return Action.awaitChange();
      // Keep running what was last deployed until the spec is fixed.
      spec = {
        ...recorded.spec,
        job: {
          ...recorded.spec.job,
          state: status.reconciliationStatus?.state === 'UPGRADING' ? 'running' : recorded.spec.job?.state,
        },
      };
    }

    const afterObservation = applyObservation(status, spec, observed.flinkJob, Date.now());
    if (validationError && afterObservation.status) {
      afterObservation.status.error = errorText(ERROR_TYPES.validation, validationError);
    }
    if (afterObservation.status && !statusUnchanged(status, afterObservation.status)) {
      const next = afterObservation.status;
      status = (await write(ctx, () => next)).status ?? next;
    }
    await recordAll(ctx, afterObservation.events);
    if (!validationError) spec = await autoscaleSessionJob(raw, spec, status, observed, ctx);

    const inPlaceScaling =
      inPlaceScalingConfigured(observed.config, observed.clusterConfig) &&
      flinkSupportsInPlaceScaling(observed.deployment?.spec.flinkVersion);
    const runningParallelism = inPlaceScaling ? await overriddenParallelism(status, observed) : undefined;
    const decision = plan({
      spec,
      status,
      session: observed.session,
      job: observed.flinkJob,
      lastStateFallback: observed.config.get(JobOptions.lastStateFallback),
      periodicDue: await duePeriodicSnapshot(raw, status, observed.config, ctx),
      inPlaceScaling,
      ...(runningParallelism ? { runningParallelism } : {}),
      submittedOverridesIgnored: flinkIgnoresSubmittedOverrides(observed.deployment?.spec.flinkVersion),
    });
    await recordAll(ctx, decision.events);
    return execute(decision.step, raw, status, spec, observed, ctx);
  }

  /**
   * The autoscaler's step: collects metrics of a stable running job, decides, and returns the spec
   * with its vertex parallelism overrides merged in memory, for the planner to rescale.
   */
  async function autoscaleSessionJob(
    raw: FlinkSessionJob,
    spec: FlinkSessionJobSpec,
    status: SessionJobStatus,
    observed: Observed,
    ctx: Ctx,
  ): Promise<FlinkSessionJobSpec> {
    const { flinkJob } = observed;
    // The ConfigMap's owner reference needs the kind, which objects from a cache may lack.
    const job: FlinkSessionJob = {
      ...raw,
      apiVersion: API_VERSION,
      kind: 'FlinkSessionJob',
      spec,
      status,
    };
    const scaled = await autoscale(job, flinkJob.kind === 'found' && flinkJob.state === 'RUNNING', {
      client: ctx.client,
      config: observed.config,
      restUrl: () => Promise.resolve(observed.rest?.baseUrl),
      recordEvent: (e) => ctx.recordEvent({ ...e, component: 'Operator' }),
      metrics: ctx.autoscalerMetrics,
      ...(observed.deployment ? { cluster: observed.deployment } : {}),
      now: Date.now(),
      log: ctx.log,
      signal: ctx.signal,
    });
    return scaled.spec;
  }

  async function execute(
    step: Step,
    raw: FlinkSessionJob,
    status: SessionJobStatus,
    spec: FlinkSessionJobSpec,
    observed: Observed,
    ctx: Ctx,
  ): Promise<Action> {
    const { config } = observed;
    const progress = Action.requeueAfter(config.get(JobOptions.progressCheckInterval));
    const recorded = recordedSpec(status);
    const now = () => Date.now();
    // A download nobody will submit any more is stopped and its file removed.
    if (step.type !== 'submit' && step.type !== 'rescale') await jars.forget(ctx.key);
    switch (step.type) {
      case 'wait-session': {
        const message = step.session.message;
        await ctx.recordEvent({ type: 'Warning', reason: 'Missing', message });
        const errorValue = errorText(ERROR_TYPES.sessionCluster, message);
        if (status.error !== errorValue) await write(ctx, (s) => ({ ...s, error: errorValue }));
        return progress;
      }
      case 'wait':
        ctx.log.info({ why: step.message }, 'waiting');
        return progress;
      case 'record-suspended': {
        const text = serializeRecord(
          specToRecord(spec, 'suspended', recorded?.spec),
          recorded?.firstDeployment ?? true,
        );
        await write(ctx, (s) => ({
          ...s,
          error: undefined,
          reconciliationStatus: {
            ...s.reconciliationStatus,
            state: 'DEPLOYED',
            lastReconciledSpec: text,
            lastStableSpec: text,
            reconciliationTimestamp: now(),
          },
        }));
        return Action.reschedule();
      }
      case 'submit': {
        if (!observed.rest) return progress;
        const jarURI = spec.job?.jarURI;
        if (!jarURI) throw new Error('spec.job.jarURI is required to submit a session job');
        const jar = await jars.get(ctx.key, jarRequest(ctx.config, config, raw, spec, jarURI), ctx.config);
        if (jar.kind === 'pending') {
          if (jar.announce) {
            await ctx.recordEvent({
              type: 'Normal',
              reason: 'ArtifactDownload',
              component: 'Job',
              message: jar.message,
            });
          }
          if (status.jobStatus?.state !== 'RECONCILING') {
            await write(ctx, (s) => ({ ...s, jobStatus: { ...s.jobStatus, state: 'RECONCILING' } }));
          }
          return jar.action;
        }
        if (jar.kind === 'failed') {
          await ctx.recordEvent({ type: 'Warning', reason: 'Error', component: 'Job', message: jar.message });
          const errorValue = errorText(ERROR_TYPES.reconciliation, jar.message);
          if (status.error !== errorValue) await write(ctx, (s) => ({ ...s, error: errorValue }));
          return jar.action;
        }
        const { artifact } = jar;
        const jobId = step.jobId ?? newJobId();
        const before = serializeRecord(
          specToRecord(spec, 'suspended', recorded?.spec, { upgradeMode: step.upgradeMode }),
          step.firstDeployment,
        );
        try {
          // The job id is on record before the cluster sees it: a retry reuses it and cannot start a second job.
          await write(ctx, (s) => ({
            ...s,
            error: undefined,
            reconciliationStatus: {
              ...s.reconciliationStatus,
              state: 'UPGRADING',
              lastReconciledSpec: before,
              reconciliationTimestamp: now(),
            },
            jobStatus: {
              ...s.jobStatus,
              jobId,
              state: 'RECONCILING',
              upgradeSavepointPath: step.restorePath ?? s.jobStatus?.upgradeSavepointPath,
            },
          }));
          await ctx.recordEvent({
            type: 'Normal',
            reason: 'Submit',
            component: 'Job',
            message: 'Starting deployment',
          });
        } catch (err) {
          if (artifact.temporary) await fsp.rm(artifact.path, { force: true });
          throw err;
        }
        try {
          const result = await submitJob({
            rest: observed.rest,
            artifact,
            spec,
            jobId,
            restorePath: step.restorePath,
            ...(observed.deployment?.spec.flinkVersion
              ? { flinkVersion: observed.deployment.spec.flinkVersion }
              : {}),
            timeoutMs: config.get(JobOptions.submissionTimeout),
          });
          ctx.log.info(
            { jobId, restorePath: step.restorePath, started: result.started },
            'session job submitted',
          );
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          await ctx.recordEvent({ type: 'Warning', reason: 'Error', component: 'Job', message });
          await write(ctx, (s) => ({ ...s, error: errorText(ERROR_TYPES.reconciliation, message) }));
          throw err;
        }
        const after = serializeRecord(specToRecord(spec, 'running', recorded?.spec), step.firstDeployment);
        await write(ctx, (s) => ({
          ...s,
          error: undefined,
          reconciliationStatus: {
            ...s.reconciliationStatus,
            state: 'DEPLOYED',
            lastReconciledSpec: after,
            reconciliationTimestamp: now(),
          },
          jobStatus: { ...s.jobStatus, jobId, state: 'RECONCILING' },
        }));
        return Action.requeueAfter(Math.min(1_000, config.get(JobOptions.progressCheckInterval)));
      }
      case 'suspend': {
        const jobId = status.jobStatus?.jobId;
        const rest = observed.rest;
        if (step.method !== 'none' && (!rest || !jobId)) return progress;
        if (step.method !== 'none') {
          await ctx.recordEvent({
            type: 'Normal',
            reason: 'Suspended',
            component: 'Job',
            message: 'Suspending existing deployment.',
          });
        }
        let savepointPath: string | undefined;
        if (step.method === 'savepoint' && rest && jobId) {
          savepointPath = await stopWithSavepoint(rest, jobId, config).catch(async (err: unknown) => {
            const message = `Savepoint upgrade failed: ${err instanceof Error ? err.message : String(err)}`;
            await ctx.recordEvent({ type: 'Warning', reason: 'SavepointError', component: 'Job', message });
            await write(ctx, (s) => ({ ...s, error: errorText(ERROR_TYPES.reconciliation, message) }));
            throw err;
          });
          await recordUpgradeSnapshot(ctx, raw, config, savepointPath);
        } else if (step.method === 'cancel' && rest && jobId) {
          // Shown while Flink cancels, as tools waiting on the job's state expect.
          await cancelAndWait(rest, jobId, config.get(JobOptions.cancelTimeout), async () => {
            await write(ctx, (s) => ({ ...s, jobStatus: { ...s.jobStatus, state: 'CANCELLING' } }));
          });
        }
        let restorePath: string | undefined;
        if (step.restoreFrom === 'savepoint') restorePath = savepointPath;
        else if (step.restoreFrom === 'recorded') restorePath = recordedRestorePath(status.jobStatus);
        else if (step.restoreFrom === 'latest') {
          restorePath =
            (rest && jobId ? await latestRestorePath(rest, jobId) : undefined) ??
            recordedRestorePath(status.jobStatus);
        }
        const mode = step.restoreFrom === 'none' ? 'stateless' : step.upgradeMode;
        const text = serializeRecord(
          specToRecord(spec, 'suspended', recorded?.spec, { upgradeMode: mode }),
          false,
        );
        const stoppedState =
          step.method === 'savepoint'
            ? 'FINISHED'
            : step.method === 'cancel'
              ? 'CANCELED'
              : status.jobStatus?.state;
        await write(ctx, (s) => ({
          ...s,
          error: undefined,
          reconciliationStatus: {
            ...s.reconciliationStatus,
            state: step.thenRunning ? 'UPGRADING' : 'DEPLOYED',
            lastReconciledSpec: text,
            lastStableSpec: step.thenRunning ? s.reconciliationStatus?.lastStableSpec : text,
            reconciliationTimestamp: now(),
          },
          jobStatus: {
            ...s.jobStatus,
            jobId: undefined,
            state: stoppedState,
            updateTime: String(now()),
            upgradeSavepointPath: restorePath,
          },
        }));
        return step.thenRunning ? Action.requeueAfter(0) : Action.reschedule();
      }
      case 'snapshot': {
        if (!recorded) return progress;
        const nonce = step.trigger === 'MANUAL' ? step.nonce : undefined;
        let legacy: Partial<NonNullable<SessionJobStatus['jobStatus']>> = {};
        if (snapshotResourcesEnabled(config)) {
          await createSnapshotResource(ctx.client, config, {
            owner: raw,
            type: step.kind,
            triggerType: step.trigger,
          });
          if (step.trigger === 'PERIODIC') await applySnapshotHistoryLimits(ctx.client, config, raw);
        } else if (observed.rest && status.jobStatus?.jobId) {
          legacy = await takeLegacySnapshot(observed.rest, status.jobStatus, step.kind, nonce, config).catch(
            async (err: unknown) => {
              const label = step.kind === 'savepoint' ? 'Savepoint' : 'Checkpoint';
              const what =
                nonce === undefined
                  ? `Periodic ${step.kind}`
                  : `${label} for ${step.kind}TriggerNonce: ${nonce}`;
              await ctx.recordEvent({
                type: 'Warning',
                reason: `${label}Error`,
                component: 'Job',
                message: `${what} failed: ${err instanceof Error ? err.message : String(err)}`,
              });
              return {};
            },
          );
        }
        lastPeriodic.set(`${raw.metadata.uid}/${step.kind}`, Date.now());
        const nonceField = step.kind === 'savepoint' ? 'savepointTriggerNonce' : 'checkpointTriggerNonce';
        const updated =
          nonce === undefined
            ? recorded.spec
            : { ...recorded.spec, job: { ...recorded.spec.job, [nonceField]: nonce } };
        const text = serializeRecord(updated, recorded.firstDeployment);
        const wasStable =
          status.reconciliationStatus?.lastStableSpec === status.reconciliationStatus?.lastReconciledSpec;
        await write(ctx, (s) => ({
          ...s,
          jobStatus: { ...s.jobStatus, ...legacy },
          reconciliationStatus: {
            ...s.reconciliationStatus,
            lastReconciledSpec: text,
            lastStableSpec: wasStable ? text : s.reconciliationStatus?.lastStableSpec,
          },
        }));
        return Action.requeueAfter(0);
      }
      case 'rescale': {
        if (!observed.rest || !recorded) return progress;
        try {
          if (await rescaleInPlace(observed.rest, step.jobId, step.parallelism)) {
            await ctx.recordEvent({
              type: 'Normal',
              reason: 'Scaling',
              component: 'Job',
              message: 'In-place scaling triggered',
            });
          }
        } catch (err) {
          ctx.log.warn({ err }, 'in-place rescaling failed, upgrading the job instead');
          return execute(step.otherwise, raw, status, spec, observed, ctx);
        }
        const text = serializeRecord(specToRecord(spec, 'running', recorded.spec), recorded.firstDeployment);
        await write(ctx, (s) => ({
          ...s,
          error: undefined,
          reconciliationStatus: {
            ...s.reconciliationStatus,
            lastReconciledSpec: text,
            reconciliationTimestamp: now(),
          },
        }));
        return progress;
      }
      case 'none': {
        const state = status.jobStatus?.state;
        if ((recorded?.spec.job?.state ?? 'running') === 'suspended') return Action.reschedule();
        return state === 'RUNNING' || (state !== undefined && TERMINAL_STATES.has(state))
          ? Action.reschedule()
          : progress;
      }
    }
  }

  /** Records a savepoint taken for an upgrade as a FlinkStateSnapshot and trims the history; never fails the upgrade. */
  async function recordUpgradeSnapshot(
    ctx: Ctx,
    owner: FlinkSessionJob,
    config: OperatorConfig,
    path: string,
  ) {
    if (!snapshotResourcesEnabled(config)) return;
    try {
      await createSnapshotResource(ctx.client, config, {
        owner,
        type: 'savepoint',
        triggerType: 'UPGRADE',
        completedPath: path,
      });
      await applySnapshotHistoryLimits(ctx.client, config, owner);
    } catch (err) {
      ctx.log.warn({ err, path }, 'cannot record the upgrade savepoint as a FlinkStateSnapshot');
    }
  }

  async function cleanup(raw: FlinkSessionJob, ctx: Ctx): Promise<Action | void> {
    await jars.forget(ctx.key);
    if (isCanaryResource(raw)) {
      options.canaries?.deleted(raw, FLINK_SESSION_JOBS);
      return;
    }
    if (raw.status?.lifecycleState !== 'DELETING') {
      await ctx.recordEvent({ type: 'Normal', reason: 'Cleanup', message: 'Cleaning up FlinkSessionJob' });
      await ctx.updateStatus<SessionJobStatus>((s) => ({ ...s, lifecycleState: 'DELETING' }));
      ctx.setLifecycleState('DELETING');
    }
    const observed = await observe(raw, ctx);
    const decision = planCleanup({
      status: raw.status,
      session: observed.session,
      job: observed.flinkJob,
      savepointOnDeletion: observed.config.get(JobOptions.savepointOnDeletion),
    });
    const jobId = raw.status?.jobStatus?.jobId;
    switch (decision.type) {
      case 'remove':
        ctx.log.info({ why: decision.why }, 'session job needs no cleanup in Flink');
        return;
      case 'wait':
        ctx.log.info({ why: decision.why }, 'cleanup waits');
        return Action.requeueAfter(observed.config.get(JobOptions.progressCheckInterval));
      case 'cancel':
        if (observed.rest && jobId) await observed.rest.cancelJob(jobId);
        return;
      case 'savepoint': {
        if (!observed.rest || !jobId) return;
        const path = await stopWithSavepoint(observed.rest, jobId, observed.config, {
          drain: observed.config.get(JobOptions.drainOnSavepointDeletion),
        }).catch(async (err: unknown) => {
          const message = `Savepoint on deletion failed: ${err instanceof Error ? err.message : String(err)}`;
          await ctx.recordEvent({ type: 'Warning', reason: 'SavepointError', component: 'Job', message });
          throw err;
        });
        await ctx.updateStatus<SessionJobStatus>((s) => ({
          ...s,
          jobStatus: { ...s?.jobStatus, state: 'FINISHED', upgradeSavepointPath: path },
        }));
        await recordUpgradeSnapshot(ctx, raw, observed.config, path);
        return;
      }
    }
  }

  const controller = new Controller<FlinkSessionJob>({
    name: 'FlinkSessionJob',
    resource: FLINK_SESSION_JOBS,
    finalizer: SESSION_JOB_FINALIZER,
    reconcile,
    cleanup,
    statusError: (message) => errorText(ERROR_TYPES.reconciliation, message),
  });
  return controller;
}

/**
 * The parallelism bounds a running job with overrides on record runs with, for the planner to
 * set them again when they drifted; undefined when there are none or they cannot be read.
 */
async function overriddenParallelism(
  status: SessionJobStatus,
  observed: Observed,
): Promise<Record<string, number> | undefined> {
  const jobId = status.jobStatus?.jobId;
  const recorded = recordedSpec(status);
  if (!observed.rest || !jobId || observed.flinkJob.kind !== 'found' || observed.flinkJob.state !== 'RUNNING')
    return undefined;
  if (Object.keys(parallelismOverrides(recorded?.spec.flinkConfiguration)).length === 0) return undefined;
  return vertexUpperBounds(observed.rest, jobId).catch(() => undefined);
}

/** The first validation problem, or undefined; the session cluster is judged only when it exists. */
function validationProblem(
  raw: FlinkSessionJob,
  observed: Observed,
  operatorConfig: OperatorConfig,
): string | undefined {
  const config = observed.config;
  const errors = validateSessionJob(raw, observed.deployment, {
    operatorConfig: {
      defaultFlinkConfiguration: Object.fromEntries(config.entries()),
      operatorOptions: ALL_OPTIONS,
      // What a jar may be fetched from is the operator's to say, not the resource's.
      jarUriAllowedSchemes: operatorConfig.get(JobOptions.artifactsAllowedSchemes),
      jarUriDisallowRestrictedHosts: operatorConfig.get(JobOptions.artifactsDisallowRestrictedHosts),
      jarUriAllowedRestrictedHosts: operatorConfig.get(JobOptions.artifactsAllowedRestrictedHosts),
    },
  });
  return errors.length > 0
    ? errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')
    : undefined;
}

/** The first line of a failed job's root exception (Flink 2 reports it only in the history). */
function rootCause(exceptions: JobExceptions): string | undefined {
  const latest = exceptions.exceptionHistory?.entries?.[0];
  const text = exceptions['root-exception'] ?? latest?.stacktrace ?? latest?.exceptionName;
  return text?.split('\n')[0];
}

/** The job as Flink reports it; a failed job carries the first line of its root exception. */
async function lookUpJob(rest: FlinkRestClient, jobId: string): Promise<JobObservation> {
  try {
    const details = await rest.jobDetails(jobId);
    let failure: string | undefined;
    if (details.state === 'FAILED') {
      failure = await rest.jobExceptions(jobId).then(rootCause, () => undefined);
    }
    return {
      kind: 'found',
      state: details.state,
      name: details.name,
      startTime: details['start-time'],
      failure,
    };
  } catch (err) {
    if ((err as { notFound?: boolean }).notFound) return { kind: 'not-found' };
    return { kind: 'unreachable', error: err instanceof Error ? err.message : String(err) };
  }
}
