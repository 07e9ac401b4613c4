import { isConflict, isNotFound } from './errors.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeObject, ResourceType } from './kube/types.ts';

export const hasFinalizer = (obj: KubeObject, finalizer: string): boolean =>
  obj.metadata.finalizers?.includes(finalizer) ?? false;

/**
 * Sets the finalizer list computed from the current one, guarded by resourceVersion so a
 * concurrent change to the list is never overwritten; on conflict re-reads and recomputes.
 * Returns the updated object, or undefined when the object no longer exists.
 */
async function changeFinalizers<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  compute: (current: string[]) => string[] | undefined,
  signal?: AbortSignal,
): Promise<T | undefined> {
  let current: T = obj;
  for (let attempt = 0; ; attempt++) {
    const next = compute(current.metadata.finalizers ?? []);
    if (!next) return current;
    try {
      return await client.patch<T>(
        rt,
        current.metadata.namespace,
        current.metadata.name as string,
        { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: next } },
        { type: 'merge', signal },
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err) || attempt >= 10) throw err;
      try {
        current = await client.get<T>(rt, obj.metadata.namespace, obj.metadata.name as string, signal);
      } catch (readErr) {
        if (isNotFound(readErr)) return undefined;
        throw readErr;
      }
    }
  }
}

/** Adds the finalizer unless present (or the object is already being deleted). */
export function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T | undefined> {
  return changeFinalizers(
    client,
    rt,
    obj,
    (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]),
    signal,
  );
}

/** Removes the finalizer if present; the object may disappear as a result. */
export function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T | undefined> {
  return changeFinalizers(
    client,
    rt,
    obj,
    (list) => (list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined),
    signal,
  );
}
