import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../../src/runtime/store.ts';
import type { KubeObject } from '../../../src/runtime/kube/types.ts';

test('the cache keeps objects without their managedFields', () => {
  const store = new Store<KubeObject>();
  const obj = {
    metadata: { name: 'a', namespace: 'ns', resourceVersion: '7', managedFields: [{ manager: 'kubectl' }] },
  } as KubeObject;
  store.set(obj);
  assert.deepEqual(store.get('ns/a'), { metadata: { name: 'a', namespace: 'ns', resourceVersion: '7' } });
});
