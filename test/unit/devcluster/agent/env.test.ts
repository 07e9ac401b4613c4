import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEnv, type DataSource } from '../../../../src/devcluster/agent/env.ts';
import { LaunchError, rewriteMountedPaths, toHostPath } from '../../../../src/devcluster/agent/runtimes.ts';

const data: DataSource = {
  configMap: async (_ns, name) => (name === 'cm' ? { a: '1', b: '2' } : undefined),
  secret: async (_ns, name) => (name === 's' ? { token: 't0k' } : undefined),
};

const pod = {
  metadata: { name: 'p', namespace: 'ns1', labels: { app: 'x' } },
  spec: { nodeName: 'local-node', containers: [] },
};

test('env resolves envFrom, literal values with $(VAR) expansion, and field/resource references in order', async () => {
  const env = await resolveEnv(
    pod,
    {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'BASE', value: '/opt' },
        { name: 'HOME_DIR', value: '$(BASE)/home $$(BASE) $(MISSING)' },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
      ],
      resources: { limits: { memory: '1Gi' } },
    },
    '127.10.0.9',
    data,
  );
  assert.deepEqual(env, {
    CM_a: '1',
    CM_b: '2',
    BASE: '/opt',
    HOME_DIR: '/opt/home $(BASE) $(MISSING)',
    IP: '127.10.0.9',
    APP: 'x',
    MEM: String(1024 ** 3),
    TOKEN: 't0k',
  });
});

test('a missing ConfigMap key is a CreateContainerConfigError unless optional', async () => {
  const ref = (optional: boolean) => ({
    name: 'c',
    env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope', optional } } }],
  });
  await assert.rejects(
    resolveEnv(pod, ref(false), '127.10.0.1', data),
    (e: unknown) =>
      e instanceof LaunchError && e.reason === 'CreateContainerConfigError' && /nope/.test(e.message),
  );
  assert.deepEqual(await resolveEnv(pod, ref(true), '127.10.0.1', data), {});
});

test('mounted container paths map to the host folders behind them, longest mount first', () => {
  const mounts = [
    { containerPath: '/opt/flink', hostPath: '/h/flink', readOnly: false },
    { containerPath: '/opt/flink/conf', hostPath: '/h/conf', readOnly: true },
  ];
  assert.equal(toHostPath(mounts, '/opt/flink/conf/config.yaml'), '/h/conf/config.yaml');
  assert.equal(toHostPath(mounts, '/opt/flink/lib'), '/h/flink/lib');
  assert.equal(toHostPath(mounts, '/opt/flinkx'), '/opt/flinkx');
  assert.equal(
    rewriteMountedPaths(mounts, 'cat /opt/flink/conf/a && ls /opt/flink'),
    'cat /h/conf/a && ls /h/flink',
  );
});
