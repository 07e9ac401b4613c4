/**
 * `status.reconciliationStatus.lastReconciledSpec` / `lastStableSpec` hold a spec as a JSON string
 * in the compatible operator's shape: `{"spec": {...}, "resource_metadata": {"apiVersion": ...,
 * "firstDeployment": bool}}`. Older writers stored the bare spec; both are read.
 */
import { API_VERSION } from '../../api/index.ts';

export interface ReconciledSpec<S> {
  spec: S;
  firstDeployment: boolean;
}

export function parseReconciledSpec<S>(text: string | undefined): ReconciledSpec<S> | undefined {
  if (!text || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record.spec && typeof record.spec === 'object') {
    const meta = (record.resource_metadata ?? {}) as { firstDeployment?: unknown };
    return { spec: record.spec as S, firstDeployment: meta.firstDeployment === true };
  }
  const { apiVersion: _dropped, ...bare } = record;
  return { spec: bare as S, firstDeployment: false };
}

export function serializeReconciledSpec<S>(spec: S, firstDeployment: boolean): string {
  return JSON.stringify({ spec, resource_metadata: { apiVersion: API_VERSION, firstDeployment } });
}
