/** Validation of FlinkStateSnapshot resources. */
import { FLINK_STATE_SNAPSHOT } from '../kinds.ts';
import { ErrorList, field, isRecord, type JsonRecord, type ValidationError } from './errors.ts';
import { structuralErrors } from './structure.ts';

export interface SnapshotValidationOptions {
  /**
   * The FlinkDeployment or FlinkSessionJob the snapshot refers to: `null` when it was looked up
   * and not found, undefined when not looked up.
   */
  target?: unknown;
}

/** Everything wrong with a FlinkStateSnapshot. Never throws. */
export function validateStateSnapshot(
  snapshot: unknown,
  options: SnapshotValidationOptions = {},
): ValidationError[] {
  try {
    const structural = structuralErrors(FLINK_STATE_SNAPSHOT, snapshot);
    if (structural.length > 0) return structural;
    return semanticErrors(snapshot as JsonRecord, options);
  } catch (err) {
    return [
      {
        path: '',
        message: `Validation failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
      },
    ];
  }
}

function semanticErrors(snapshot: JsonRecord, options: SnapshotValidationOptions): ValidationError[] {
  const errors = new ErrorList();
  const spec = isRecord(snapshot.spec) ? snapshot.spec : {};
  const isSavepoint = isRecord(spec.savepoint);
  const isCheckpoint = isRecord(spec.checkpoint);
  if (isSavepoint === isCheckpoint) {
    errors.add('spec', 'Exactly one of checkpoint or savepoint configurations has to be set.');
    return errors.errors;
  }
  if (isSavepoint && field(spec, 'savepoint', 'alreadyExists') === true) {
    // Nothing is triggered for an existing savepoint: without its path there is nothing to record.
    const path = field(spec, 'savepoint', 'path');
    if (typeof path !== 'string' || path.trim() === '')
      errors.add(
        'spec.savepoint.path',
        'The path of an existing savepoint (alreadyExists: true) must be set',
      );
    return errors.errors;
  }
  const reference = spec.jobReference;
  if (!isRecord(reference) || typeof reference.name !== 'string' || reference.name === '') {
    errors.add('spec.jobReference', 'Job reference must be supplied for this snapshot');
    return errors.errors;
  }
  const state = field(snapshot, 'status', 'state');
  if (options.target === null && (state === undefined || state === 'TRIGGER_PENDING')) {
    const namespace = field(snapshot, 'metadata', 'namespace');
    errors.add(
      'spec.jobReference',
      `Target for snapshot ${typeof namespace === 'string' ? namespace : 'null'}/${reference.name} was not found`,
    );
  }
  return errors.errors;
}
