/**
 * `helm install` of the chart on the local cluster: the node agent runs the operator pod from this
 * checkout (the chart's default image), with its ConfigMap as FLINK_CONF_DIR and in-cluster
 * credentials of its service account, and that operator runs the example FlinkDeployment on real
 * Flink. The webhook is left out here: the local cluster has no Service routing for the API server
 * to reach it (test/integration/webhook covers it over loopback).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { FlinkDeployment } from '../../../src/api/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { CHART, REPO, helm } from './support.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const kubeconfig = process.env.FLINK_OPERATOR_TEST_KUBECONFIG!;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let workDir: string;
const release = 'ops';

before(async () => {
  ns = await createTestNamespace(kc, 'chart');
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-test-'));
});

after(async () => {
  await custom
    .deleteNamespacedCustomObject({
      group: 'flink.apache.org',
      version: 'v1beta1',
      namespace: ns.name,
      plural: 'flinkdeployments',
      name: 'example',
    })
    .catch(() => undefined);
  // The operator removes its finalizer while it still runs; then the release goes.
  await eventually(
    async () =>
      custom
        .getNamespacedCustomObject({
          group: 'flink.apache.org',
          version: 'v1beta1',
          namespace: ns.name,
          plural: 'flinkdeployments',
          name: 'example',
        })
        .then(
          () => undefined,
          () => true,
        ),
    { timeoutMs: 60_000, what: 'the example to be deleted' },
  ).catch(() => undefined);
  await helm('uninstall', release, '--namespace', ns.name, '--kubeconfig', kubeconfig).catch(() => undefined);
  await ns.remove();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test(
  'the chart installs, its operator pod runs and reconciles the example to RUNNING on Flink',
  { timeout: 240_000 },
  async () => {
    const values = path.join(workDir, 'values.yaml');
    fs.writeFileSync(
      values,
      YAML.stringify({
        watchNamespaces: [ns.name],
        webhook: { create: false },
        defaultConfiguration: {
          'config.yaml': YAML.stringify({
            // The operator runs on the host, where cluster DNS does not exist: Flink REST by pod address.
            'kubernetes.operator.rest.address-resolution': 'pod-ip',
            'kubernetes.operator.reconcile.interval': '5 s',
            'kubernetes.operator.observer.progress-check.interval': '2 s',
          }),
        },
      }),
    );
    const out = await helm(
      'install',
      release,
      CHART,
      '--namespace',
      ns.name,
      '--kubeconfig',
      kubeconfig,
      '--values',
      values,
    );
    assert.match(out, /STATUS: deployed/);

    const pod = await eventually(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: 'app.kubernetes.io/name=flink-operator',
        });
        const p = pods.items[0];
        return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
      },
      { timeoutMs: 60_000, what: 'the operator pod to be ready (readiness probe on the health port)' },
    );
    assert.equal(pod.spec?.serviceAccountName, 'flink-operator');

    const example = YAML.parse(
      fs.readFileSync(path.join(REPO, 'examples', 'local-application.yaml'), 'utf8'),
    ) as FlinkDeployment;
    example.metadata.namespace = ns.name;
    await custom.createNamespacedCustomObject({
      group: 'flink.apache.org',
      version: 'v1beta1',
      namespace: ns.name,
      plural: 'flinkdeployments',
      body: example,
    });
    const running = await eventually(
      async () => {
        const d = (await custom.getNamespacedCustomObject({
          group: 'flink.apache.org',
          version: 'v1beta1',
          namespace: ns.name,
          plural: 'flinkdeployments',
          name: 'example',
        })) as FlinkDeployment;
        return d.status?.jobStatus?.state === 'RUNNING' && d.status.lifecycleState === 'STABLE'
          ? d
          : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: 'the example job to run' },
    );
    assert.equal(running.status?.jobManagerDeploymentStatus, 'READY');
    // The operator that did it is the chart's: it recorded its Events from inside the cluster.
    const events = await core.listNamespacedEvent({ namespace: ns.name });
    assert.ok(events.items.some((e) => e.involvedObject.name === 'example' && e.reportingComponent));
  },
);
