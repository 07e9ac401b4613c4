import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawWatchEvent } from '../../../src/runtime/kube/client.ts';
import type { KubeObject } from '../../../src/runtime/kube/types.ts';
import {
  DEFAULT_WATCH_BACKOFF,
  Watcher,
  type WatchSource,
  type WatcherEvent,
} from '../../../src/runtime/watcher.ts';

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/** A scripted API: lists and watch streams are consumed in order; records where watches started. */
function scriptedSource(
  lists: { items: KubeObject[]; resourceVersion: string }[],
  watches: (RawWatchEvent | Error)[][],
  onExhausted: () => void,
) {
  const watchedFrom: string[] = [];
  let listCalls = 0;
  const source: WatchSource<KubeObject> = {
    description: 'widgets',
    async list() {
      const next = lists[listCalls++];
      if (!next) throw new Error('unexpected list');
      return next;
    },
    async *watch(resourceVersion, signal) {
      watchedFrom.push(resourceVersion);
      const script = watches.shift();
      if (!script) {
        onExhausted();
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return;
      }
      for (const step of script) {
        if (step instanceof Error) throw step;
        yield step;
      }
    },
  };
  return { source, watchedFrom, listCalls: () => listCalls };
}

test('resumes from the newest version (bookmarks too) and relists with a diff after 410', async () => {
  const stop = new AbortController();
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const { source, watchedFrom, listCalls } = scriptedSource(
    [
      { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' },
      { items: [obj('a', '21'), obj('c', '22')], resourceVersion: '30' },
    ],
    [
      [
        { type: 'MODIFIED', object: obj('a', '11') },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } },
        reset,
      ],
      [
        {
          type: 'ERROR',
          object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
        },
      ],
    ],
    () => stop.abort(),
  );
  const events: WatcherEvent<KubeObject>[] = [];
  const watcher = new Watcher(source, {
    onEvent: (e) => events.push(e),
    backoff: { initialMs: 1, multiplier: 1 },
  });
  await watcher.run(stop.signal);

  assert.deepEqual(watchedFrom, ['10', '15', '30'], 'resumed from the bookmark, then from the relist');
  assert.equal(listCalls(), 2);
  const summary = events.map((e) =>
    e.type === 'applied' || e.type === 'deleted'
      ? `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`
      : e.type === 'interrupted'
        ? `interrupted relist=${e.relist}`
        : `synced ${e.resourceVersion}`,
  );
  assert.deepEqual(summary, [
    'applied a@1',
    'applied b@2',
    'synced 10',
    'applied a@11',
    'interrupted relist=false',
    'interrupted relist=true',
    'deleted b@2',
    'applied a@21',
    'applied c@22',
    'synced 30',
  ]);
  assert.deepEqual(watcher.store.keys().sort(), ['ns/a', 'ns/c']);
  assert.equal(watcher.synced, true);
});

test('an unchanged object is not re-announced by a relist', async () => {
  const stop = new AbortController();
  const { source } = scriptedSource(
    [
      { items: [obj('a', '1')], resourceVersion: '5' },
      { items: [obj('a', '1')], resourceVersion: '9' },
    ],
    [[{ type: 'ERROR', object: { code: 410 } }]],
    () => stop.abort(),
  );
  const applied: string[] = [];
  await new Watcher(source, {
    onEvent: (e) => e.type === 'applied' && applied.push(e.object.metadata.name ?? ''),
  }).run(stop.signal);
  assert.deepEqual(applied, ['a']);
});

test('retain: the cache and the events hold only what the controller keeps of each object', async () => {
  const stop = new AbortController();
  const big = (name: string, rv: string) => ({ ...obj(name, rv), spec: { template: 'large', replicas: 1 } });
  const { source } = scriptedSource(
    [{ items: [big('a', '1')], resourceVersion: '10' }],
    [[{ type: 'ADDED', object: big('b', '11') }]],
    () => stop.abort(),
  );
  const applied: (KubeObject & { spec?: object })[] = [];
  const watcher = new Watcher<KubeObject & { spec?: object }>(source, {
    onEvent: (e) => {
      if (e.type === 'applied') applied.push(e.object);
    },
    retain: (o) => ({ metadata: o.metadata, spec: { replicas: 1 } }),
  });
  await watcher.run(stop.signal);
  assert.deepEqual(
    applied.map((o) => o.spec),
    [{ replicas: 1 }, { replicas: 1 }],
    'listed and watched objects alike',
  );
  assert.deepEqual(watcher.store.get('ns/b'), { metadata: obj('b', '11').metadata, spec: { replicas: 1 } });
});

/** The waits the watcher chose before each retry, read from its warnings. */
function recordedWaits() {
  const waits: { relist: boolean; ms: number }[] = [];
  const log = {
    warn: (fields: { relist: boolean; retryInMs: number }) =>
      waits.push({ relist: fields.relist, ms: fields.retryInMs }),
    error: () => undefined,
  };
  // Only warn and error are called by the watcher.
  return { waits, log: log as unknown as NonNullable<ConstructorParameters<typeof Watcher>[1]['log']> };
}

test('after an outage, the first answer (410) relists at once: the failures before it do not count', async () => {
  const stop = new AbortController();
  const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const outage = Array.from({ length: 8 }, () => [refused()]);
  const { source, listCalls } = scriptedSource(
    [
      { items: [obj('a', '1')], resourceVersion: '5' },
      { items: [obj('a', '7')], resourceVersion: '9' },
    ],
    [...outage, [{ type: 'ERROR', object: { code: 410 } }]],
    () => stop.abort(),
  );
  const { waits, log } = recordedWaits();
  await new Watcher(source, {
    onEvent: () => undefined,
    log,
    backoff: { initialMs: 1, multiplier: 2, maxMs: 20 },
  }).run(stop.signal);
  assert.equal(listCalls(), 2);
  assert.equal(waits.length, 9);
  assert.ok(
    waits.slice(0, 8).every((w) => !w.relist && w.ms > 0 && w.ms <= 24),
    JSON.stringify(waits),
  );
  assert.deepEqual(waits[8], { relist: true, ms: 0 });
});

test('410s that keep coming right after each relist back off instead of relisting in a loop', async () => {
  const stop = new AbortController();
  const gone: RawWatchEvent = { type: 'ERROR', object: { code: 410 } };
  const { source } = scriptedSource(
    [1, 2, 3, 4].map((n) => ({ items: [obj('a', String(n))], resourceVersion: String(n) })),
    [[gone], [gone], [gone]],
    () => stop.abort(),
  );
  const { waits, log } = recordedWaits();
  await new Watcher(source, { onEvent: () => undefined, log, backoff: { initialMs: 5, multiplier: 2 } }).run(
    stop.signal,
  );
  assert.deepEqual(
    waits.map((w) => w.ms > 0),
    [false, true, true],
  );
});

test('the default reconnect delay stays within the 5 s recovery target', () => {
  assert.ok((DEFAULT_WATCH_BACKOFF.maxMs ?? Infinity) * 1.2 <= 5_000);
});
