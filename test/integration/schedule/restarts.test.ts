/**
 * Schedule state lives in the API server: operator processes are SIGKILLed around ticks 20 times,
 * and two instances with leader election fail over (crash and graceful stop). The runs created
 * must be exactly the ticks cron maths gives for the time the template existed: no duplicate, no gap.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { installCrds, type FlinkDeployment } from '../../../src/api/index.ts';
import { FLINK_DEPLOYMENTS, SCHEDULED_TIME_ANNOTATION } from '../../../src/controllers/schedule/index.ts';
import { KubeClient, WellKnown, type KubeObject } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import {
  everyNSeconds,
  listRuns,
  sleep,
  spawnOperator,
  templateManifest,
  type OperatorProcess,
} from './support.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
const namespaces: Awaited<ReturnType<typeof createTestNamespace>>[] = [];
const processes: OperatorProcess[] = [];
const PERIOD_MS = 5000;

before(async () => {
  await installCrds(kc);
});
after(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(namespaces.map((n) => n.remove()));
  client.close();
});

async function testNamespace(prefix: string): Promise<string> {
  const ns = await createTestNamespace(kc, prefix);
  namespaces.push(ns);
  return ns.name;
}

/** Creates the every-5-seconds template; returns its creation time. */
async function createTemplate(namespace: string): Promise<number> {
  const created = await client.create<FlinkDeployment>(
    FLINK_DEPLOYMENTS,
    templateManifest(namespace, 'every5s', { cron: '*/5 * * * * ?', concurrencyPolicy: 'Allow' }),
  );
  return Date.parse(created.metadata.creationTimestamp ?? '');
}

function operator(namespace: string, identity: string, lease = ''): OperatorProcess {
  const p = spawnOperator(namespace, identity, lease);
  processes.push(p);
  return p;
}

const nextTickAfter = (ms: number) => (Math.floor(ms / PERIOD_MS) + 1) * PERIOD_MS;

async function sleepUntil(ms: number): Promise<void> {
  const wait = ms - Date.now();
  if (wait > 0) await sleep(wait);
}

async function runTicks(namespace: string): Promise<number[]> {
  return (await listRuns(client, namespace))
    .map((r) => Date.parse(r.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION] ?? ''))
    .sort((a, b) => a - b);
}

async function waitForRunOf(namespace: string, tick: number): Promise<void> {
  await eventually(async () => ((await runTicks(namespace)).includes(tick) ? true : undefined), {
    timeoutMs: 20_000,
    what: `the run for ${new Date(tick).toISOString()}`,
  });
}

function assertExactly(actual: number[], expected: number[]): void {
  const iso = (ticks: number[]) => ticks.map((t) => new Date(t).toISOString());
  const duplicates = actual.filter((t, i) => actual.indexOf(t) !== i);
  assert.deepEqual(iso(duplicates), [], 'duplicate runs');
  assert.deepEqual(iso(actual), iso(expected), 'one run per tick');
}

test('an operator SIGKILLed and restarted around ticks 20 times creates every tick exactly once', async () => {
  const namespace = await testNamespace('sched-restart');
  // Kill moments relative to a tick: before it, at it, and while its run is being created.
  const offsets = [-300, -100, -20, 0, 5, 15, 30, 50, 80, 120];
  let current = operator(namespace, 'op-0');
  await current.ready;
  let startedAt = await current.start();
  // Created once an operator runs, so every tick from the first one on is seen by a live operator.
  const createdMs = await createTemplate(namespace);
  const downtimes: number[] = [];
  const gaps: [number, number][] = [];
  for (let i = 0; i < 20; i++) {
    const next = operator(namespace, `op-${i + 1}`);
    await next.ready; // booted and waiting, so the gap is only start-up and cache sync
    const tick = nextTickAfter(Math.max(Date.now(), startedAt + 1000) + 300);
    await sleepUntil(tick + (offsets[i % offsets.length] ?? 0));
    current.child.kill('SIGKILL');
    const killedAt = Date.now();
    await current.exited;
    startedAt = await next.start();
    downtimes.push(startedAt - killedAt);
    gaps.push([killedAt, startedAt]);
    current = next;
  }
  const lastTick = nextTickAfter(startedAt + 1000);
  await waitForRunOf(namespace, lastTick);
  current.child.kill('SIGTERM');
  await current.exited;
  console.log(`downtimes (ms): ${downtimes.join(', ')}`);
  // Like a CronJob, an operator that was down for several ticks starts only the latest one; on a
  // loaded machine a gap may be that long, and then the earlier ticks of the gap are not expected.
  const superseded = (tick: number) => gaps.some(([down, up]) => tick >= down && tick + PERIOD_MS <= up);
  const expected = everyNSeconds(PERIOD_MS / 1000, createdMs, lastTick).filter((t) => !superseded(t));
  assertExactly(await runTicks(namespace), expected);
});

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string };
}

test('two instances with leader election: a crashed and a stopped leader hand over with no duplicate and no lost run', async () => {
  const namespace = await testNamespace('sched-lead');
  const lease = 'schedule-operator';
  const holder = async () =>
    (await client.get<Lease>(WellKnown.leases, namespace, lease)).spec?.holderIdentity;
  const instances = new Map([
    ['a', operator(namespace, 'a', lease)],
    ['b', operator(namespace, 'b', lease)],
  ]);
  await Promise.all([...instances.values()].map((p) => p.ready));
  await Promise.all([...instances.values()].map((p) => p.start()));
  const leaderOf = async () => {
    const id = await eventually(holder, { what: 'a lease holder' });
    return { id, process: instances.get(id) as OperatorProcess };
  };
  // The template comes once a leader leads, so every tick from its creation on is owed a run
  // (booting two operator processes on a busy machine may otherwise outlast the first tick).
  const first = await leaderOf();
  const createdMs = await createTemplate(namespace);

  // Crash the leader 200 ms before a tick: the standby waits out the lease and runs that tick late.
  await waitForRunOf(namespace, nextTickAfter(Date.now()));
  await sleepUntil(nextTickAfter(Date.now() + 1000) - 200);
  first.process.child.kill('SIGKILL');
  await first.process.exited;
  instances.delete(first.id);
  const second = await eventually(
    async () => {
      const id = await holder();
      return id && id !== first.id ? id : undefined;
    },
    { what: 'takeover after a crash', timeoutMs: 15_000 },
  );

  const c = operator(namespace, 'c', lease);
  instances.set('c', c);
  await c.ready;
  await c.start();
  await waitForRunOf(namespace, nextTickAfter(Date.now()));

  // Stop the leader gracefully just after a tick: it releases the lease and c takes over at once.
  await sleepUntil(nextTickAfter(Date.now()) + 30);
  const secondProcess = instances.get(second) as OperatorProcess;
  secondProcess.child.kill('SIGTERM');
  await secondProcess.exited;
  await eventually(async () => ((await holder()) === 'c' ? true : undefined), {
    what: 'takeover after a stop',
  });
  const lastTick = nextTickAfter(Date.now() + 1000);
  await waitForRunOf(namespace, lastTick);
  c.child.kill('SIGTERM');
  await c.exited;
  assertExactly(await runTicks(namespace), everyNSeconds(PERIOD_MS / 1000, createdMs, lastTick));
});
