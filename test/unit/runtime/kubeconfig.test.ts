import assert from 'node:assert/strict';
import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { KubeConfig, KubeConfigError, type ExecConfig } from '../../../src/runtime/kube/kubeconfig.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
}

function writeConfig(dir: string, name: string, doc: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

function config(opts: {
  current?: string;
  contexts?: [string, Record<string, unknown>][];
  clusters?: [string, Record<string, unknown>][];
  users?: [string, Record<string, unknown>][];
}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    ...(opts.current ? { 'current-context': opts.current } : {}),
    contexts: (opts.contexts ?? []).map(([name, context]) => ({ name, context })),
    clusters: (opts.clusters ?? []).map(([name, cluster]) => ({ name, cluster })),
    users: (opts.users ?? []).map(([name, user]) => ({ name, user })),
  };
}

/** A kubeconfig whose one context `x` joins cluster `c` (at 127.0.0.1:6443 unless given) and user `u`. */
function oneContext(
  dir: string,
  user: Record<string, unknown> | undefined,
  cluster: Record<string, unknown> = { server: 'https://127.0.0.1:6443' },
): string {
  return writeConfig(
    dir,
    'config',
    config({
      current: 'x',
      contexts: [['x', { cluster: 'c', ...(user ? { user: 'u' } : {}) }]],
      clusters: [['c', cluster]],
      ...(user ? { users: [['u', user]] as [string, Record<string, unknown>][] } : {}),
    }),
  );
}

async function applied(kc: KubeConfig): Promise<https.RequestOptions & { headers: Record<string, string> }> {
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  return options as https.RequestOptions & { headers: Record<string, string> };
}

test('inline certificate data, namespace and server of the current context', async () => {
  const dir = tempDir();
  const file = writeConfig(
    dir,
    'config',
    config({
      current: 'b',
      contexts: [
        ['a', { cluster: 'one', user: 'u' }],
        ['b', { cluster: 'two', user: 'u', namespace: 'flink' }],
      ],
      clusters: [
        ['one', { server: 'https://127.0.0.1:1' }],
        ['two', { server: 'https://127.0.0.2:6443', 'certificate-authority-data': b64('CA') }],
      ],
      users: [['u', { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }]],
    }),
  );
  const kc = KubeConfig.loadFiles([file]);
  assert.equal(kc.getCurrentCluster().server, 'https://127.0.0.2:6443');
  assert.equal(kc.getCurrentContext(), 'b');
  assert.deepEqual(kc.getContextObject('b'), { namespace: 'flink' });
  assert.equal(kc.getContextObject('a'), null);
  const options = await applied(kc);
  assert.equal(String(options.ca), 'CA');
  assert.equal(String(options.cert), 'CERT');
  assert.equal(String(options.key), 'KEY');
  assert.equal(options.rejectUnauthorized, true);
  assert.equal(options.headers.Authorization, undefined);
});

test('file paths are relative to the kubeconfig, tokens and basic auth become headers', async () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'pki'));
  fs.writeFileSync(path.join(dir, 'pki', 'ca.crt'), 'FILE-CA');
  fs.writeFileSync(path.join(dir, 'token'), 'file-token\n');
  const cluster: [string, Record<string, unknown>] = [
    'c',
    {
      server: 'https://127.0.0.1:6443',
      'certificate-authority': 'pki/ca.crt',
      'tls-server-name': 'api.local',
    },
  ];
  const withUser = (user: Record<string, unknown>) =>
    KubeConfig.loadFiles([oneContext(dir, user, cluster[1])]);

  const tokenFile = await applied(withUser({ tokenFile: 'token' }));
  assert.equal(String(tokenFile.ca), 'FILE-CA');
  assert.equal(tokenFile.servername, 'api.local');
  assert.equal(tokenFile.headers.Authorization, 'Bearer file-token');
  assert.equal((await applied(withUser({ token: 'static' }))).headers.Authorization, 'Bearer static');
  assert.equal(
    (await applied(withUser({ username: 'admin', password: 'secret' }))).headers.Authorization,
    `Basic ${b64('admin:secret')}`,
  );
});

test('insecure-skip-tls-verify turns off server verification', async () => {
  const dir = tempDir();
  const file = oneContext(dir, undefined, {
    server: 'https://127.0.0.1:6443',
    'insecure-skip-tls-verify': true,
  });
  assert.equal((await applied(KubeConfig.loadFiles([file]))).rejectUnauthorized, false);
});

test('a KUBECONFIG list merges like kubectl: first current-context and first definition win, missing files skipped', () => {
  const dir = tempDir();
  const first = writeConfig(
    dir,
    'first',
    config({
      contexts: [['x', { cluster: 'c', namespace: 'from-first' }]],
      clusters: [['c', { server: 'https://127.0.0.1:1' }]],
    }),
  );
  const second = writeConfig(
    dir,
    'second',
    config({
      current: 'x',
      contexts: [['x', { cluster: 'c', namespace: 'from-second' }]],
      clusters: [['c', { server: 'https://127.0.0.1:2' }]],
    }),
  );
  const third = writeConfig(dir, 'third', config({ current: 'y' }));
  const kc = KubeConfig.loadDefault({
    KUBECONFIG: [first, path.join(dir, 'missing'), second, third].join(path.delimiter),
  });
  assert.equal(kc.getCurrentContext(), 'x');
  assert.equal(kc.getCurrentCluster().server, 'https://127.0.0.1:1');
  assert.equal(kc.namespace, 'from-first');
});

test('in a pod: the service account, its namespace and a token re-read as the kubelet rotates it', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'token'), 'first');
  fs.writeFileSync(path.join(dir, 'ca.crt'), 'SA-CA');
  fs.writeFileSync(path.join(dir, 'namespace'), 'operators\n');
  const loaded = KubeConfig.loadDefault(
    { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', HOME: dir },
    dir,
  );
  assert.equal(loaded.getCurrentCluster().server, 'https://[fd00::1]:443');
  assert.equal(loaded.namespace, 'operators');
  assert.equal(String((await applied(loaded)).ca), 'SA-CA');

  let now = 0;
  const kc = new KubeConfig('in-cluster', loaded.cluster, loaded.user, loaded.namespace, () => now);
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer first');
  fs.writeFileSync(path.join(dir, 'token'), 'second');
  now = 30_000;
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer first', 'cached for a minute');
  now = 61_000;
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer second');
  fs.rmSync(path.join(dir, 'token'));
  now = 200_000;
  assert.equal(
    (await applied(kc)).headers.Authorization,
    'Bearer second',
    'a briefly missing file keeps the last token',
  );
});

test('the default order: KUBECONFIG, then the pod, then ~/.kube/config; none is a clear error', () => {
  const home = tempDir();
  const sa = tempDir();
  fs.writeFileSync(path.join(sa, 'token'), 't');
  fs.mkdirSync(path.join(home, '.kube'));
  writeConfig(
    path.join(home, '.kube'),
    'config',
    config({
      current: 'home',
      contexts: [['home', { cluster: 'c' }]],
      clusters: [['c', { server: 'https://127.0.0.1:3' }]],
    }),
  );
  assert.equal(
    KubeConfig.loadDefault({ KUBERNETES_SERVICE_HOST: '10.0.0.1', HOME: home }, sa).getCurrentContext(),
    'in-cluster',
  );
  assert.equal(KubeConfig.loadDefault({ HOME: home }, sa).getCurrentContext(), 'home');
  assert.throws(() => KubeConfig.loadDefault({ HOME: tempDir() }, sa), /no Kubernetes configuration found/);
});

test('broken or unsupported kubeconfigs fail with a message naming what is wrong', () => {
  const dir = tempDir();
  const load = (doc: unknown) => () => KubeConfig.loadFiles([writeConfig(dir, 'config', doc)]);
  const cluster: [string, Record<string, unknown>] = ['c', { server: 'https://127.0.0.1:6443' }];
  assert.throws(() => KubeConfig.loadFiles([path.join(dir, 'nope')]), /kubeconfig .*nope does not exist/);
  assert.throws(load(config({ clusters: [cluster] })), /has no current-context/);
  assert.throws(load(config({ current: 'x', clusters: [cluster] })), /context "x" is not defined/);
  assert.throws(
    load(config({ current: 'x', contexts: [['x', { cluster: 'other' }]], clusters: [cluster] })),
    /cluster "other"/,
  );
  assert.throws(
    load(config({ current: 'x', contexts: [['x', { cluster: 'c', user: 'u' }]], clusters: [cluster] })),
    /user "u" of context "x" is not defined/,
  );
  assert.throws(
    load(
      config({
        current: 'x',
        contexts: [['x', { cluster: 'c', user: 'u' }]],
        clusters: [cluster],
        users: [['u', { 'auth-provider': { name: 'gcp' } }]],
      }),
    ),
    /auth-provider "gcp" is not supported; use an exec credential plugin/,
  );
  assert.throws(
    load(
      config({
        current: 'x',
        contexts: [['x', { cluster: 'c' }]],
        clusters: [['c', { server: 'https://h', 'proxy-url': 'http://p' }]],
      }),
    ),
    /proxy-url is not supported/,
  );
  assert.throws(
    load(
      config({
        current: 'x',
        contexts: [['x', { cluster: 'c' }]],
        clusters: [['c', { server: 'https://h', 'certificate-authority': 'ca.pem' }]],
      }),
    ),
    /certificate-authority .*ca\.pem: ENOENT/,
  );
  assert.doesNotThrow(
    load(
      config({
        current: 'x',
        contexts: [['x', { cluster: 'c' }]],
        clusters: [cluster, ['unused', { server: 'https://h', 'proxy-url': 'http://p' }]],
        users: [['unused', { 'auth-provider': { name: 'oidc' } }]],
      }),
    ),
    'entries the current context does not use are not judged',
  );
  fs.writeFileSync(path.join(dir, 'bad'), 'clusters: [');
  assert.throws(() => KubeConfig.loadFiles([path.join(dir, 'bad')]), KubeConfigError);
});

/** An exec credential plugin: a Node.js script that counts its runs and echoes what it was given. */
function execPlugin(
  dir: string,
  credential: (run: number, info: string) => Record<string, unknown>,
): ExecConfig {
  const script = path.join(dir, 'plugin.mjs');
  const counter = path.join(dir, 'runs');
  fs.writeFileSync(counter, '0');
  fs.writeFileSync(
    script,
    `import fs from 'node:fs';
const run = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(run));
const make = ${credential.toString()};
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
  status: make(run, process.env.KUBERNETES_EXEC_INFO + '|' + process.env.PLUGIN_GREETING) }));`,
  );
  return {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: process.execPath,
    args: [script],
    env: [{ name: 'PLUGIN_GREETING', value: 'hello' }],
    provideClusterInfo: true,
  };
}

test('an exec plugin: its token is used until it expires, then the plugin runs again', async () => {
  const dir = tempDir();
  const start = Date.parse('2026-01-01T00:00:00Z');
  const exec = execPlugin(dir, (run, info) => ({
    token: `token-${run}-${info.includes('"server":"https://127.0.0.1:6443"') && info.endsWith('|hello')}`,
    expirationTimestamp: new Date(Date.parse('2026-01-01T00:10:00Z') * run).toISOString(),
  }));
  let now = start;
  const kc = new KubeConfig('x', { server: 'https://127.0.0.1:6443' }, { exec }, undefined, () => now);
  const [a, b] = await Promise.all([applied(kc), applied(kc)]);
  assert.equal(a.headers.Authorization, 'Bearer token-1-true');
  assert.equal(b.headers.Authorization, 'Bearer token-1-true', 'concurrent requests share one run');
  now = start + 9 * 60_000;
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer token-1-true');
  now = start + 9 * 60_000 + 45_000; // within 30 s of the expiry
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer token-2-true');
  kc.invalidateCredentials();
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer token-3-true', 'a 401 makes it run again');
  assert.equal(fs.readFileSync(path.join(dir, 'runs'), 'utf8'), '3');
});

test('an exec plugin may return a client certificate instead of a token', async () => {
  const dir = tempDir();
  const exec = execPlugin(dir, () => ({ clientCertificateData: 'PEM-CERT', clientKeyData: 'PEM-KEY' }));
  const kc = new KubeConfig('x', { server: 'https://127.0.0.1:6443' }, { exec }, undefined);
  const options = await applied(kc);
  assert.equal(String(options.cert), 'PEM-CERT');
  assert.equal(String(options.key), 'PEM-KEY');
  assert.equal(options.headers.Authorization, undefined);
});

test('a failing or missing exec plugin is reported with its output and install hint', async () => {
  const dir = tempDir();
  const failing = path.join(dir, 'fail.mjs');
  fs.writeFileSync(failing, "process.stderr.write('login required'); process.exit(1);");
  const base = { apiVersion: 'client.authentication.k8s.io/v1', env: [], provideClusterInfo: false };
  const cluster = { server: 'https://127.0.0.1:6443' };
  await assert.rejects(
    applied(
      new KubeConfig(
        'x',
        cluster,
        { exec: { ...base, command: process.execPath, args: [failing] } },
        undefined,
      ),
    ),
    /exec credential plugin .* failed: login required/,
  );
  await assert.rejects(
    applied(
      new KubeConfig(
        'x',
        cluster,
        {
          exec: {
            ...base,
            command: path.join(dir, 'no-such-plugin'),
            args: [],
            installHint: 'install it with brew',
          },
        },
        undefined,
      ),
    ),
    /install it with brew/,
  );
  const empty = path.join(dir, 'empty.mjs');
  fs.writeFileSync(empty, 'process.stdout.write(JSON.stringify({ status: {} }));');
  await assert.rejects(
    applied(
      new KubeConfig(
        'x',
        cluster,
        { exec: { ...base, command: process.execPath, args: [empty] } },
        undefined,
      ),
    ),
    /neither a token nor a client certificate/,
  );
});

test('an exec plugin gets no terminal: stdin is closed, and interactiveMode Always is refused', async () => {
  const dir = tempDir();
  const reader = path.join(dir, 'reads-stdin.mjs');
  // Reads stdin to its end first, as a plugin prompting for input would: it ends only if stdin is closed.
  fs.writeFileSync(
    reader,
    `let input = ''; for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify({ status: { token: 'after-eof' + input.length } }));`,
  );
  const base = { apiVersion: 'client.authentication.k8s.io/v1', env: [], provideClusterInfo: false };
  const kc = new KubeConfig(
    'x',
    { server: 'https://127.0.0.1:6443' },
    { exec: { ...base, command: process.execPath, args: [reader] } },
    undefined,
  );
  assert.equal((await applied(kc)).headers.Authorization, 'Bearer after-eof0');

  const file = oneContext(dir, { exec: { command: 'kubelogin', interactiveMode: 'Always' } });
  assert.throws(() => KubeConfig.loadFiles([file]), /needs a terminal \(interactiveMode: Always\)/);
});

test('a credential handed out inside the renewal margin is used for half its remaining life', async () => {
  const dir = tempDir();
  const start = Date.parse('2026-01-01T00:00:00Z');
  // Expires 20 s after `start`: inside the 30 s margin from the first run on.
  const exec = execPlugin(dir, () => ({ token: 'short', expirationTimestamp: '2026-01-01T00:00:20Z' }));
  let now = start;
  const kc = new KubeConfig('x', { server: 'https://127.0.0.1:6443' }, { exec }, undefined, () => now);
  await applied(kc);
  now = start + 5_000;
  await applied(kc);
  assert.equal(fs.readFileSync(path.join(dir, 'runs'), 'utf8'), '1', 'no new run 5 s later');
  now = start + 11_000;
  await applied(kc);
  assert.equal(fs.readFileSync(path.join(dir, 'runs'), 'utf8'), '2', 'renewed after half its life');
});

test('impersonation (as, as-uid, as-groups, as-user-extra) becomes Impersonate-* headers', async () => {
  const dir = tempDir();
  const file = oneContext(dir, {
    token: 'admin',
    as: 'system:serviceaccount:flink:operator',
    'as-uid': '42',
    'as-groups': ['system:serviceaccounts', 'ops'],
    'as-user-extra': { 'reason/why': ['testing'] },
  });
  const headers = (await applied(KubeConfig.loadFiles([file]))).headers as unknown as Record<string, unknown>;
  assert.equal(headers['Impersonate-User'], 'system:serviceaccount:flink:operator');
  assert.equal(headers['Impersonate-Uid'], '42');
  assert.deepEqual(headers['Impersonate-Group'], ['system:serviceaccounts', 'ops']);
  assert.deepEqual(headers['Impersonate-Extra-reason%2Fwhy'], ['testing']);
});
