import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DevClusterError } from '../../../src/devcluster/errors.ts';
import { waitHealthy } from '../../../src/devcluster/health.ts';
import { freePort, portBusy } from '../../../src/devcluster/ports.ts';
import { isRunning, startProcess, stopProcess } from '../../../src/devcluster/processes.ts';
import net from 'node:net';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a started process runs in its own group and stopProcess ends it and its children', async () => {
  const marker = path.join(dir, 'child.pid');
  const proc = startProcess(
    'sleeper',
    '/bin/sh',
    ['-c', `sleep 60 & echo $! > ${marker}; wait`],
    path.join(dir, 'a.log'),
  );
  assert.ok(isRunning(proc));
  await waitFor(() => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() !== '');
  const childPid = Number(fs.readFileSync(marker, 'utf8'));
  await stopProcess(proc, 2000);
  assert.equal(isRunning(proc), false);
  assert.equal(alive(childPid), false, 'the grandchild in the same group is gone too');
});

test('isRunning refuses a pid that now belongs to another program', () => {
  assert.equal(isRunning({ name: 'x', pid: process.pid, binary: '/not/our/binary', logFile: '' }), false);
});

test('a process that exits early fails the health wait with its log lines and log path', async () => {
  const log = path.join(dir, 'early.log');
  const proc = startProcess('broken', '/bin/sh', ['-c', 'echo "bad flag --nope"; exit 3'], log);
  await assert.rejects(
    waitHealthy('broken', proc, 5000, async () => false),
    (err: unknown) =>
      err instanceof DevClusterError &&
      err.step === 'starting broken' &&
      err.logFile === log &&
      /exited early/.test(err.message) &&
      /bad flag --nope/.test(err.message),
  );
});

test('a process that never becomes healthy times out naming the step and its log', async () => {
  const log = path.join(dir, 'slow.log');
  const proc = startProcess('slow', '/bin/sh', ['-c', 'echo starting; sleep 30'], log);
  try {
    await assert.rejects(
      waitHealthy('slow', proc, 600, async () => false),
      (err: unknown) => {
        assert.ok(err instanceof DevClusterError);
        assert.match(err.message, /starting slow failed: not healthy after/);
        assert.match(err.message, new RegExp(log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return true;
      },
    );
  } finally {
    await stopProcess(proc, 1000);
  }
});

test('portBusy sees a listening port and freePort returns a bindable one', async () => {
  const port = await freePort();
  assert.equal(await portBusy(port), false);
  const server = net.createServer().listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    assert.equal(await portBusy(port), true);
  } finally {
    server.close();
  }
});

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
}
