import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { KubeClient } from '../../../src/runtime/kube/client.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { Widgets, installWidgetCrd } from './support.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const children: ChildProcess[] = [];

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
function operator(identity: string, log: Reconcile[]): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./fixtures/leader-process.ts', import.meta.url).pathname,
      process.env.FLINK_OPERATOR_TEST_KUBECONFIG as string,
      ns.name,
      'test-operator-lease',
      identity,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const parsed = JSON.parse(line) as Partial<Reconcile> & { name?: string };
    if (parsed.name) log.push({ identity: parsed.identity as string, at: parsed.at as number });
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

test('two operator processes: exactly one reconciles; the other takes over when the leader stops or dies', async () => {
  await client.create(Widgets, { metadata: { name: 'w', namespace: ns.name }, spec: { size: 1 } });
  const log: Reconcile[] = [];
  const procs = new Map([
    ['a', operator('a', log)],
    ['b', operator('b', log)],
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

  // Graceful stop: the leader finishes, releases the lease, and the standby takes over at once.
  const stoppedAt = Date.now();
  procs.get(first)?.kill('SIGTERM');
  await exited(procs.get(first) as ChildProcess);
  const second = first === 'a' ? 'b' : 'a';
  await eventually(async () => log.find((r) => r.identity === second), { what: 'takeover after stop' });
  const takeover = (log.find((r) => r.identity === second)?.at ?? 0) - stoppedAt;
  assert.ok(takeover < 3000, `takeover after a release took ${takeover} ms`);
  const lastOfFirst = Math.max(...log.filter((r) => r.identity === first).map((r) => r.at));
  const firstOfSecond = Math.min(...log.filter((r) => r.identity === second).map((r) => r.at));
  assert.ok(lastOfFirst < firstOfSecond, 'no overlap between leaders');

  // Crash: SIGKILL gives no chance to release; the standby waits out the 3 s lease.
  const c = operator('c', log);
  procs.set('c', c);
  await eventually(async () => (log.filter((r) => r.identity === second).length >= 3 ? true : undefined), {
    what: 'second leader working',
  });
  await sleep(2000); // let c start and become a standby
  const killedAt = Date.now();
  procs.get(second)?.kill('SIGKILL');
  await exited(procs.get(second) as ChildProcess);
  await eventually(async () => log.find((r) => r.identity === 'c'), {
    what: 'takeover after a crash',
    timeoutMs: 20_000,
  });
  const crashTakeover = (log.find((r) => r.identity === 'c')?.at ?? 0) - killedAt;
  assert.ok(crashTakeover >= 2000, `waited for the lease to expire (${crashTakeover} ms)`);
  assert.ok(
    crashTakeover < 3000 + 2000,
    `took over within the lease duration plus a retry (${crashTakeover} ms)`,
  );
  c.kill('SIGTERM');
  await exited(c);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
