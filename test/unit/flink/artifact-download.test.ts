/**
 * http(s) jar downloads against hostile servers on loopback: silent, trickling, oversized, and
 * redirecting to addresses the host policy refuses. Every server is on 127.0.0.0/8; the one a
 * test may reach is allowed by an allow-list entry naming its address and port.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ArtifactFetchers, HostPolicy, type FetchRequest } from '../../../src/flink/artifacts/fetch.ts';

interface TestServer {
  server: http.Server;
  port: number;
  requests: string[];
  sockets: Set<Socket>;
}

async function startServer(address: string, handler: http.RequestListener): Promise<TestServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  return { server, port: (server.address() as AddressInfo).port, requests, sockets };
}

function stop(s: TestServer | undefined) {
  for (const socket of s?.sockets ?? []) socket.destroy();
  s?.server.close();
}

describe('http jar downloads', () => {
  let dir: string;
  let main: TestServer;
  /** A second loopback server nobody allowed: a download must never reach it. */
  let other: TestServer;
  const timers = new Set<NodeJS.Timeout>();
  const fetchers = new ArtifactFetchers();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'downloads-'));
    other = await startServer('127.0.0.2', (_req, res) => res.end('secret metadata'));
    main = await startServer('127.0.0.1', (req, res) => {
      const url = req.url ?? '';
      if (url === '/ok.jar') res.end('jar-bytes');
      else if (url === '/silent.jar') {
        // accepts, never answers
      } else if (url === '/trickle.jar') {
        res.writeHead(200, { 'content-type': 'application/java-archive' });
        const timer = setInterval(() => res.write('x'), 50);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
      } else if (url === '/big-declared.jar') {
        res.writeHead(200, { 'content-length': String(10_000) });
        res.end(Buffer.alloc(10_000));
      } else if (url === '/big-chunked.jar') {
        res.writeHead(200);
        res.write(Buffer.alloc(6_000));
        res.end(Buffer.alloc(6_000));
      } else if (url.startsWith('/to?')) {
        const target = new URLSearchParams(url.slice(4)).get('u') ?? '';
        res.writeHead(302, { location: target }).end();
      } else if (url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else res.writeHead(404).end();
    });
  });
  after(() => {
    for (const t of timers) clearInterval(t);
    stop(main);
    stop(other);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = (uri: string, extra: Partial<FetchRequest> = {}): FetchRequest => ({
    uri,
    targetDir: path.join(dir, String(Math.random()).slice(2)),
    hostPolicy: new HostPolicy(true, [`127.0.0.1:${main.port}`]),
    limits: { connectTimeoutMs: 2_000, readTimeoutMs: 2_000, totalTimeoutMs: 5_000, maxBytes: 8_000 },
    ...extra,
  });
  const base = () => `http://127.0.0.1:${main.port}`;
  const leftovers = (req: FetchRequest) =>
    fs.existsSync(req.targetDir) ? fs.readdirSync(req.targetDir) : [];

  test('an allowed host is downloaded', async () => {
    const req = request(`${base()}/ok.jar`);
    const fetched = await fetchers.fetch(req);
    assert.equal(fs.readFileSync(fetched.path, 'utf8'), 'jar-bytes');
  });

  test('a server that never answers fails on the read timeout', async () => {
    const req = request(`${base()}/silent.jar`, {
      limits: { readTimeoutMs: 300, totalTimeoutMs: 10_000 },
    });
    const started = Date.now();
    await assert.rejects(fetchers.fetch(req), /cannot download .*silent\.jar: no data for 0\.3 s/);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 3_000, `took ${took} ms`);
  });

  test('a server that trickles bytes fails on the total timeout and leaves no partial file', async () => {
    const req = request(`${base()}/trickle.jar`, {
      limits: { readTimeoutMs: 1_000, totalTimeoutMs: 600, maxBytes: 1_000_000 },
    });
    const started = Date.now();
    await assert.rejects(fetchers.fetch(req), /trickle\.jar: not finished within 0\.6 s/);
    assert.ok(Date.now() - started < 3_000);
    assert.deepEqual(leftovers(req), []);
  });

  test('a jar above the size limit is refused, by its declared length or while streaming', async () => {
    const declared = request(`${base()}/big-declared.jar`);
    await assert.rejects(fetchers.fetch(declared), /10000 bytes, larger than the limit of 8000 bytes/);
    const chunked = request(`${base()}/big-chunked.jar`);
    await assert.rejects(fetchers.fetch(chunked), /larger than the limit of 8000 bytes/);
    assert.deepEqual(leftovers(declared), []);
    assert.deepEqual(leftovers(chunked), []);
  });

  test('restricted hosts are refused in every spelling, without a connection', async () => {
    const before = main.requests.length + other.requests.length;
    const forms = [
      `http://[::ffff:127.0.0.1]:${main.port + 1}/x.jar`,
      `http://[::ffff:7f00:2]:${other.port}/x.jar`,
      `http://[::127.0.0.2]:${other.port}/x.jar`,
      `http://[::ffff:169.254.169.254]/x.jar`,
      `http://[64:ff9b::a9fe:a9fe]/x.jar`,
      `http://2130706434:${other.port}/x.jar`,
      `http://0x7f.0.0.2:${other.port}/x.jar`,
      `http://localhost.:${other.port}/x.jar`,
      `http://kubernetes.default.svc/x.jar`,
      `http://metadata.google.internal/x.jar`,
      `http://metadata/x.jar`,
      `http://[::1]:${main.port}/x.jar`,
    ];
    for (const uri of forms) {
      await assert.rejects(fetchers.fetch(request(uri)), /restricted address/, uri);
    }
    assert.equal(main.requests.length + other.requests.length, before);
  });

  test('a redirect from an allowed host to a restricted one is refused', async () => {
    const targets = [
      `http://[::ffff:127.0.0.2]:${other.port}/meta`,
      `http://127.0.0.2:${other.port}/meta`,
      `http://localhost.:${other.port}/meta`,
      // The allowed address on another port is another service.
      `http://127.0.0.1:${other.port}/meta`,
    ];
    for (const target of targets) {
      const uri = `${base()}/to?u=${encodeURIComponent(target)}`;
      await assert.rejects(fetchers.fetch(request(uri)), /restricted address/, target);
    }
    assert.deepEqual(other.requests, []);
  });

  test('redirects are bounded and may not change to a scheme outside the allowlist', async () => {
    await assert.rejects(fetchers.fetch(request(`${base()}/loop`)), /more than 5 redirects/);
    const toFile = `${base()}/to?u=${encodeURIComponent('file:///etc/passwd')}`;
    await assert.rejects(fetchers.fetch(request(toFile)), /scheme 'file'/);
    const toHttp = `${base()}/to?u=${encodeURIComponent('/ok.jar')}`;
    await assert.rejects(fetchers.fetch(request(toHttp, { allowedSchemes: ['https'] })), /scheme 'http'/);
    assert.equal(fs.readFileSync((await fetchers.fetch(request(toHttp))).path, 'utf8'), 'jar-bytes');
  });

  test('credentials of the URI never reach an error message', async () => {
    const uri = `http://user:hunter2@127.0.0.1:${main.port}/nope.jar?X-Amz-Signature=abc123`;
    await assert.rejects(fetchers.fetch(request(uri)), (err: Error) => {
      assert.match(err.message, /HTTP 404/);
      assert.doesNotMatch(err.message, /hunter2|abc123/);
      return true;
    });
  });

  test('with the restriction off, loopback is reachable (the compatible switch)', async () => {
    const req = request(`http://127.0.0.2:${other.port}/x.jar`, { hostPolicy: new HostPolicy(false) });
    assert.equal(fs.readFileSync((await fetchers.fetch(req)).path, 'utf8'), 'secret metadata');
    other.requests.length = 0;
  });
});
