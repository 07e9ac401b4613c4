import { isConflict } from './errors.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeObject, ResourceType } from './kube/types.ts';

export interface StatusUpdateOptions {
  /** How many times to re-read and re-apply after a conflict. */
  maxConflictRetries?: number;
  signal?: AbortSignal;
}

/**
 * Writes the status computed by `change` through the status subresource, guarded by the
 * object's resourceVersion. On 409 Conflict it re-reads the object and applies `change` again to
 * the fresh status, so no concurrent write is lost. The status subresource ignores spec and
 * metadata in the body, so a status write can never overwrite the spec.
 * Returns the object as stored after the write.
 */
export async function updateStatus<T extends KubeObject & { status?: S }, S>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  change: (status: S | undefined, current: T) => S,
  opts: StatusUpdateOptions = {},
): Promise<T> {
  const retries = opts.maxConflictRetries ?? 5;
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    const status = change(structuredClone(current.status), current);
    try {
      return await client.replace<T>(rt, { ...current, status }, 'status', opts.signal);
    } catch (err) {
      if (!isConflict(err) || attempt >= retries) throw err;
      current = await client.get<T>(rt, obj.metadata.namespace, obj.metadata.name as string, opts.signal);
    }
  }
}
