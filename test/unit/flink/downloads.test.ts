import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ArtifactDownloads } from '../../../src/flink/artifacts/downloads.ts';
import { ArtifactFetchers, type FetchRequest } from '../../../src/flink/artifacts/fetch.ts';

/** A fetcher for `slow:` URIs that finishes only when the test says so. */
function controllableFetchers(dir: string) {
  const pending = new Map<string, { finish: () => void; fail: (e: Error) => void; aborted: boolean }>();
  const fetchers = new ArtifactFetchers().register('slow', (req) => {
    return new Promise((resolve, reject) => {
      const file = path.join(dir, `${req.uri.slice(7)}.jar`);
      const entry = {
        aborted: false,
        finish: () => {
          fs.writeFileSync(file, 'jar');
          resolve({ path: file, temporary: true });
        },
        fail: reject,
      };
      req.signal?.addEventListener('abort', () => {
        entry.aborted = true;
        reject(new Error('aborted'));
      });
      pending.set(req.uri, entry);
    });
  });
  return { fetchers, pending };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check());
};

describe('background jar downloads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const req = (name: string): FetchRequest => ({ uri: `slow://${name}`, targetDir: dir });

  test('at most `parallelism` run; the rest wait in order; a settled one wakes its owner', async () => {
    const { fetchers, pending } = controllableFetchers(dir);
    const woken: string[] = [];
    const downloads = new ArtifactDownloads(fetchers, {
      parallelism: () => 2,
      onSettled: (o) => woken.push(o),
    });
    assert.equal((await downloads.poll('a', req('a'))).kind, 'running');
    assert.equal((await downloads.poll('b', req('b'))).kind, 'running');
    const c = await downloads.poll('c', req('c'));
    assert.deepEqual(c, { kind: 'queued', ahead: 0, started: true });
    assert.deepEqual(await downloads.poll('d', req('d')), { kind: 'queued', ahead: 1, started: true });
    assert.equal(pending.size, 2);
    // Asking again starts nothing new.
    assert.equal((await downloads.poll('a', req('a'))).kind, 'running');
    assert.equal(((await downloads.poll('a', req('a'))) as { started: boolean }).started, false);

    pending.get('slow://a')?.finish();
    await until(() => woken.includes('a'));
    assert.equal(pending.size, 3, 'c started once a slot was free');
    const ready = await downloads.poll('a', req('a'));
    assert.equal(ready.kind, 'ready');
    // Handed out once: the caller owns the file now; asking again starts another, behind d.
    assert.deepEqual(await downloads.poll('a', req('a')), { kind: 'queued', ahead: 1, started: true });

    pending.get('slow://b')?.fail(new Error('HTTP 500'));
    await until(() => woken.includes('b'));
    const failed = await downloads.poll('b', req('b'));
    assert.equal(failed.kind, 'failed');
    assert.match((failed as { error: Error }).error.message, /HTTP 500/);
  });

  test('discarding or changing the request stops the download and removes a file nobody took', async () => {
    const { fetchers, pending } = controllableFetchers(dir);
    const downloads = new ArtifactDownloads(fetchers, { parallelism: () => 4 });
    await downloads.poll('x', req('x1'));
    await downloads.poll('x', req('x2'));
    assert.equal(pending.get('slow://x1')?.aborted, true);
    pending.get('slow://x2')?.finish();
    await until(() => fs.existsSync(path.join(dir, 'x2.jar')));
    await new Promise((r) => setTimeout(r, 10));
    await downloads.discard('x');
    assert.equal(fs.existsSync(path.join(dir, 'x2.jar')), false);
    assert.equal(downloads.size, 0);
  });

  test('local files are looked up at once', async () => {
    const file = path.join(dir, 'local.jar');
    fs.writeFileSync(file, 'x');
    const downloads = new ArtifactDownloads(new ArtifactFetchers(), { parallelism: () => 1 });
    assert.deepEqual(await downloads.poll('l', { uri: `file://${file}`, targetDir: dir }), {
      kind: 'ready',
      artifact: { path: file, temporary: false },
    });
  });
});
