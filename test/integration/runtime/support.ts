import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../../../src/runtime/kube/client.ts';
import { WellKnown, type KubeObject, type ResourceType } from '../../../src/runtime/kube/types.ts';
import { OperatorConfig } from '../../../src/runtime/config/operator-config.ts';
import { createLogger } from '../../../src/runtime/logger.ts';
import { eventually } from '../../support/cluster.ts';

/** A test-only custom resource with a status subresource, so no test depends on the Flink API. */
export const Widgets: ResourceType = {
  group: 'test.flink-operator.dev',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

export interface Widget extends KubeObject {
  spec?: { size?: number; color?: string };
  status?: { observed?: number; note?: string; other?: string };
}

/** Installs the Widget CRD unless present and waits until it is served. */
export async function installWidgetCrd(client: KubeClient): Promise<void> {
  const crd = {
    metadata: { name: `${Widgets.plural}.${Widgets.group}` },
    spec: {
      group: Widgets.group,
      scope: 'Namespaced',
      names: { plural: Widgets.plural, singular: 'widget', kind: Widgets.kind, listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
  await client.create(WellKnown.customResourceDefinitions, crd).catch((err: { status?: number }) => {
    if (err.status !== 409) throw err;
  });
  await eventually(async () => (await client.list(Widgets, 'default')).items !== undefined || undefined, {
    what: 'widgets CRD served',
    timeoutMs: 60_000,
  });
}

/** A loopback TCP proxy to the API server whose connections a test can cut at will. */
export async function startCuttableProxy(kc: KubeConfig) {
  const target = new URL(kc.getCurrentCluster()?.server ?? '');
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const proxied = new KubeConfig();
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error('kubeconfig lacks a cluster or user');
  proxied.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: [user],
    contexts: [{ name: 'proxied', cluster: cluster.name, user: user.name }],
    currentContext: 'proxied',
  });
  return {
    kubeConfig: proxied,
    /** Destroys every open connection (watches included) mid-stream. */
    cutAll: () => {
      for (const s of sockets) s.destroy();
    },
    /** An outage: open connections cut, new ones reset until `up()`. */
    down: () => {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    up: () => {
      refusing = false;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Operator configuration for tests: fast retries, quiet health/metrics ports chosen by the test. */
export function testConfig(values: Record<string, string> = {}): OperatorConfig {
  return new OperatorConfig({
    'kubernetes.operator.retry.initial.interval': '100 ms',
    'kubernetes.operator.dynamic.config.enabled': 'false',
    ...values,
  });
}

export const quietLog = () => createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
