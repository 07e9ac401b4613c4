/**
 * The operator process must not load @kubernetes/client-node: its generated API modules cost about
 * 70 MiB of resident memory (bench/README.md). Only the dev cluster and tests use the library.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('./fixtures/register-resolutions.mjs', import.meta.url));

function modulesLoadedBy(args: string[]): string[] {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'resolutions-')), 'log');
  execFileSync(process.execPath, ['--import', 'tsx', '--import', REGISTER, ...args], {
    cwd: ROOT,
    env: { ...process.env, RESOLUTION_LOG: log },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

test('the operator and its CLI load no module of @kubernetes/client-node', () => {
  const loaded = modulesLoadedBy([
    '--input-type=module',
    '-e',
    [
      "await import('./src/operator.ts');",
      "await import('./src/cli/run.ts');",
      "await import('./src/api/index.ts');",
    ].join(''),
  ]);
  assert.ok(
    loaded.some((url) => url.endsWith('/src/operator.ts')),
    'the hook saw the imports',
  );
  assert.deepEqual(
    loaded.filter((url) => url.includes('/@kubernetes/client-node/')),
    [],
  );
});

test('`flink-operator --help` loads neither the library, the dev cluster nor the webhook', () => {
  const loaded = modulesLoadedBy(['src/cli/main.ts', '--help']);
  assert.ok(loaded.some((url) => url.endsWith('/src/cli/run.ts')));
  assert.deepEqual(
    loaded.filter(
      (url) =>
        url.includes('/@kubernetes/client-node/') ||
        url.includes('/src/devcluster/controlplane') ||
        url.includes('/@peculiar/x509/'),
    ),
    [],
  );
});

test('the webhook loads no module of @kubernetes/client-node either', () => {
  const loaded = modulesLoadedBy(['--input-type=module', '-e', "await import('./src/webhook/index.ts');"]);
  assert.ok(loaded.some((url) => url.endsWith('/src/webhook/index.ts')));
  assert.deepEqual(
    loaded.filter((url) => url.includes('/@kubernetes/client-node/')),
    [],
  );
});
