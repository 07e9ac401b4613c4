import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  ArtifactFetchers,
  HostPolicy,
  artifactDir,
  artifactFileName,
  parseHeaders,
} from '../../../src/flink/artifacts/fetch.ts';

describe('artifact fetching', () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  /** The test server is on loopback, which only an allow-list entry lets a download reach. */
  let policy: HostPolicy;
  const seenHeaders: http.IncomingHttpHeaders[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artifacts-'));
    server = http.createServer((req, res) => {
      seenHeaders.push(req.headers);
      if (req.url === '/jars/job.jar') res.end('jar-bytes');
      else if (req.url === '/moved') res.writeHead(302, { location: '/jars/job.jar' }).end();
      else res.writeHead(404).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    policy = new HostPolicy(true, [`127.0.0.1:${port}`]);
  });
  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('local files are used in place (file:, local: and a bare absolute path)', async () => {
    const file = path.join(dir, 'local.jar');
    fs.writeFileSync(file, 'x');
    const fetchers = new ArtifactFetchers();
    for (const uri of [pathToFileURL(file).href, `local://${file}`, file]) {
      assert.deepEqual(await fetchers.fetch({ uri, targetDir: dir }), { path: file, temporary: false });
    }
    await assert.rejects(
      fetchers.fetch({ uri: `file://${dir}/missing.jar`, targetDir: dir }),
      /cannot read artifact/,
    );
    await assert.rejects(fetchers.fetch({ uri: dir, targetDir: dir }), /is not a file/);
  });

  test('http downloads into the target folder with the configured headers, following redirects', async () => {
    const target = artifactDir(path.join(dir, 'base'), 'ns', 'session', 'job');
    assert.equal(target, path.join(dir, 'base', 'ns', 'session', 'job'));
    const fetched = await new ArtifactFetchers().fetch({
      uri: `${base}/moved`,
      targetDir: target,
      headers: parseHeaders('X-Token: abc , Other:1'),
      hostPolicy: policy,
    });
    assert.equal(fetched.temporary, true);
    assert.equal(path.dirname(fetched.path), target);
    assert.equal(fs.readFileSync(fetched.path, 'utf8'), 'jar-bytes');
    assert.equal(seenHeaders.at(-1)?.['x-token'], 'abc');
    assert.equal(seenHeaders.at(-1)?.other, '1');
    await assert.rejects(
      new ArtifactFetchers().fetch({ uri: `${base}/nope.jar`, targetDir: target, hostPolicy: policy }),
      /HTTP 404/,
    );
    assert.ok(!fs.existsSync(path.join(target, 'nope.jar')));
  });

  test('other schemes need a registered fetcher', async () => {
    const fetchers = new ArtifactFetchers();
    await assert.rejects(
      fetchers.fetch({ uri: 's3://bucket/job.jar', targetDir: dir }),
      /no fetcher for scheme 's3'/,
    );
    const file = path.join(dir, 'from-s3.jar');
    fetchers.register('S3', async ({ uri, targetDir }) => {
      fs.writeFileSync(path.join(targetDir, artifactFileName(uri)), 's3');
      return { path: file, temporary: true };
    });
    assert.equal((await fetchers.fetch({ uri: 's3://bucket/from-s3.jar', targetDir: dir })).path, file);
  });

  test('file names and headers', () => {
    assert.equal(artifactFileName('https://h/a/b/job%201.jar?x=1'), 'job 1.jar');
    assert.equal(artifactFileName('https://h/'), 'artifact.jar');
    assert.deepEqual(parseHeaders(undefined), {});
    assert.deepEqual(parseHeaders('a:b:c,broken'), { a: 'b:c' });
  });
});
