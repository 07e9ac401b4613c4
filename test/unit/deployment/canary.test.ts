import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { CanaryMonitor } from '../../../src/controllers/common/canary.ts';
import { createLogger, type KubeClient } from '../../../src/runtime/index.ts';
import type { ResourceType } from '../../../src/runtime/kube/types.ts';

const DEPLOYMENTS: ResourceType = {
  group: 'flink.apache.org',
  version: 'v1beta1',
  plural: 'flinkdeployments',
  kind: 'FlinkDeployment',
  namespaced: true,
};
const TIMEOUT = 60_000;

/** Records the spec patches the monitor sends, as the API server would see them. */
function fakeClient() {
  const patches: unknown[] = [];
  const client = {
    patch: (_rt: ResourceType, _ns: string, _name: string, body: unknown) => {
      patches.push(body);
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  return { client, patches };
}

const canary = (
  generation: number,
  restartNonce?: number,
  labels = { 'flink.apache.org/canary': 'true' },
) => ({
  metadata: { name: 'canary', namespace: 'ns', generation, labels },
  spec: restartNonce === undefined ? {} : { restartNonce },
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('a canary is bumped at once and stays healthy while each bump is reconciled within the timeout', async () => {
  const { client, patches } = fakeClient();
  const monitor = new CanaryMonitor({ timeoutMs: () => TIMEOUT, log: createLogger({ level: 'silent' }) });
  const leadership = new AbortController();
  assert.equal(monitor.reconciled(canary(1), DEPLOYMENTS, { client, signal: leadership.signal }), true);
  await settle();
  assert.deepEqual(patches, [{ spec: { restartNonce: 1 } }]);
  monitor.reconciled(canary(2, 1), DEPLOYMENTS, { client, signal: leadership.signal });
  mock.timers.tick(TIMEOUT);
  await settle();
  assert.deepEqual(monitor.health(), { ok: true });
  assert.deepEqual(patches.at(-1), { spec: { restartNonce: 2 } }, 'the next bump follows the check');
  leadership.abort();
  assert.equal(monitor.tracked, 0, 'a lost leadership forgets the canaries');
});

test('a canary not reconciled after its bump within the timeout fails liveness until it is reconciled again', async () => {
  const { client } = fakeClient();
  const monitor = new CanaryMonitor({ timeoutMs: () => TIMEOUT, log: createLogger({ level: 'silent' }) });
  const ctx = { client, signal: new AbortController().signal };
  monitor.reconciled(canary(1), DEPLOYMENTS, ctx);
  await settle();
  mock.timers.tick(TIMEOUT);
  await settle();
  const health = monitor.health();
  assert.equal(health.ok, false);
  assert.match(health.reason ?? '', /canary FlinkDeployment ns\/canary/);
  monitor.reconciled(canary(3, 2), DEPLOYMENTS, ctx);
  mock.timers.tick(TIMEOUT);
  await settle();
  assert.equal(monitor.health().ok, true);
});

test('resources without the canary label are not canaries; a deleted canary is forgotten', async () => {
  const { client, patches } = fakeClient();
  const monitor = new CanaryMonitor({ timeoutMs: () => TIMEOUT, log: createLogger({ level: 'silent' }) });
  const ctx = { client, signal: new AbortController().signal };
  assert.equal(
    monitor.reconciled(canary(1, undefined, { 'flink.apache.org/canary': 'false' }), DEPLOYMENTS, ctx),
    false,
  );
  assert.deepEqual(patches, []);
  monitor.reconciled(canary(1), DEPLOYMENTS, ctx);
  await settle();
  assert.equal(monitor.deleted(canary(1), DEPLOYMENTS), true);
  assert.equal(monitor.tracked, 0);
  mock.timers.tick(TIMEOUT);
  await settle();
  assert.equal(patches.length, 1, 'no bump after deletion');
});
