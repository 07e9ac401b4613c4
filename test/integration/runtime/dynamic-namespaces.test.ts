/**
 * With `kubernetes.operator.dynamic.namespaces.enabled`, a change of the watched namespaces in the
 * operator's configuration file starts and stops the watches of the running operator.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Action } from '../../../src/runtime/action.ts';
import { Controller } from '../../../src/runtime/controller.ts';
import { KubeClient } from '../../../src/runtime/kube/client.ts';
import { Manager } from '../../../src/runtime/manager.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { Widgets, installWidgetCrd, quietLog, type Widget } from './support.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  client.close();
});

/** Writes the config file the way a ConfigMap volume changes: a whole new file swapped in. */
async function writeConfig(file: string, namespaces: string): Promise<void> {
  const text = [
    'kubernetes.operator.dynamic.config.enabled: true',
    'kubernetes.operator.dynamic.config.check.interval: 200 ms',
    'kubernetes.operator.dynamic.namespaces.enabled: true',
    'kubernetes.operator.retry.initial.interval: 100 ms',
    `kubernetes.operator.watched.namespaces: ${namespaces}`,
    '',
  ].join('\n');
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

test('namespaces added to the configuration get watched and reconciled; removed ones are let go', async () => {
  await installWidgetCrd(client);
  const a = await createTestNamespace(kc, 'dyn-a');
  const b = await createTestNamespace(kc, 'dyn-b');
  cleanups.push(
    () => a.remove(),
    () => b.remove(),
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dyn-ns-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.yaml');
  await writeConfig(file, a.name);

  const manager = new Manager({
    kubeConfig: kc,
    configSource: { configFile: file, env: {} },
    log: quietLog(),
    healthPort: 0,
    metricsPort: 0,
    host: '127.0.0.1',
  });
  const controller = new Controller<Widget>({
    resource: Widgets,
    reconcile: async (obj, ctx) => {
      await ctx.updateStatus<Widget['status']>((status) => ({ ...status, observed: obj.spec?.size }));
      return Action.awaitChange();
    },
  });
  manager.add(controller);
  cleanups.push(() => manager.stop());
  await manager.start();

  const widget = (ns: string, name: string): Widget => ({
    metadata: { name, namespace: ns },
    spec: { size: 1 },
  });
  const observed = async (ns: string, name: string) =>
    (await client.get<Widget>(Widgets, ns, name)).status?.observed;
  const watchesOf = (ns: string) =>
    controller.watchers().filter((w) => w.source.description.endsWith(` in ${ns}`)).length;

  await client.create(Widgets, widget(a.name, 'first'));
  await client.create(Widgets, widget(b.name, 'early'));
  await eventually(async () => ((await observed(a.name, 'first')) === 1 ? true : undefined), {
    what: 'the widget in the watched namespace reconciled',
  });
  assert.equal(watchesOf(b.name), 0, 'namespace B is not watched yet');

  await writeConfig(file, `${a.name},${b.name}`);
  await eventually(async () => ((await observed(b.name, 'early')) === 1 ? true : undefined), {
    what: 'the widget that already existed in the added namespace reconciled',
  });
  await client.create(Widgets, widget(b.name, 'later'));
  await eventually(async () => ((await observed(b.name, 'later')) === 1 ? true : undefined), {
    what: 'a widget created in the added namespace reconciled',
  });

  await writeConfig(file, a.name);
  await eventually(async () => (watchesOf(b.name) === 0 ? true : undefined), {
    what: 'the watch of the removed namespace stopped',
  });
  await client.create(Widgets, widget(b.name, 'ignored'));
  // A widget created after it in A being reconciled shows the operator is working meanwhile.
  await client.create(Widgets, widget(a.name, 'marker'));
  await eventually(async () => ((await observed(a.name, 'marker')) === 1 ? true : undefined), {
    what: 'the widget in the remaining namespace reconciled',
  });
  assert.equal(await observed(b.name, 'ignored'), undefined, 'the removed namespace is left alone');
  assert.equal(watchesOf(a.name), 1);
});
