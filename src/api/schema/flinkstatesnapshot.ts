/** FlinkStateSnapshot: one savepoint or checkpoint of a FlinkDeployment's or FlinkSessionJob's job. */
import { Type, type Static } from '@sinclair/typebox';
import { Marker, Obj, Opt, StringEnum } from './builders.ts';
import { SAVEPOINT_FORMAT_TYPES } from './common.ts';

export const JOB_REFERENCE_KINDS = ['FlinkDeployment', 'FlinkSessionJob'] as const;
export const SNAPSHOT_STATES = [
  'ABANDONED',
  'COMPLETED',
  'FAILED',
  'IN_PROGRESS',
  'TRIGGER_PENDING',
] as const;

export const FlinkStateSnapshotSpecSchema = Obj({
  jobReference: Opt(Obj({ kind: Opt(StringEnum(JOB_REFERENCE_KINDS)), name: Opt(Type.String()) })),
  savepoint: Opt(
    Obj({
      path: Opt(Type.String()),
      formatType: Opt(StringEnum(SAVEPOINT_FORMAT_TYPES)),
      disposeOnDelete: Opt(Type.Boolean()),
      alreadyExists: Opt(Type.Boolean()),
    }),
  ),
  checkpoint: Opt(Marker({ description: 'Set (to {}) to take a checkpoint instead of a savepoint.' })),
  backoffLimit: Opt(Type.Integer()),
});

export const FlinkStateSnapshotStatusSchema = Obj({
  state: Opt(StringEnum(SNAPSHOT_STATES)),
  triggerId: Opt(Type.String()),
  triggerTimestamp: Opt(Type.String()),
  resultTimestamp: Opt(Type.String()),
  path: Opt(Type.String()),
  error: Opt(Type.String()),
  failures: Opt(Type.Integer()),
});

export type FlinkStateSnapshotSpec = Static<typeof FlinkStateSnapshotSpecSchema>;
export type FlinkStateSnapshotStatus = Static<typeof FlinkStateSnapshotStatusSchema>;
