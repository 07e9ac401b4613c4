import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { KubeClient } from '../../../src/runtime/kube/client.ts';
import { WellKnown, type KubeObject } from '../../../src/runtime/kube/types.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { Widgets, installWidgetCrd } from './support.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const children: ChildProcess[] = [];
const LEASE = 'test-operator-lease';

before(async () => {
  await installWidgetCrd(client);
  ns = await createTestNamespace(kc, 'lead');
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await ns.remove();
  client.close();
});

interface Reconcile {
  identity: string;
  at: number;
}

/** Starts an operator process; its reconciles are appended to `log`. */
function operator(identity: string, log: Reconcile[], started: Set<string>): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./fixtures/leader-process.ts', import.meta.url).pathname,
      process.env.FLINK_OPERATOR_TEST_KUBECONFIG as string,
      ns.name,
      LEASE,
      identity,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const parsed = JSON.parse(line) as Partial<Reconcile> & { name?: string; started?: boolean };
    if (parsed.started) started.add(identity);
    if (parsed.name) log.push({ identity: parsed.identity as string, at: parsed.at as number });
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseTransitions?: number;
}
const leaseSpec = async (): Promise<LeaseSpec> =>
  (await client.get<{ spec?: LeaseSpec } & KubeObject>(WellKnown.leases, ns.name, LEASE)).spec ?? {};

/** Every holder the lease had from `resourceVersion` on, in order ('' when released); no write is missed. */
function recordHolders(resourceVersion: string): { seen: string[]; stop: () => void } {
  const seen: string[] = [];
  const abort = new AbortController();
  void (async () => {
    let version = resourceVersion;
    while (!abort.signal.aborted) {
      try {
        for await (const event of client.watch(WellKnown.leases, ns.name, {
          fieldSelector: `metadata.name=${LEASE}`,
          resourceVersion: version,
          signal: abort.signal,
        })) {
          const lease = event.object as { spec?: LeaseSpec } & KubeObject;
          version = lease.metadata.resourceVersion ?? version;
          if (event.type !== 'MODIFIED') continue;
          const holder = lease.spec?.holderIdentity ?? '';
          if (seen.at(-1) !== holder) seen.push(holder);
        }
      } catch {
        // The stream ended or broke: resume from the last version seen.
      }
    }
  })();
  return { seen, stop: () => abort.abort() };
}

// Wall-clock bounds would fail on a loaded machine; the lease itself shows who handed over how.
test('two operator processes: exactly one reconciles; the other takes over when the leader stops or dies', async () => {
  await client.create(Widgets, { metadata: { name: 'w', namespace: ns.name }, spec: { size: 1 } });
  const log: Reconcile[] = [];
  const started = new Set<string>();
  const procs = new Map([
    ['a', operator('a', log, started)],
    ['b', operator('b', log, started)],
  ]);
  await eventually(async () => (log.length >= 5 ? true : undefined), {
    what: 'reconciles',
    timeoutMs: 60_000,
  });
  const first = log[0]?.identity as string;
  assert.ok(
    log.every((r) => r.identity === first),
    'only the leader reconciles',
  );
  assert.equal((await leaseSpec()).holderIdentity, first, 'the lease names the reconciling process');

  // Graceful stop: the leader finishes and hands the lease back, so the standby need not wait it out.
  const second = first === 'a' ? 'b' : 'a';
  const holders = recordHolders(
    (await client.get<KubeObject>(WellKnown.leases, ns.name, LEASE)).metadata.resourceVersion as string,
  );
  procs.get(first)?.kill('SIGTERM');
  await exited(procs.get(first) as ChildProcess);
  await eventually(async () => log.find((r) => r.identity === second), { what: 'takeover after stop' });
  const afterStop = await leaseSpec();
  assert.equal(afterStop.holderIdentity, second);
  const lastOfFirst = Math.max(...log.filter((r) => r.identity === first).map((r) => r.at));
  const firstOfSecond = Math.min(...log.filter((r) => r.identity === second).map((r) => r.at));
  assert.ok(lastOfFirst < firstOfSecond, 'no overlap between leaders');
  await eventually(async () => (holders.seen.includes(second) ? true : undefined), {
    what: 'watched takeover',
  });
  holders.stop();
  assert.deepEqual(
    holders.seen.filter((holder) => holder !== first),
    ['', second],
    'the stopping leader released the lease before the standby took it',
  );

  // Crash: SIGKILL gives no chance to release; the standby must wait out the 3 s lease.
  const c = operator('c', log, started);
  procs.set('c', c);
  await eventually(async () => (started.has('c') ? true : undefined), {
    what: 'c started',
    timeoutMs: 60_000,
  });
  await eventually(async () => (log.filter((r) => r.identity === second).length >= 3 ? true : undefined), {
    what: 'second leader working',
  });
  const killedAt = Date.now();
  procs.get(second)?.kill('SIGKILL');
  await exited(procs.get(second) as ChildProcess);
  assert.equal((await leaseSpec()).holderIdentity, second, 'a killed leader cannot release its lease');
  await eventually(async () => log.find((r) => r.identity === 'c'), {
    what: 'takeover after a crash',
    timeoutMs: 60_000,
  });
  // c saw the last renewal at most one retry period (0.5 s) before the kill, so it waits ≥ 2.5 s.
  const crashTakeover = (log.find((r) => r.identity === 'c')?.at ?? 0) - killedAt;
  assert.ok(crashTakeover >= 2000, `waited for the lease to expire (${crashTakeover} ms)`);
  const afterCrash = await leaseSpec();
  assert.equal(afterCrash.holderIdentity, 'c');
  assert.equal(afterCrash.leaseTransitions, (afterStop.leaseTransitions ?? 0) + 1, 'one more hand-over');
  c.kill('SIGTERM');
  await exited(c);
});
