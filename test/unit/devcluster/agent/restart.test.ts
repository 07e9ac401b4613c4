import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideContainer, podPhase, restartBackoffMs } from '../../../../src/devcluster/agent/restart.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const exited = (exitCode: number, restartCount = 0) => ({
  startedAt: new Date(t0 - 1000),
  finishedAt: new Date(t0),
  exitCode,
  restartCount,
});

test('a container never started is started', () => {
  assert.deepEqual(decideContainer('Always', undefined, t0), { action: 'start' });
});

test('a running container is left alone', () => {
  assert.deepEqual(decideContainer('Always', { startedAt: new Date(t0), restartCount: 0 }, t0), {
    action: 'none',
  });
});

test('restart policies: Always restarts any exit, OnFailure only failures, Never nothing', () => {
  const later = t0 + 120_000;
  assert.equal(decideContainer('Always', exited(0), later).action, 'start');
  assert.equal(decideContainer('OnFailure', exited(0), later).action, 'none');
  assert.equal(decideContainer('OnFailure', exited(1), later).action, 'start');
  assert.equal(decideContainer('Never', exited(1), later).action, 'none');
  assert.equal(decideContainer(undefined, exited(0), later).action, 'start', 'Always is the default');
});

test('restarts wait for a doubling back-off capped at one minute', () => {
  assert.equal(restartBackoffMs(0), 2_000);
  assert.equal(restartBackoffMs(1), 4_000);
  assert.equal(restartBackoffMs(4), 32_000);
  assert.equal(restartBackoffMs(30), 60_000);
  assert.deepEqual(decideContainer('Always', exited(1, 2), t0 + 1_000), {
    action: 'wait',
    untilMs: t0 + 8_000,
  });
  assert.deepEqual(decideContainer('Always', exited(1, 2), t0 + 8_000), { action: 'start' });
});

test('pod phase follows the containers and the restart policy', () => {
  const pod = (restartPolicy: string) => ({ spec: { restartPolicy, containers: [] } });
  assert.equal(podPhase(pod('Never'), [undefined]), 'Pending');
  assert.equal(podPhase(pod('Never'), [{ startedAt: new Date(), restartCount: 0 }]), 'Running');
  assert.equal(podPhase(pod('Never'), [exited(0), exited(0)]), 'Succeeded');
  assert.equal(podPhase(pod('Never'), [exited(0), exited(2)]), 'Failed');
  assert.equal(podPhase(pod('OnFailure'), [exited(2)]), 'Running');
  assert.equal(podPhase(pod('Always'), [exited(0)]), 'Running');
});
