import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { binaryPath } from '../../../src/devcluster/versions.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

before(async () => {
  ns = await createTestNamespace(kc, 'agent');
});
after(async () => {
  await ns.remove();
});

function kubectl(...args: string[]): string {
  return execFileSync(
    binaryPath('kubectl'),
    ['--kubeconfig', process.env.FLINK_OPERATOR_TEST_KUBECONFIG!, ...args],
    {
      encoding: 'utf8',
    },
  );
}

async function podWhen(name: string, what: string, check: (pod: k8s.V1Pod) => boolean): Promise<k8s.V1Pod> {
  return eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace: ns.name });
      return check(pod) ? pod : undefined;
    },
    { what: `pod ${name}: ${what}`, timeoutMs: 30_000 },
  );
}

/** Pids of processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a pod runs as a local process on its own loopback address, ends Succeeded, and kubectl logs shows its output', async () => {
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'hello' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'main', image: 'busybox', command: ['sh', '-c', 'echo hello from $HOSTNAME; sleep 2'] },
        ],
      },
    },
  });
  const running = await podWhen('hello', 'Running and Ready', (p) =>
    Boolean(
      p.status?.phase === 'Running' &&
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ),
  );
  assert.match(running.status?.podIP ?? '', /^127\.\d+\.\d+\.\d+$/);
  assert.notEqual(running.status?.podIP, '127.0.0.1');
  assert.equal(running.spec?.nodeName, 'local-node');
  const done = await podWhen('hello', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.equal(kubectl('logs', '-n', ns.name, 'hello').trim(), 'hello from hello');
});

test('ConfigMap and Secret volumes, and env from fields, ConfigMaps and Secrets reach the process', async () => {
  await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: { metadata: { name: 'settings' }, data: { 'greeting.txt': 'bonjour', mode: 'batch' } },
  });
  await core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'creds' }, stringData: { password: 's3cret' } },
  });
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'env-and-volumes' },
      spec: {
        restartPolicy: 'Never',
        volumes: [
          { name: 'cfg', configMap: { name: 'settings' } },
          { name: 'sec', secret: { secretName: 'creds' } },
          { name: 'scratch', emptyDir: {} },
        ],
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: [
              'sh',
              '-c',
              'echo "$(cat /etc/cfg/greeting.txt) $(cat /etc/sec/password) $MODE $NS $IP $PASS"; echo x > /scratch/f && cat /scratch/f',
            ],
            env: [
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            ],
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'sec', mountPath: '/etc/sec' },
              { name: 'scratch', mountPath: '/scratch' },
            ],
          },
        ],
      },
    },
  });
  const pod = await podWhen('env-and-volumes', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  const lines = kubectl('logs', '-n', ns.name, 'env-and-volumes').trim().split('\n');
  assert.deepEqual(lines, [`bonjour s3cret batch ${ns.name} ${pod.status?.podIP} s3cret`, 'x']);
});

test('$(VAR) references in command and args are expanded from the container env as the kubelet does', async () => {
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'expand-args' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['echo', 'ns=$(NS)'],
            args: ['-D', 'jobmanager.rpc.address=$(_POD_IP_ADDRESS)', '$$(_POD_IP_ADDRESS)', '$(UNDEFINED)'],
            env: [
              { name: '_POD_IP_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
          },
        ],
      },
    },
  });
  const pod = await podWhen('expand-args', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  assert.match(pod.status?.podIP ?? '', /^127\./);
  assert.equal(
    kubectl('logs', '-n', ns.name, 'expand-args').trim(),
    `ns=${ns.name} -D jobmanager.rpc.address=${pod.status?.podIP} $(_POD_IP_ADDRESS) $(UNDEFINED)`,
  );
});

test('a crashing container is restarted with back-off and its restarts are counted', async () => {
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'crasher' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo crash; exit 3'] }] },
    },
  });
  const pod = await podWhen(
    'crasher',
    'restarted at least once',
    (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
  );
  const status = pod.status?.containerStatuses?.[0];
  assert.equal(pod.status?.phase, 'Running');
  const last = status?.state?.terminated ?? status?.lastState?.terminated;
  if (last) assert.equal(last.exitCode, 3);
  await podWhen(
    'crasher',
    'in CrashLoopBackOff',
    (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
  );
});

test('an image the agent cannot run is reported as ErrImagePull with a message saying why', async () => {
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'unknown-image' },
      spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
    },
  });
  const pod = await podWhen(
    'unknown-image',
    'waiting with ErrImagePull',
    (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull',
  );
  assert.match(
    pod.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '',
    /image "nginx:1\.27" cannot be run by the local node agent/,
  );
});

test('deleting a pod ends its processes', async () => {
  const marker = `marker-${ns.name}`;
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'sleeper' },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `sleep 600; echo ${marker}`] }],
      },
    },
  });
  await podWhen('sleeper', 'Running', (p) => p.status?.phase === 'Running');
  assert.equal(processesWith(marker).length, 1);
  await core.deleteNamespacedPod({ name: 'sleeper', namespace: ns.name });
  await eventually(
    async () => {
      const list = await core.listNamespacedPod({ namespace: ns.name });
      return list.items.some((p) => p.metadata?.name === 'sleeper') ? undefined : true;
    },
    { what: 'the pod to be gone' },
  );
  assert.deepEqual(processesWith(marker), []);
});

test('a Deployment gets its replicas running with distinct addresses', async () => {
  await apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name: 'pair' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'pair' } },
        template: {
          metadata: { labels: { app: 'pair' } },
          spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '600'] }] },
        },
      },
    },
  });
  await eventually(
    async () => {
      const d = await apps.readNamespacedDeployment({ name: 'pair', namespace: ns.name });
      return d.status?.readyReplicas === 2 ? true : undefined;
    },
    { what: 'two ready replicas', timeoutMs: 30_000 },
  );
  const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=pair' });
  const ips = new Set(pods.items.map((p) => p.status?.podIP));
  assert.equal(ips.size, 2);
});
