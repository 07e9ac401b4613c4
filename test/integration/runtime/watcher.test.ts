import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { KubeClient } from '../../../src/runtime/kube/client.ts';
import { WellKnown, type KubeObject } from '../../../src/runtime/kube/types.ts';
import { Watcher, kubeWatchSource, type WatcherEvent } from '../../../src/runtime/watcher.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { quietLog, startCuttableProxy } from './support.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const kc = testKubeConfig();
const client = new KubeClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

before(async () => {
  ns = await createTestNamespace(kc, 'watch');
});
after(async () => {
  await ns.remove();
  client.close();
});

const cm = (name: string, value: string): ConfigMap => ({
  metadata: { name, namespace: ns.name },
  data: { value },
});

test('a watch cut in the middle of a burst loses no change', async () => {
  const proxy = await startCuttableProxy(kc);
  const proxiedClient = new KubeClient(proxy.kubeConfig);
  const stop = new AbortController();
  const seen = new Map<string, string[]>();
  let interruptions = 0;
  const watcher = new Watcher<ConfigMap>(
    kubeWatchSource(proxiedClient, WellKnown.configMaps, { namespace: ns.name }),
    {
      log: quietLog(),
      backoff: { initialMs: 50, multiplier: 2, maxMs: 500 },
      onEvent: (e: WatcherEvent<ConfigMap>) => {
        if (e.type === 'interrupted') interruptions++;
        if (e.type === 'applied') {
          const name = e.object.metadata.name ?? '';
          seen.set(name, [...(seen.get(name) ?? []), e.object.data?.value ?? '']);
        }
      },
    },
  );
  const run = watcher.run(stop.signal);
  try {
    await watcher.waitForSync();
    for (let i = 0; i < 10; i++) await client.create(WellKnown.configMaps, cm(`burst-${i}`, '0'));
    const writes: Promise<unknown>[] = [];
    for (let round = 1; round <= 10; round++) {
      for (let i = 0; i < 10; i++) {
        writes.push(
          client.patch(WellKnown.configMaps, ns.name, `burst-${i}`, { data: { value: String(round) } }),
        );
      }
      if (round === 7) {
        // Cut again only once a new watch streams, so that this cut interrupts a watch too.
        await eventually(async () => (seen.get('burst-0')?.includes('6') ? true : undefined), {
          what: 'the watch to stream again after the first cut',
        });
      }
      if (round === 3 || round === 7) proxy.cutAll();
      await Promise.all(writes.splice(0));
    }
    await client.delete(WellKnown.configMaps, ns.name, 'burst-9');
    proxy.cutAll();
    const server = await client.list<ConfigMap>(WellKnown.configMaps, ns.name);
    await eventually(
      async () =>
        watcher.store.size === server.items.length &&
        server.items.every(
          (item) =>
            watcher.store.get(`${ns.name}/${item.metadata.name}`)?.metadata.resourceVersion ===
            item.metadata.resourceVersion,
        )
          ? true
          : undefined,
      { what: 'store to equal the server state' },
    );
    assert.ok(interruptions >= 2, `watch was cut (${interruptions} interruptions)`);
    assert.equal(watcher.store.get(`${ns.name}/burst-9`), undefined, 'deletion seen');
    for (let i = 0; i < 9; i++) {
      const values = (seen.get(`burst-${i}`) ?? []).map(Number);
      // Each patch changes the value, so each one is its own version and must have been seen in order.
      assert.deepEqual(values, [...Array(11).keys()], `every update of burst-${i} seen in order`);
    }
  } finally {
    stop.abort();
    await run;
    await proxy.close();
    proxiedClient.close();
  }
});

test('after etcd compaction the watcher gets 410, relists, sees deletions from the gap, and goes on', async () => {
  // Core Events are served without the API server's watch cache, so a watch from a compacted
  // version reaches etcd and fails with 410 Gone, exactly as after a long outage.
  const events: WatcherEvent<KubeObject>[] = [];
  const watcher = new Watcher<KubeObject>(
    kubeWatchSource(client, WellKnown.events, { namespace: ns.name, labelSelector: 'gone-test=1' }),
    { log: quietLog(), onEvent: (e) => events.push(e) },
  );
  const event = (name: string) => ({
    metadata: { name, namespace: ns.name, labels: { 'gone-test': '1' } },
    involvedObject: { kind: 'ConfigMap', name: 'x', namespace: ns.name },
    reason: 'Test',
    message: name,
    type: 'Normal',
  });
  await client.create(WellKnown.events, event('keep'));
  await client.create(WellKnown.events, event('drop'));
  const outage = new AbortController();
  const first = watcher.run(outage.signal);
  await watcher.waitForSync();
  outage.abort();
  await first;

  await client.delete(WellKnown.events, ns.name, 'drop');
  await client.create(WellKnown.events, event('added'));
  await compactEtcd();

  const stop = new AbortController();
  const run = watcher.run(stop.signal);
  try {
    await eventually(
      async () =>
        watcher.store.get(`${ns.name}/drop`) === undefined && watcher.store.get(`${ns.name}/added`)
          ? true
          : undefined,
      { what: 'store to reflect the gap' },
    );
    assert.ok(
      events.some((e) => e.type === 'interrupted' && e.relist),
      'the watch from the compacted version failed with 410 and led to a relist',
    );
    assert.ok(
      events.some((e) => e.type === 'deleted' && e.object.metadata.name === 'drop'),
      'deletion during the gap reported',
    );
    await client.create(WellKnown.events, event('later'));
    await eventually(async () => watcher.store.get(`${ns.name}/later`), { what: 'events after the relist' });
  } finally {
    stop.abort();
    await run;
  }
});

test('after an API outage, a change made meanwhile reaches the watcher within seconds of the return', async (t) => {
  const proxy = await startCuttableProxy(kc);
  const proxiedClient = new KubeClient(proxy.kubeConfig);
  const events: WatcherEvent<KubeObject>[] = [];
  // The default reconnect policy: what the operator's controllers use.
  const watcher = new Watcher<KubeObject>(
    kubeWatchSource(proxiedClient, WellKnown.events, { namespace: ns.name, labelSelector: 'outage-test=1' }),
    { log: quietLog(), onEvent: (e) => events.push(e) },
  );
  const stop = new AbortController();
  const run = watcher.run(stop.signal);
  try {
    await watcher.waitForSync();
    proxy.down();
    // The outage itself (its length is the scenario, not a wait for a result): long enough for the
    // retries to back off to their cap.
    await new Promise((r) => setTimeout(r, 15_000));
    await client.create(WellKnown.events, {
      metadata: { name: 'during', namespace: ns.name, labels: { 'outage-test': '1' } },
      involvedObject: { kind: 'ConfigMap', name: 'x', namespace: ns.name },
      reason: 'Test',
      message: 'created during the outage',
      type: 'Normal',
    });
    // Events are watched from etcd: after compaction the resumed watch gets 410, as after a long outage.
    await compactEtcd();
    const failures = events.filter((e) => e.type === 'interrupted').length;
    proxy.up();
    const back = Date.now();
    await eventually(async () => watcher.store.get(`${ns.name}/during`), {
      what: 'the change made during the outage',
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const recoveryMs = Date.now() - back;
    t.diagnostic(
      `change seen ${recoveryMs} ms after the API server answered again (${failures} failed attempts during the outage)`,
    );
    assert.ok(failures >= 4, `retries during the outage (${failures})`);
    assert.ok(
      events.some((e) => e.type === 'interrupted' && e.relist),
      'the resumed watch was answered with 410',
    );
    // Target 5 s (reconnect cap 4 s ±20 % + relist); the bound leaves room for a loaded machine.
    assert.ok(recoveryMs <= 8_000, `change seen ${recoveryMs} ms after the return`);
  } finally {
    stop.abort();
    await run;
    await proxy.close();
    proxiedClient.close();
  }
});

async function compactEtcd(): Promise<void> {
  const dir = process.env.FLINK_OPERATOR_TEST_CLUSTER_DIR;
  if (!dir) throw new Error('FLINK_OPERATOR_TEST_CLUSTER_DIR is not set');
  const state = JSON.parse(await fsp.readFile(path.join(dir, 'state.json'), 'utf8')) as {
    ports: { etcdClient: number };
  };
  const base = `http://127.0.0.1:${state.ports.etcdClient}`;
  const status = (await (
    await fetch(`${base}/v3/maintenance/status`, { method: 'POST', body: '{}' })
  ).json()) as {
    header: { revision: string };
  };
  const res = await fetch(`${base}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: status.header.revision, physical: true }),
  });
  assert.equal(res.status, 200, await res.text());
}
