import { objectKey, type KubeObject } from './kube/types.ts';

/** The in-memory cache of one watched collection, keyed by `namespace/name`. */
export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Stores `obj` without its managedFields: server-side apply bookkeeping that nothing here reads. */
  set(obj: T): T | undefined {
    delete (obj.metadata as { managedFields?: unknown }).managedFields;
    const key = objectKey(obj);
    const previous = this.items.get(key);
    this.items.set(key, obj);
    return previous;
  }

  delete(key: string): T | undefined {
    const previous = this.items.get(key);
    this.items.delete(key);
    return previous;
  }
}
