/** Labels a FlinkStateSnapshot carries, with the names and values the compatible operator uses. */
import type { FlinkStateSnapshot } from '../../api/index.ts';

export const SNAPSHOT_LABELS = {
  type: 'snapshot.type',
  triggerType: 'snapshot.trigger-type',
  state: 'snapshot.state',
  referenceKind: 'job-reference.kind',
  referenceName: 'job-reference.name',
} as const;

export type SnapshotTriggerType = 'MANUAL' | 'PERIODIC' | 'UPGRADE' | 'UNKNOWN';

export const isSavepoint = (snapshot: FlinkStateSnapshot): boolean =>
  !!snapshot.spec.savepoint && typeof snapshot.spec.savepoint === 'object';

export function triggerTypeOf(snapshot: FlinkStateSnapshot): SnapshotTriggerType {
  const value = snapshot.metadata.labels?.[SNAPSHOT_LABELS.triggerType];
  return value === 'MANUAL' || value === 'PERIODIC' || value === 'UPGRADE' ? value : 'UNKNOWN';
}

/** The labels describing the snapshot now; a snapshot without a trigger type counts as MANUAL. */
export function snapshotLabels(snapshot: FlinkStateSnapshot): Record<string, string> {
  const labels: Record<string, string> = {
    [SNAPSHOT_LABELS.type]: isSavepoint(snapshot) ? 'SAVEPOINT' : 'CHECKPOINT',
    [SNAPSHOT_LABELS.triggerType]: snapshot.metadata.labels?.[SNAPSHOT_LABELS.triggerType] ?? 'MANUAL',
  };
  if (snapshot.status?.state) labels[SNAPSHOT_LABELS.state] = snapshot.status.state;
  const reference = snapshot.spec.jobReference;
  if (reference?.kind) labels[SNAPSHOT_LABELS.referenceKind] = reference.kind;
  if (reference?.name) labels[SNAPSHOT_LABELS.referenceName] = reference.name;
  return labels;
}
