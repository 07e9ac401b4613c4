/**
 * FlinkStateSnapshot: the controller, and the helpers other controllers call when
 * `kubernetes.operator.snapshot.resource.enabled` is true (record upgrade, periodic and manual
 * snapshots as resources; apply the savepoint history limits).
 */
export {
  createSnapshotController,
  SNAPSHOT_FINALIZER,
  type SnapshotControllerOptions,
} from './controller.ts';
export {
  FLINK_STATE_SNAPSHOTS,
  createSnapshotResource,
  applySnapshotHistoryLimits,
  snapshotsBeyondLimits,
  historyLimits,
  snapshotResourcesEnabled,
  type NewSnapshot,
  type HistoryLimits,
  type SnapshotOwner,
} from './resources.ts';
export { SNAPSHOT_LABELS, snapshotLabels, type SnapshotTriggerType } from './labels.ts';
export { disposeSavepoint } from './disposal.ts';
