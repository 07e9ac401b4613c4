import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { binaryPath } from '../../../src/devcluster/versions.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let podIp = '';

before(async () => {
  ns = await createTestNamespace(kc, 'exec');
  await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: { metadata: { name: 'settings' }, data: { 'app.conf': 'mode=batch\n' } },
  });
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'target' },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'cfg', configMap: { name: 'settings' } }],
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sleep', '600'],
            env: [
              { name: 'SOME_VAR', value: 'some value' },
              { name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }],
          },
        ],
      },
    },
  });
  const pod = await runningPod();
  podIp = pod.status!.podIP!;
});
after(async () => {
  await ns.remove();
});

function runningPod(minRestarts = 0): Promise<k8s.V1Pod> {
  return eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'target', namespace: ns.name });
      const status = pod.status?.containerStatuses?.[0];
      return status?.state?.running && (status.restartCount ?? 0) >= minRestarts ? pod : undefined;
    },
    { what: `pod target running after ${minRestarts} restart(s)`, timeoutMs: 30_000 },
  );
}

/** Runs the project's kubectl; its exit code, stdout and stderr. */
function kubectl(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(
    binaryPath('kubectl'),
    ['--kubeconfig', process.env.FLINK_OPERATOR_TEST_KUBECONFIG!, '-n', ns.name, ...args],
    { encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) },
  );
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('kubectl exec runs a command in the container and prints its output', () => {
  const res = kubectl(['exec', 'target', '--', 'echo', 'hi']);
  assert.deepEqual(res, { code: 0, stdout: 'hi\n', stderr: '' });
});

test("a failing command's stderr and exit code are kubectl's", () => {
  const res = kubectl(['exec', 'target', '--', 'sh', '-c', 'echo out; echo oops >&2; exit 3']);
  assert.equal(res.code, 3);
  assert.equal(res.stdout, 'out\n');
  assert.match(res.stderr, /^oops\n/);
  assert.match(res.stderr, /command terminated with exit code 3/);
});

test('with -i the command reads kubectl’s stdin to its end', () => {
  const read = kubectl(['exec', '-i', 'target', '--', 'sh', '-c', 'read x; echo "got:$x"'], 'line one\n');
  assert.deepEqual(read, { code: 0, stdout: 'got:line one\n', stderr: '' });
  const text = 'a\nb\n'.repeat(5000);
  const cat = kubectl(['exec', '-i', 'target', '--', 'cat'], text);
  assert.equal(cat.code, 0);
  assert.equal(cat.stdout, text);
});

test("the command sees the container's environment and its mounted paths", () => {
  assert.equal(kubectl(['exec', 'target', '--', 'printenv', 'SOME_VAR']).stdout, 'some value\n');
  assert.equal(kubectl(['exec', 'target', '--', 'printenv', 'MY_POD_IP']).stdout, `${podIp}\n`);
  assert.equal(kubectl(['exec', 'target', '--', 'cat', '/etc/app/app.conf']).stdout, 'mode=batch\n');
  const missing = kubectl(['exec', 'target', '--', 'no-such-command']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /"no-such-command": executable file not found/);
});

test(
  'with -it the command runs on a terminal of the client’s size and reads what is typed',
  { skip: fs.existsSync('/usr/bin/script') ? false : 'util-linux script(1) is not installed' },
  () => {
    // kubectl asks for a terminal only from one: run it on a pseudo-terminal of 91x37.
    const kubectlCommand = [
      binaryPath('kubectl'),
      `--kubeconfig=${process.env.FLINK_OPERATOR_TEST_KUBECONFIG!}`,
      `--namespace=${ns.name}`,
      'exec',
      '-it',
      'target',
      '--',
      'sh',
      '-c',
      'tty; stty size; read x; echo "got:$x"',
    ];
    const res = spawnSync(
      '/usr/bin/script',
      [
        '-q',
        '-e',
        '-c',
        `stty cols 91 rows 37; exec ${kubectlCommand.map((a) => `'${a}'`).join(' ')}`,
        '/dev/null',
      ],
      { encoding: 'utf8', timeout: 30_000, input: 'typed\n' },
    );
    assert.equal(res.status, 0, res.stdout);
    const lines = res.stdout.split(/\r?\n/).filter(Boolean);
    // Terminals echo what is typed (here both kubectl's and the container's), wherever it falls.
    assert.ok(
      lines.some((l) => /^\/dev\/pts\/\d+$/.test(l)),
      `tty names a terminal: ${res.stdout}`,
    );
    assert.ok(lines.includes('37 91'), `the terminal has kubectl's size: ${res.stdout}`);
    assert.equal(lines.at(-1), 'got:typed');
  },
);

test('an unknown container is refused with the API server’s message', () => {
  const res = kubectl(['exec', 'target', '-c', 'nope', '--', 'true']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /container nope is not valid for pod target/);
});

test('a container that is not running is refused by the node agent, saying so', async () => {
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: 'crasher' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] },
    },
  });
  // From the second restart on, the back-off (8 s and more) is far longer than the process runs.
  await eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'crasher', namespace: ns.name });
      const status = pod.status?.containerStatuses?.[0];
      return status?.state?.waiting?.reason === 'CrashLoopBackOff' && status.restartCount >= 2
        ? true
        : undefined;
    },
    { what: 'crasher in CrashLoopBackOff after two restarts', timeoutMs: 30_000 },
  );
  const res = kubectl(['exec', 'crasher', '--', 'true']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`container "main" of pod ${ns.name}/crasher is not running`));
});

test('the node agent answers only the API server’s client certificate', async () => {
  const node = await core.readNode({ name: 'local-node' });
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  assert.ok(port);
  const admin = YAML.parse(fs.readFileSync(process.env.FLINK_OPERATOR_TEST_KUBECONFIG!, 'utf8')) as {
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const statusOf = (tls: { cert?: string; key?: string }) =>
    new Promise<number>((resolve, reject) => {
      https
        .get(
          `https://127.0.0.1:${port}/containerLogs/${ns.name}/target/main`,
          { rejectUnauthorized: false, ...tls },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });
  assert.equal(await statusOf({}), 401);
  const user = admin.users[0]!.user;
  assert.equal(
    await statusOf({ cert: decode(user['client-certificate-data']), key: decode(user['client-key-data']) }),
    401,
  );
  // Through the API server, with its kubelet client certificate, logs still work.
  assert.equal(kubectl(['logs', 'target']).code, 0);
});

test('kubectl exec … kill 1 ends the main process, and the container restarts', async () => {
  const res = kubectl(['exec', 'target', '--', 'kill', '1']);
  assert.deepEqual(res, { code: 0, stdout: '', stderr: '' });
  const pod = await runningPod(1);
  const status = pod.status!.containerStatuses![0]!;
  assert.equal(status.restartCount, 1);
  assert.equal(status.lastState?.terminated?.exitCode, 143, 'SIGTERM ended the previous run');
  assert.match(kubectl(['get', 'pod', 'target', '--no-headers']).stdout, /^target\s+1\/1\s+Running\s+1\b/);
  // The restarted container takes execs again; in a shell's `kill -9 1` (as the Apache operator's
  // e2e scripts write it) 1 is its main process too.
  assert.equal(kubectl(['exec', 'target', '--', 'echo', 'back']).stdout, 'back\n');
  assert.equal(kubectl(['exec', 'target', '--', '/bin/sh', '-c', 'kill -9 1']).code, 0);
  const again = await runningPod(2);
  assert.equal(again.status!.containerStatuses![0]!.lastState?.terminated?.exitCode, 137);
});
