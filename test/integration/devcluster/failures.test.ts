import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startControlPlane, stopControlPlane } from '../../../src/devcluster/controlplane.ts';
import { DevClusterError } from '../../../src/devcluster/errors.ts';
import { freePort } from '../../../src/devcluster/ports.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-fail-'));
  dirs.push(dir);
  return dir;
}

/** Processes whose command line mentions `needle` (the cluster's own folder). */
function processesMentioning(needle: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a busy port is refused before anything starts', async () => {
  const port = await freePort();
  const server = net.createServer().listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const dir = tempDir();
  try {
    await assert.rejects(startControlPlane({ dir, ports: { apiserver: port } }), (err: unknown) => {
      assert.ok(err instanceof DevClusterError);
      assert.equal(
        err.message,
        `choosing ports failed: port ${port} (apiserver) on 127.0.0.1 is already in use`,
      );
      return true;
    });
    assert.deepEqual(processesMentioning(dir), []);
  } finally {
    server.close();
  }
});

test('an API server that cannot start names its step and log and leaves no process behind', async () => {
  const dir = tempDir();
  await assert.rejects(
    startControlPlane({
      dir,
      extraArgs: { 'kube-apiserver': ['--no-such-flag=1'] },
      healthTimeoutMs: 30_000,
    }),
    (err: unknown) => {
      assert.ok(err instanceof DevClusterError);
      assert.equal(err.step, 'starting kube-apiserver');
      assert.equal(err.logFile, path.join(dir, 'logs', 'kube-apiserver.log'));
      assert.match(err.message, /no-such-flag/);
      return true;
    },
  );
  assert.deepEqual(processesMentioning(dir), [], 'etcd started for this attempt was stopped');
  assert.deepEqual(await stopControlPlane(dir), [], 'nothing left to stop');
});

test('a second control plane in the same folder is refused while the first runs; stop ends exactly its processes', async () => {
  const dir = tempDir();
  const state = await startControlPlane({ dir });
  try {
    assert.equal(state.processes.length, 4);
    await assert.rejects(startControlPlane({ dir }), /already running/);
  } finally {
    const stopped = await stopControlPlane(dir);
    assert.deepEqual(stopped.map((p) => p.name).sort(), [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'node-agent',
    ]);
  }
  assert.deepEqual(processesMentioning(dir), []);
});
