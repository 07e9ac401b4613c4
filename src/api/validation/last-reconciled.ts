/**
 * `status.reconciliationStatus.lastReconciledSpec` holds the last deployed spec as a JSON string,
 * either `{"spec": {...}, "resource_metadata": {...}}` or (written by older versions) the bare spec.
 */
import { field, isRecord, type JsonRecord } from './errors.ts';

export function lastReconciledSpec(resource: unknown): JsonRecord | undefined {
  const text = field(resource, 'status', 'reconciliationStatus', 'lastReconciledSpec');
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  return isRecord(parsed.spec) ? parsed.spec : parsed;
}
