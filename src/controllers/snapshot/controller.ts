/**
 * The FlinkStateSnapshot controller: triggers a savepoint or checkpoint of the referenced job,
 * follows it to COMPLETED (or FAILED/ABANDONED), keeps the state labels current and, for
 * savepoints with `disposeOnDelete`, disposes the data before the resource goes.
 */
import {
  applyStateSnapshotDefaults,
  flinkTriggersCheckpoints,
  validateStateSnapshot,
  type FlinkDeployment,
  type FlinkSessionJob,
  type FlinkStateSnapshot,
} from '../../api/index.ts';
import { restAddressResolver, type RestAddressResolver } from '../../flink/rest/address.ts';
import type { FlinkRestClient } from '../../flink/rest/client.ts';
import { failureText } from '../../flink/rest/failure.ts';
import {
  Action,
  Controller,
  isNotFound,
  type KubeClient,
  type OperatorConfig,
  type ReconcileContext,
} from '../../runtime/index.ts';
import { JobOptions, SnapshotOptions, resourceConfig, savepointDirectory } from '../common/options.ts';
import { FLINK_DEPLOYMENTS, readDeployment, restClientFor } from '../sessionjob/session.ts';
import { disposeSavepoint } from './disposal.ts';
import { isSavepoint, snapshotLabels } from './labels.ts';
import {
  failedAttempt,
  isFinished,
  planSnapshot,
  type SnapshotStatus,
  type TargetObservation,
} from './plan.ts';
import { FLINK_STATE_SNAPSHOTS } from './resources.ts';

export const SNAPSHOT_FINALIZER = 'flinkstatesnapshots.flink.apache.org/finalizer';

const FLINK_SESSION_JOBS = { ...FLINK_DEPLOYMENTS, plural: 'flinksessionjobs', kind: 'FlinkSessionJob' };

export interface SnapshotControllerOptions {
  /** How to reach a cluster's REST API; by default as `kubernetes.operator.rest.address-resolution` says. */
  resolveRestAddress?: RestAddressResolver;
}

/** The referenced job and the cluster that runs it, with the configuration the job sees. */
interface Referenced {
  target: TargetObservation;
  cluster?: FlinkDeployment;
  config: OperatorConfig;
}

async function readReference(
  client: KubeClient,
  snapshot: FlinkStateSnapshot,
  base: OperatorConfig,
  signal: AbortSignal,
): Promise<Referenced> {
  const namespace = snapshot.metadata.namespace ?? 'default';
  const reference = snapshot.spec.jobReference ?? {};
  const kind = reference.kind ?? 'FlinkDeployment';
  const name = reference.name ?? '';
  const description = `${kind} ${namespace}/${name}`;
  const missing = (message: string): Referenced => ({ target: { kind: 'missing', message }, config: base });
  if (name === '') return missing('Job reference must be supplied for this snapshot');
  let resource: FlinkDeployment | FlinkSessionJob;
  try {
    const type = kind === 'FlinkSessionJob' ? FLINK_SESSION_JOBS : FLINK_DEPLOYMENTS;
    resource = await client.get<FlinkDeployment | FlinkSessionJob>(type, namespace, name, signal);
  } catch (err) {
    if (isNotFound(err))
      return missing(`Target for snapshot ${namespace}/${name} was not found (${description})`);
    throw err;
  }
  const cluster =
    resource.kind === 'FlinkSessionJob'
      ? await readDeployment(client, namespace, resource.spec.deploymentName ?? '', signal)
      : resource;
  const config = resourceConfig(base, cluster?.spec.flinkConfiguration, resource.spec.flinkConfiguration);
  const jobStatus = resource.status?.jobStatus;
  return {
    target: { kind: 'found', jobId: jobStatus?.jobId, jobState: jobStatus?.state, description },
    cluster,
    config,
  };
}

export function createSnapshotController(
  options: SnapshotControllerOptions = {},
): Controller<FlinkStateSnapshot> {
  let resolver = options.resolveRestAddress;
  const resolve = (client: KubeClient, ctx: ReconcileContext<FlinkStateSnapshot>): RestAddressResolver => {
    resolver ??= restAddressResolver(client, () => ctx.config);
    return resolver;
  };

  async function restFor(
    ref: Referenced,
    ctx: ReconcileContext<FlinkStateSnapshot>,
  ): Promise<FlinkRestClient> {
    if (!ref.cluster) throw new Error('the cluster running the referenced job was not found');
    return restClientFor(
      ref.cluster,
      resolve(ctx.client, ctx),
      ref.config.get(JobOptions.clientTimeout),
      ctx.signal,
    );
  }

  async function writeStatus(ctx: ReconcileContext<FlinkStateSnapshot>, status: SnapshotStatus) {
    return ctx.updateStatus<SnapshotStatus>(() => status);
  }

  async function syncLabels(ctx: ReconcileContext<FlinkStateSnapshot>, snapshot: FlinkStateSnapshot) {
    const wanted = snapshotLabels(snapshot);
    const current = snapshot.metadata.labels ?? {};
    if (Object.entries(wanted).every(([k, v]) => current[k] === v)) return;
    await ctx.client.patch(
      FLINK_STATE_SNAPSHOTS,
      snapshot.metadata.namespace,
      snapshot.metadata.name ?? '',
      {
        metadata: { labels: wanted },
      },
      { signal: ctx.signal },
    );
  }

  async function reconcile(
    raw: FlinkStateSnapshot,
    ctx: ReconcileContext<FlinkStateSnapshot>,
  ): Promise<Action> {
    const snapshot = applyStateSnapshotDefaults(raw);
    const status = snapshot.status ?? {};
    const now = () => new Date().toISOString();
    if (isFinished(status.state)) {
      await syncLabels(ctx, snapshot);
      return Action.awaitChange();
    }
    const ref = await readReference(ctx.client, snapshot, ctx.config, ctx.signal);
    const structural = validateStateSnapshot(snapshot, {
      target: ref.target.kind === 'missing' ? null : {},
    }).filter((e) => !e.message.startsWith('Target for snapshot'));
    let next: SnapshotStatus = status;
    let action: Action = Action.requeueAfter(ref.config.get(JobOptions.progressCheckInterval));
    const step =
      structural.length > 0
        ? ({ type: 'fail', message: structural.map((e) => e.message).join('; ') } as const)
        : planSnapshot(snapshot, ref.target);
    const kindWord = isSavepoint(snapshot) ? 'Savepoint' : 'Checkpoint';
    try {
      switch (step.type) {
        case 'none':
          return Action.awaitChange();
        case 'wait':
          return Action.requeueAfter(step.retryInMs);
        case 'complete-existing':
          next = {
            ...status,
            state: 'COMPLETED',
            path: step.path,
            error: undefined,
            triggerTimestamp: now(),
            resultTimestamp: now(),
          };
          break;
        case 'fail':
          await ctx.recordEvent({ type: 'Warning', reason: 'ValidationError', message: step.message });
          next = { ...status, state: 'FAILED', error: step.message, resultTimestamp: now() };
          break;
        case 'abandon':
          await ctx.recordEvent({
            type: 'Warning',
            reason: 'SnapshotAbandoned',
            component: 'Snapshot',
            message: step.message,
          });
          next = {
            ...status,
            state: 'ABANDONED',
            path: undefined,
            error: step.message,
            resultTimestamp: now(),
          };
          break;
        case 'trigger': {
          const rest = await restFor(ref, ctx);
          let triggerId: string;
          if (snapshot.spec.savepoint) {
            const directory = snapshot.spec.savepoint.path ?? savepointDirectory(ref.config);
            if (!directory) {
              throw new Error(
                `Either the savepoint path in the spec or configuration ${SnapshotOptions.savepointDir.key} in the Flink resource has to be supplied`,
              );
            }
            const formatType = snapshot.spec.savepoint.formatType === 'NATIVE' ? 'NATIVE' : 'CANONICAL';
            triggerId = await rest.triggerSavepoint(step.jobId, { targetDirectory: directory, formatType });
          } else {
            if (!flinkTriggersCheckpoints(ref.cluster?.spec.flinkVersion)) {
              throw new Error(
                'Manual checkpoint triggering is not supported for this Flink job (requires Flink 1.17+)',
              );
            }
            triggerId = await rest.triggerCheckpoint(step.jobId, { checkpointType: 'FULL' });
          }
          next = { ...status, state: 'IN_PROGRESS', triggerId, triggerTimestamp: now(), error: undefined };
          action = Action.requeueAfter(Math.min(1_000, ref.config.get(JobOptions.progressCheckInterval)));
          break;
        }
        case 'poll': {
          const rest = await restFor(ref, ctx);
          const result = snapshot.spec.savepoint
            ? await pollSavepoint(rest, step.jobId, step.triggerId)
            : await pollCheckpoint(rest, step.jobId, step.triggerId);
          if (result.kind === 'pending') break;
          if (result.kind === 'failed') throw new Error(result.message);
          next = {
            ...status,
            state: 'COMPLETED',
            path: result.path,
            error: undefined,
            resultTimestamp: now(),
          };
          break;
        }
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed = failedAttempt(status, snapshot.spec.backoffLimit ?? -1, message, now());
      await ctx.recordEvent({ type: 'Warning', reason: `${kindWord}Error`, component: 'Snapshot', message });
      next = failed.status;
      action = failed.retryInMs === undefined ? Action.awaitChange() : Action.requeueAfter(failed.retryInMs);
    }
    const written = next === status ? snapshot : await writeStatus(ctx, next);
    await syncLabels(ctx, { ...snapshot, metadata: written.metadata, status: next });
    return isFinished(next.state) ? Action.awaitChange() : action;
  }

  async function cleanup(
    raw: FlinkStateSnapshot,
    ctx: ReconcileContext<FlinkStateSnapshot>,
  ): Promise<Action | void> {
    const snapshot = applyStateSnapshotDefaults(raw);
    const savepoint = snapshot.spec.savepoint;
    if (!savepoint?.disposeOnDelete || !snapshot.spec.jobReference?.name) return;
    const state = snapshot.status?.state;
    if (state === 'IN_PROGRESS') return Action.reschedule();
    const path = snapshot.status?.path;
    if (state !== 'COMPLETED' || !path) return;
    const ref = await readReference(ctx.client, snapshot, ctx.config, ctx.signal);
    if (!ref.cluster) {
      // Nothing can reach the data any more; keeping the resource would only block its deletion.
      await ctx.recordEvent({
        type: 'Warning',
        reason: 'CleanupFailed',
        component: 'Snapshot',
        message: `Savepoint ${path} was not disposed: ${ref.target.kind === 'missing' ? ref.target.message : 'the cluster of the referenced job was not found'}`,
      });
      return;
    }
    if (ref.cluster.status?.jobManagerDeploymentStatus !== 'READY') {
      await ctx.recordEvent({
        type: 'Warning',
        reason: 'CleanupFailed',
        component: 'Snapshot',
        message: `Cannot dispose of savepoint ${path}: the cluster of ${snapshot.spec.jobReference.kind ?? 'FlinkDeployment'} ${snapshot.spec.jobReference.name} is not available`,
      });
      return Action.reschedule();
    }
    try {
      const rest = await restFor(ref, ctx);
      await disposeSavepoint(rest.baseUrl, path, {
        requestTimeoutMs: ref.config.get(JobOptions.clientTimeout),
      });
    } catch (err) {
      await ctx.recordEvent({
        type: 'Warning',
        reason: 'CleanupFailed',
        component: 'Snapshot',
        message: err instanceof Error ? err.message : String(err),
      });
      return Action.reschedule();
    }
  }

  return new Controller<FlinkStateSnapshot>({
    name: 'FlinkStateSnapshot',
    resource: FLINK_STATE_SNAPSHOTS,
    finalizer: SNAPSHOT_FINALIZER,
    reconcile,
    cleanup,
  });
}

type PollResult = { kind: 'pending' } | { kind: 'failed'; message: string } | { kind: 'done'; path: string };

async function pollSavepoint(rest: FlinkRestClient, jobId: string, triggerId: string): Promise<PollResult> {
  const answer = await rest.savepointStatus(jobId, triggerId);
  if (answer.status.id !== 'COMPLETED') return { kind: 'pending' };
  const location = answer.operation?.location;
  if (location) return { kind: 'done', path: location };
  return { kind: 'failed', message: `Savepoint failed: ${failureText(answer.operation?.['failure-cause'])}` };
}

export async function pollCheckpoint(
  rest: FlinkRestClient,
  jobId: string,
  triggerId: string,
): Promise<PollResult> {
  const answer = await rest.checkpointStatus(jobId, triggerId);
  if (answer.status.id !== 'COMPLETED') return { kind: 'pending' };
  const id = answer.operation?.checkpointId;
  if (id === undefined) {
    return { kind: 'failed', message: `Checkpoint failed: ${failureText(answer.operation?.failureCause)}` };
  }
  // The statistics may be cached (rest.cache.checkpoint-statistics.timeout) or already name a newer
  // checkpoint: find this one by id, and ask again while Flink's view has not caught up.
  const stats = await rest.checkpointStatistics(jobId);
  const seen = [...(stats.latest.completed ? [stats.latest.completed] : []), ...(stats.history ?? [])];
  const checkpoint = seen.find((c) => c.id === id);
  if (checkpoint) return { kind: 'done', path: checkpoint.external_path ?? '' };
  // Gone from the history behind newer checkpoints: completed, but its path is no longer listed.
  if (!checkpoint && seen.some((c) => c.id > id)) return { kind: 'done', path: '' };
  return { kind: 'pending' };
}
