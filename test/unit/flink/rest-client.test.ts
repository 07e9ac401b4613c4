/** The REST client against a small local HTTP server that answers like a JobManager. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FlinkRestClient, FlinkRestError } from '../../../src/flink/rest/client.ts';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

let server: http.Server;
let baseUrl: string;
const seen: Seen[] = [];
let savepointPolls = 0;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('latin1')));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        body,
      });
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const route = `${req.method} ${req.url}`;
      if (route === 'GET /v1/overview') return reply(200, { taskmanagers: 1, 'flink-version': '2.2.1' });
      if (route === 'GET /v1/jobs/overview') return reply(200, { jobs: [{ jid: 'j1', state: 'RUNNING' }] });
      if (route === 'GET /v1/jobs/missing') return reply(404, { errors: ['Job missing not found'] });
      if (req.url?.startsWith('/slow/')) return setTimeout(() => reply(200, {}), 500);
      if (route === 'PATCH /v1/jobs/j1?mode=cancel') return reply(202, {});
      if (route === 'POST /v1/jobs/j1/stop') return reply(202, { 'request-id': 't-stop' });
      if (route === 'POST /v1/jobs/j1/savepoints') return reply(202, { 'request-id': 't-sp' });
      if (route === 'GET /v1/jobs/j1/savepoints/t-sp') {
        savepointPolls++;
        return reply(
          200,
          savepointPolls < 2
            ? { status: { id: 'IN_PROGRESS' } }
            : { status: { id: 'COMPLETED' }, operation: { location: 'file:/sp/savepoint-1' } },
        );
      }
      if (route === 'GET /v1/jobs/j1/savepoints/t-stop') {
        return reply(200, {
          status: { id: 'COMPLETED' },
          operation: {
            'failure-cause': { class: 'X', 'stack-trace': 'java.lang.Exception: disk full\n\tat A' },
          },
        });
      }
      if (route === 'POST /v1/jars/upload')
        return reply(200, { filename: '/tmp/web/abc_job.jar', status: 'success' });
      if (route === 'POST /v1/jars/abc_job.jar/run') return reply(200, { jobid: 'j2' });
      reply(404, { errors: ['Not found: ' + route] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const last = () => seen[seen.length - 1];

test('reads the overview and jobs under /v1', async () => {
  const client = new FlinkRestClient({ baseUrl });
  assert.equal((await client.overview())['flink-version'], '2.2.1');
  assert.deepEqual(await client.jobs(), [{ jid: 'j1', state: 'RUNNING' }]);
  assert.equal(last()?.url, '/v1/jobs/overview');
});

test('HTTP errors carry the status and Flink messages', async () => {
  const client = new FlinkRestClient({ baseUrl });
  const err = await client.jobDetails('missing').catch((e: unknown) => e);
  assert.ok(err instanceof FlinkRestError);
  assert.equal(err.status, 404);
  assert.equal(err.notFound, true);
  assert.deepEqual(err.errors, ['Job missing not found']);
  assert.match(err.message, /GET .*\/v1\/jobs\/missing: HTTP 404: Job missing not found/);
});

test('calls time out', async () => {
  const client = new FlinkRestClient({ baseUrl: `${baseUrl}slow`, timeoutMs: 100 });
  const err = await client.overview().catch((e: unknown) => e);
  assert.ok(err instanceof FlinkRestError);
  assert.equal(err.status, undefined);
  assert.match(err.message, /timeout/);
});

test('job ids are path-encoded', async () => {
  const client = new FlinkRestClient({ baseUrl });
  await client.jobDetails('a/b').catch(() => undefined);
  assert.equal(last()?.url, '/v1/jobs/a%2Fb');
});

test('cancel, stop with savepoint and savepoint trigger send what Flink expects', async () => {
  const client = new FlinkRestClient({ baseUrl });
  await client.cancelJob('j1');
  assert.equal(last()?.method, 'PATCH');
  assert.equal(
    await client.stopWithSavepoint('j1', { targetDirectory: 'file:///sp', drain: true }),
    't-stop',
  );
  assert.deepEqual(JSON.parse(last()?.body ?? ''), { targetDirectory: 'file:///sp', drain: true });
  assert.equal(last()?.contentType, 'application/json');
  assert.equal(await client.triggerSavepoint('j1', { targetDirectory: 'file:///sp' }), 't-sp');
  assert.deepEqual(JSON.parse(last()?.body ?? ''), { 'target-directory': 'file:///sp', 'cancel-job': false });
});

test('awaitSavepoint polls to the location, and reports a failure cause', async () => {
  const client = new FlinkRestClient({ baseUrl });
  assert.equal(await client.awaitSavepoint('j1', 't-sp', { intervalMs: 10 }), 'file:/sp/savepoint-1');
  assert.equal(savepointPolls, 2);
  await assert.rejects(
    client.awaitSavepoint('j1', 't-stop'),
    /savepoint t-stop of job j1 failed: java.lang.Exception: disk full/,
  );
});

test('uploads a jar as multipart and runs it by the id Flink derived from its file name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-client-'));
  try {
    const jar = path.join(dir, 'job.jar');
    fs.writeFileSync(jar, 'PK-not-really-a-jar');
    const client = new FlinkRestClient({ baseUrl });
    const jarId = await client.uploadJar(jar);
    assert.equal(jarId, 'abc_job.jar');
    assert.match(last()?.contentType ?? '', /^multipart\/form-data; boundary=/);
    assert.match(
      last()?.body ?? '',
      /name="jarfile"; filename="job.jar"[\s\S]*application\/x-java-archive[\s\S]*PK-not-really-a-jar/,
    );
    assert.equal(await client.runJar(jarId, { savepointPath: '/sp/1', allowNonRestoredState: true }), 'j2');
    assert.deepEqual(JSON.parse(last()?.body ?? ''), { savepointPath: '/sp/1', allowNonRestoredState: true });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
