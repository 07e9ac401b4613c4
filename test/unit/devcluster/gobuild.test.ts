import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DevClusterError } from '../../../src/devcluster/errors.ts';
import { ensureBinaries } from '../../../src/devcluster/gobuild.ts';

/** Runs ensureBinaries with an empty cache and a fake `go` on PATH that behaves as given. */
async function withFakeGo(script: string, fn: () => Promise<void>): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gobuild-'));
  const bin = path.join(root, 'fakebin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'go'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  const saved = { PATH: process.env.PATH, FLINK_OPERATOR_CACHE: process.env.FLINK_OPERATOR_CACHE };
  process.env.PATH = `${bin}:${saved.PATH}`;
  process.env.FLINK_OPERATOR_CACHE = path.join(root, 'cache');
  try {
    await fn();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.FLINK_OPERATOR_CACHE === undefined) delete process.env.FLINK_OPERATOR_CACHE;
    else process.env.FLINK_OPERATOR_CACHE = saved.FLINK_OPERATOR_CACHE;
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('a Go toolchain that is too old is refused with the version needed', async () => {
  await withFakeGo('echo go1.19.8', async () => {
    await assert.rejects(ensureBinaries(), (err: unknown) => {
      assert.ok(err instanceof DevClusterError);
      assert.match(
        err.message,
        /checking the Go toolchain failed: Go 1\.26\.0 or newer is needed.*found go1\.19\.8/,
      );
      return true;
    });
  });
});

test('a failed module download names the step and the log file holding the output', async () => {
  const script = [
    'if [ "$1" = env ]; then echo go1.26.8; exit 0; fi',
    'echo "go: k8s.io/kubernetes@v1.37.2: proxy refused" >&2',
    'exit 1',
  ].join('\n');
  await withFakeGo(script, async () => {
    await assert.rejects(ensureBinaries(), (err: unknown) => {
      assert.ok(err instanceof DevClusterError);
      assert.match(err.step, /^downloading k8s\.io\/kubernetes@/);
      assert.match(err.message, /proxy refused/);
      assert.ok(err.logFile && fs.readFileSync(err.logFile, 'utf8').includes('proxy refused'));
      return true;
    });
  });
});
