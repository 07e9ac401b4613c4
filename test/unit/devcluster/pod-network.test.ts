import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { claimPodAddressPrefix } from '../../../src/devcluster/pod-network.ts';

test('two claims get different pod address ranges; a released range can be claimed again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-net-'));
  const first = claimPodAddressPrefix(dir);
  const second = claimPodAddressPrefix(dir);
  assert.notEqual(first.prefix, second.prefix);
  assert.match(first.prefix, /^127\.\d+$/);
  first.release();
  assert.equal(fs.existsSync(path.join(dir, first.prefix)), false);
  const third = claimPodAddressPrefix(dir);
  assert.equal(third.prefix, first.prefix);
  second.release();
  third.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a lock left by a process that is gone is taken over', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-net-'));
  const probe = claimPodAddressPrefix(dir);
  probe.release();
  fs.writeFileSync(path.join(dir, probe.prefix), '999999999');
  const claim = claimPodAddressPrefix(dir);
  assert.equal(claim.prefix, probe.prefix);
  claim.release();
  fs.rmSync(dir, { recursive: true, force: true });
});
