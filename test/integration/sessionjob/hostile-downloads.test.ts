/**
 * Session jobs whose jars sit on hostile hosts, against the real API server: many downloads that
 * trickle bytes forever must not keep other session jobs from being reconciled, must end with a
 * timeout in status and a Warning Event, must not leak the URI's credentials, and jarURIs that
 * lead to restricted addresses (directly or by a redirect) must be refused. Every server is on
 * loopback; the Flink REST API is a small fake (only submissions are looked at here).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { installCrds, type FlinkSessionJob } from '../../../src/api/index.ts';
import { createSessionJobController, FLINK_SESSION_JOBS } from '../../../src/controllers/sessionjob/index.ts';
import { FLINK_DEPLOYMENTS } from '../../../src/controllers/sessionjob/session.ts';
import { errorMessage } from '../../../src/controllers/common/status-error.ts';
import { KubeClient, Manager, OperatorConfig, WellKnown, createLogger } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';

interface CoreEvent {
  involvedObject: { name?: string };
  reason: string;
  type: string;
  message: string;
}

const SLOW_JOBS = 8;
const TOTAL_TIMEOUT_S = 3;

/** Answers the few Flink REST calls a submission makes; every submitted job then runs. */
function fakeFlink(): http.Server {
  const jobs = new Set<string>();
  return http.createServer((req, res) => {
    const url = (req.url ?? '').replace(/^\/v1/, '');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('latin1')));
    req.on('end', () => {
      const json = (value: unknown, status = 200) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method === 'POST' && url === '/jars/upload') return json({ filename: '/tmp/x/abc_job.jar' });
      const run = /^\/jars\/[^/]+\/run$/.exec(url);
      if (req.method === 'POST' && run) {
        const jobId = (JSON.parse(body) as { jobId: string }).jobId;
        jobs.add(jobId);
        return json({ jobid: jobId });
      }
      if (req.method === 'DELETE' && url.startsWith('/jars/')) return json({});
      const job = /^\/jobs\/([0-9a-f]{32})$/.exec(url);
      if (req.method === 'GET' && job?.[1] && jobs.has(job[1])) {
        return json({ jid: job[1], name: 'job', state: 'RUNNING', 'start-time': Date.now(), vertices: [] });
      }
      return json({ errors: ['Not found'] }, 404);
    });
  });
}

describe('session jobs with hostile jar hosts', { timeout: 120_000 }, () => {
  const kc = testKubeConfig();
  const client = new KubeClient(kc);
  let namespace: { name: string; remove: () => Promise<void> };
  let manager: Manager | undefined;
  let workDir: string;
  let localJar: string;
  const servers: http.Server[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  /** Requests the trickling host has seen, and how many are open now. */
  const slow = { port: 0, requests: [] as string[], open: 0 };
  /** A loopback server nobody allowed. */
  const forbidden = { port: 0, requests: [] as string[] };

  async function listen(server: http.Server, address = '127.0.0.1'): Promise<number> {
    servers.push(server);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, address, r));
    return (server.address() as AddressInfo).port;
  }

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-downloads-'));
    localJar = path.join(workDir, 'local.jar');
    fs.writeFileSync(localJar, 'jar');
    namespace = await createTestNamespace(kc, 'sj-hostile');
    await installCrds(kc);
    slow.port = await listen(
      http.createServer((req, res) => {
        const url = req.url ?? '';
        slow.requests.push(url);
        if (url.startsWith('/redirect')) {
          res.writeHead(302, { location: `http://localhost.:${forbidden.port}/latest/meta-data` }).end();
          return;
        }
        slow.open++;
        res.on('close', () => slow.open--);
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 200);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
      }),
    );
    forbidden.port = await listen(
      http.createServer((req, res) => {
        forbidden.requests.push(req.url ?? '');
        res.end('credentials');
      }),
    );
    const flinkPort = await listen(fakeFlink());

    await client.create(FLINK_DEPLOYMENTS, {
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      metadata: { name: 'session', namespace: namespace.name },
      spec: {
        image: 'flink:2.2',
        flinkVersion: 'v2_2',
        serviceAccount: 'flink',
        jobManager: { resource: { cpu: 1, memory: '1024m' } },
        taskManager: { resource: { cpu: 1, memory: '1536m' } },
      },
    });
    await client.patch(
      FLINK_DEPLOYMENTS,
      namespace.name,
      'session',
      { status: { jobManagerDeploymentStatus: 'READY' } },
      { subresource: 'status' },
    );

    manager = new Manager({
      kubeConfig: kc,
      config: new OperatorConfig({
        'kubernetes.operator.watched.namespaces': namespace.name,
        // Fewer workers than slow jobs: a download holding a worker would starve everyone else.
        'kubernetes.operator.reconcile.parallelism': '2',
        'kubernetes.operator.retry.initial.interval': '500 ms',
        'kubernetes.operator.dynamic.config.enabled': 'false',
        'kubernetes.operator.observer.progress-check.interval': '1 s',
        'kubernetes.operator.user.artifacts.base.dir': path.join(workDir, 'artifacts'),
        'kubernetes.operator.user.artifacts.allowed-schemes': 'file;http;https',
        'kubernetes.operator.user.artifacts.restricted-hosts.allowed': `127.0.0.1:${slow.port}`,
        'kubernetes.operator.user.artifacts.http.read-timeout': '10 s',
        'kubernetes.operator.user.artifacts.http.timeout': `${TOTAL_TIMEOUT_S} s`,
        'kubernetes.operator.user.artifacts.download.parallelism': '4',
      }),
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      healthPort: 0,
      metricsPort: 0,
      host: '127.0.0.1',
    });
    const restUrl = `http://127.0.0.1:${flinkPort}`;
    manager.add(createSessionJobController({ resolveRestAddress: async () => restUrl }));
    await manager.start();
  });

  after(async () => {
    await manager?.stop();
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    await namespace?.remove();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const createJob = (name: string, jarURI: string) =>
    client.create(FLINK_SESSION_JOBS, {
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkSessionJob',
      metadata: { name, namespace: namespace.name },
      spec: { deploymentName: 'session', job: { jarURI, parallelism: 1 } },
    });
  const getJob = (name: string) => client.get<FlinkSessionJob>(FLINK_SESSION_JOBS, namespace.name, name);
  const events = async (name: string) =>
    (
      (await client.list<CoreEvent & { metadata: object }>(WellKnown.events, namespace.name))
        .items as CoreEvent[]
    ).filter((e) => e.involvedObject.name === name);
  const slowUri = (i: number) => `http://ci:hunter2@127.0.0.1:${slow.port}/slow-${i}.jar?token=sekrit`;

  test('slow downloads time out in status and Events while other session jobs are reconciled', async () => {
    const started = Date.now();
    for (let i = 0; i < SLOW_JOBS; i++) await createJob(`slow-${i}`, slowUri(i));
    // Every worker would be stuck by now if downloads ran on them.
    await eventually(async () => (slow.open >= 4 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'four downloads open on the slow host',
    });

    const validCreated = Date.now();
    await createJob('valid', pathToFileURL(localJar).href);
    const valid = await eventually(
      async () => {
        const job = await getJob('valid');
        return job.status?.reconciliationStatus?.state === 'DEPLOYED' && job.status.jobStatus?.jobId
          ? job
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the valid session job deployed' },
    );
    const validTook = Date.now() - validCreated;
    assert.equal(valid.status?.error, undefined);
    // Meanwhile, downloads were still open on the slow host: the valid job did not wait for them.
    assert.ok(slow.open > 0 || validTook < TOTAL_TIMEOUT_S * 1000, `valid job took ${validTook} ms`);

    // The slow ones show that they are downloading, then fail on the total timeout.
    for (let i = 0; i < SLOW_JOBS; i++) {
      const name = `slow-${i}`;
      const failed = await eventually(
        async () => {
          const job = await getJob(name);
          return errorMessage(job.status?.error)?.includes(`not finished within ${TOTAL_TIMEOUT_S} s`)
            ? job
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `${name} failing on the download timeout` },
      );
      assert.equal(failed.status?.jobStatus?.state, 'RECONCILING');
      const warning = await eventually(
        async () =>
          (await events(name)).find(
            (e) => e.type === 'Warning' && e.message.includes(`not finished within ${TOTAL_TIMEOUT_S} s`),
          ),
        { timeoutMs: 10_000, what: `a Warning Event of ${name}` },
      );
      const all = await events(name);
      assert.ok(
        all.some((e) => e.reason === 'ArtifactDownload'),
        `no ArtifactDownload event: ${JSON.stringify(all)}`,
      );
      // Credentials of the URI appear nowhere a user reads.
      for (const text of [warning.message, ...all.map((e) => e.message), failed.status?.error ?? '']) {
        assert.doesNotMatch(text, /hunter2|sekrit/);
      }
      assert.match(
        warning.message,
        new RegExp(
          `^cannot download http://127\\.0\\.0\\.1:${slow.port}/slow-${i}\\.jar\\?token=\\*{6}: not finished`,
        ),
      );
    }
    // The first round of downloads ended within their bound (4 at a time, 3 s each, plus slack).
    const firstRound = Date.now() - started;
    assert.ok(firstRound < 50_000, `first round took ${firstRound} ms`);
    // Deleting the jobs stops their downloads (retries are running by now) and keeps no partial file.
    for (let i = 0; i < SLOW_JOBS; i++) await client.delete(FLINK_SESSION_JOBS, namespace.name, `slow-${i}`);
    const files = () =>
      fs.existsSync(path.join(workDir, 'artifacts'))
        ? fs
            .readdirSync(path.join(workDir, 'artifacts'), { recursive: true, withFileTypes: true })
            .filter((f) => f.isFile())
            .map((f) => f.name)
        : [];
    await eventually(
      async () => {
        const left = await client.list(FLINK_SESSION_JOBS, namespace.name);
        const busy = left.items.some((j) => j.metadata.name?.startsWith('slow-'));
        return busy || files().length > 0 || slow.open > 0 ? undefined : true;
      },
      { timeoutMs: 30_000, what: 'slow jobs gone, their downloads closed and no file left' },
    );
  });

  test('jarURIs that lead to restricted addresses are refused, directly or by a redirect', async () => {
    await createJob('mapped', `http://[::ffff:127.0.0.1]:${forbidden.port}/x.jar`);
    await createJob('redirect', `http://127.0.0.1:${slow.port}/redirect.jar`);
    const mapped = await eventually(async () => (await getJob('mapped')).status?.error, {
      what: 'a validation error of the mapped-address job',
    });
    assert.match(errorMessage(mapped) ?? '', /resolves to a restricted address/);
    assert.match(mapped, /ValidationException/);
    const redirected = await eventually(async () => (await getJob('redirect')).status?.error, {
      timeoutMs: 30_000,
      what: 'a download error of the redirecting job',
    });
    assert.match(
      errorMessage(redirected) ?? '',
      /'localhost' resolves to a restricted address|restricted address/,
    );
    assert.ok(
      (await events('redirect')).some(
        (e) => e.type === 'Warning' && e.message.includes('restricted address'),
      ),
    );
    assert.deepEqual(forbidden.requests, []);
  });
});
