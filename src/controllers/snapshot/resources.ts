/**
 * FlinkStateSnapshot resources made on behalf of jobs: upgrade, periodic and manual snapshots of
 * a FlinkDeployment or FlinkSessionJob, and the history limits that delete old ones. Deleting a
 * snapshot resource disposes its savepoint when its `disposeOnDelete` says so (the snapshot
 * controller's finalizer does that).
 */
import type { FlinkDeployment, FlinkSessionJob, FlinkStateSnapshot } from '../../api/index.ts';
import { isNotFound, type KubeClient, type OperatorConfig, type ResourceType } from '../../runtime/index.ts';
import { SnapshotOptions } from '../common/options.ts';
import {
  SNAPSHOT_LABELS,
  isSavepoint,
  snapshotLabels,
  triggerTypeOf,
  type SnapshotTriggerType,
} from './labels.ts';

export const FLINK_STATE_SNAPSHOTS: ResourceType = {
  group: 'flink.apache.org',
  version: 'v1beta1',
  plural: 'flinkstatesnapshots',
  kind: 'FlinkStateSnapshot',
  namespaced: true,
};

export type SnapshotOwner = FlinkDeployment | FlinkSessionJob;

export interface NewSnapshot {
  owner: SnapshotOwner;
  type: 'savepoint' | 'checkpoint';
  triggerType: Exclude<SnapshotTriggerType, 'UNKNOWN'>;
  /** A savepoint already taken (e.g. by stop-with-savepoint for an upgrade): registered, not triggered. */
  completedPath?: string;
  /** Where to write a savepoint to be triggered; the job's configured savepoint folder when omitted. */
  targetDirectory?: string;
}

/** `kubernetes.operator.snapshot.resource.enabled` for this resource's configuration. */
export const snapshotResourcesEnabled = (config: OperatorConfig): boolean =>
  config.get(SnapshotOptions.resourceEnabled);

/** Creates the FlinkStateSnapshot; its format and disposal come from the resource's configuration. */
export async function createSnapshotResource(
  client: KubeClient,
  config: OperatorConfig,
  request: NewSnapshot,
  now = Date.now(),
): Promise<FlinkStateSnapshot> {
  const { owner, type, triggerType } = request;
  const name = `${owner.metadata.name}-${type}-${triggerType.toLowerCase()}-${now}`;
  const formatType =
    config.get(SnapshotOptions.savepointFormatType).toUpperCase() === 'NATIVE' ? 'NATIVE' : 'CANONICAL';
  const snapshot: FlinkStateSnapshot = {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkStateSnapshot',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { [SNAPSHOT_LABELS.triggerType]: triggerType },
    },
    spec: {
      jobReference: { kind: owner.kind, name: owner.metadata.name },
      ...(type === 'savepoint'
        ? {
            savepoint: {
              path: request.completedPath ?? request.targetDirectory,
              formatType,
              disposeOnDelete: config.get(SnapshotOptions.disposeOnDelete),
              alreadyExists: request.completedPath !== undefined,
            },
          }
        : { checkpoint: {} }),
    },
  };
  snapshot.metadata.labels = snapshotLabels(snapshot);
  return client.create(FLINK_STATE_SNAPSHOTS, snapshot);
}

export interface HistoryLimits {
  maxCount: number;
  maxAgeMs: number;
  checkpointsRetained: number;
}

/** The savepoint history limits of a resource, capped by the operator-level thresholds. */
export function historyLimits(config: OperatorConfig): HistoryLimits {
  const countThreshold = config.get(SnapshotOptions.historyMaxCountThreshold);
  const ageThreshold = config.get(SnapshotOptions.historyMaxAgeThreshold);
  const count = config.get(SnapshotOptions.historyMaxCount);
  const age = config.get(SnapshotOptions.historyMaxAge);
  return {
    maxCount: Math.max(1, countThreshold === undefined ? count : Math.min(count, countThreshold)),
    maxAgeMs: ageThreshold === undefined ? age : Math.min(age, ageThreshold),
    checkpointsRetained: Math.max(1, config.get(SnapshotOptions.checkpointsRetained)),
  };
}

const created = (s: FlinkStateSnapshot): number => Date.parse(s.metadata.creationTimestamp ?? '') || 0;

/**
 * The snapshots of `owner` that the history limits drop: periodic and upgrade snapshots only
 * (manual ones are the user's), newest first kept; savepoints beyond the count or older than
 * the age, checkpoints beyond the retained number. The newest completed one is always kept.
 */
export function snapshotsBeyondLimits(
  snapshots: FlinkStateSnapshot[],
  owner: SnapshotOwner,
  limits: HistoryLimits,
  now: number,
): FlinkStateSnapshot[] {
  const mine = snapshots.filter(
    (s) =>
      !s.metadata.deletionTimestamp &&
      s.spec.jobReference?.kind === owner.kind &&
      s.spec.jobReference?.name === owner.metadata.name &&
      (triggerTypeOf(s) === 'PERIODIC' || triggerTypeOf(s) === 'UPGRADE'),
  );
  const drop: FlinkStateSnapshot[] = [];
  for (const savepoints of [true, false]) {
    const group = mine.filter((s) => isSavepoint(s) === savepoints).sort((a, b) => created(b) - created(a));
    const keep = group.find((s) => s.status?.state === 'COMPLETED');
    const maxCount = savepoints ? limits.maxCount : limits.checkpointsRetained;
    group.forEach((s, index) => {
      if (s === keep) return;
      const tooOld = savepoints && now - created(s) > limits.maxAgeMs;
      if (index >= maxCount || tooOld) drop.push(s);
    });
  }
  return drop;
}

/** Deletes the owner's snapshot resources beyond its history limits; returns their names. */
export async function applySnapshotHistoryLimits(
  client: KubeClient,
  config: OperatorConfig,
  owner: SnapshotOwner,
  now = Date.now(),
): Promise<string[]> {
  const list = await client.list<FlinkStateSnapshot>(FLINK_STATE_SNAPSHOTS, owner.metadata.namespace, {
    labelSelector: `${SNAPSHOT_LABELS.referenceKind}=${owner.kind},${SNAPSHOT_LABELS.referenceName}=${owner.metadata.name}`,
  });
  const drop = snapshotsBeyondLimits(list.items, owner, historyLimits(config), now);
  for (const snapshot of drop) {
    await client
      .delete(FLINK_STATE_SNAPSHOTS, snapshot.metadata.namespace, snapshot.metadata.name ?? '')
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
  return drop.map((s) => s.metadata.name ?? '');
}
