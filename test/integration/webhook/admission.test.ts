/**
 * The admission webhook against the real API server: the API server calls it over TLS on
 * loopback (the test's webhook configurations use a URL; the chart uses a Service), trusting the
 * CA the webhook generated and published as caBundle. Invalid resources are rejected with the
 * validator's message; valid ones are stored with their defaults; a renewed certificate keeps
 * working.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { installCrds, type FlinkDeployment } from '../../../src/api/index.ts';
import { KubeClient, type OperatorConfig } from '../../../src/runtime/index.ts';
import {
  MUTATING_WEBHOOK_CONFIGURATIONS,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from '../../../src/webhook/ca-bundle.ts';
import type { RunningWebhook } from '../../../src/webhook/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { kubectl } from '../../support/kubectl.ts';
import {
  namespaceWebhookConfig,
  startNamespaceWebhook,
  type NamespaceWebhook,
} from '../../support/webhook.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let scoped: NamespaceWebhook;
let webhook: RunningWebhook;
let configName: string;
let workDir: string;
let config: OperatorConfig;

function deployment(name: string, flinkConfiguration: Record<string, string> = {}): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name, namespace: ns.name },
    spec: {
      image: 'flink:1.20',
      flinkVersion: 'v1_20',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2', ...flinkConfiguration },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1024m', cpu: 0.5 } },
      job: { jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar', parallelism: 1 },
    },
  };
}

async function apply(obj: FlinkDeployment): ReturnType<typeof kubectl> {
  const file = path.join(workDir, `${obj.metadata.name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(obj));
  return kubectl('apply', '-f', file);
}

before(async () => {
  await installCrds(kc);
  ns = await createTestNamespace(kc, 'webhook');
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-test-'));
  config = namespaceWebhookConfig(ns.name);
  scoped = await startNamespaceWebhook(client, ns.name, () => config);
  webhook = scoped.webhook;
  configName = scoped.configName;
});

after(async () => {
  await scoped?.stop();
  await ns?.remove();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('the webhook publishes its CA as the caBundle of both configurations', async () => {
  for (const type of [VALIDATING_WEBHOOK_CONFIGURATIONS, MUTATING_WEBHOOK_CONFIGURATIONS]) {
    const config = await client.get<{
      metadata: object;
      webhooks: { clientConfig: { caBundle?: string } }[];
    }>(type, undefined, configName);
    const bundle = Buffer.from(config.webhooks[0]!.clientConfig.caBundle ?? '', 'base64').toString('utf8');
    assert.equal(bundle, webhook.caBundle);
    assert.match(bundle, /BEGIN CERTIFICATE/);
  }
});

test('kubectl apply of an invalid FlinkDeployment is rejected with the validation message', async () => {
  const result = await eventually(
    async () => {
      const r = await apply(deployment('invalid', { 'kubernetes.cluster-id': 'other' }));
      // The API server may take a moment to see the new webhook configurations.
      return r.ok ? (await kubectl('delete', '-n', ns.name, 'flinkdeployment', 'invalid'), undefined) : r;
    },
    { what: 'the webhook to reject the invalid deployment', timeoutMs: 30_000, intervalMs: 500 },
  );
  assert.match(result.out, /admission webhook "validationwebhook\.flink\.apache\.org" denied the request/);
  assert.match(result.out, /Forbidden Flink config key: kubernetes\.cluster-id/);
});

test('a valid FlinkDeployment is accepted and stored with its defaults', async () => {
  const result = await apply(deployment('valid'));
  assert.ok(result.ok, result.out);
  const stored = await client.get<FlinkDeployment>(
    {
      group: 'flink.apache.org',
      version: 'v1beta1',
      plural: 'flinkdeployments',
      kind: 'FlinkDeployment',
      namespaced: true,
    },
    ns.name,
    'valid',
  );
  assert.equal(stored.spec.mode, 'native');
  assert.equal(stored.spec.jobManager?.replicas, 1);
  assert.equal(stored.spec.job?.state, 'running');
  assert.equal(stored.spec.job?.upgradeMode, 'stateless');
  assert.equal(stored.spec.job?.parallelism, 1);
});

test('kubectl apply: Flink v1_18 is admitted with a deprecation warning, v1_14 denied naming the range', async () => {
  const old = deployment('flink118');
  old.spec.flinkVersion = 'v1_18';
  old.spec.image = 'flink:1.18';
  const accepted = await apply(old);
  assert.ok(accepted.ok, accepted.out);
  assert.match(accepted.stderr, /Warning: Flink version v1_18 is deprecated/);
  const older = deployment('flink114');
  older.spec.flinkVersion = 'v1_14';
  const denied = await apply(older);
  assert.equal(denied.ok, false, denied.out);
  assert.match(denied.out, /denied the request/);
  assert.match(
    denied.out,
    /Flink version v1_14 is not supported by this operator version \(supported: v1_15 to v2_4\)/,
  );
});

test('a renewed certificate is published and served: requests keep being admitted', async () => {
  const before = webhook.caBundle;
  // Renewing more than a validity period ahead makes the current certificate due now.
  config = config.with({ 'kubernetes.operator.webhook.certificate.renew-before': '400 d' });
  await webhook.refresh();
  config = config.with({ 'kubernetes.operator.webhook.certificate.renew-before': '30 d' });
  assert.notEqual(webhook.caBundle, before);
  // The previous CA stays trusted until it expires, so replicas still serving the old certificate keep working.
  assert.ok(webhook.caBundle.includes(before.trim()));
  const result = await eventually(
    async () => {
      const r = await apply(deployment('after-renewal'));
      if (!r.ok) throw new Error(r.out);
      return r;
    },
    { what: 'admission with the renewed certificate', timeoutMs: 30_000, intervalMs: 500 },
  );
  assert.ok(result.ok);
  const rejected = await apply(deployment('invalid-again', { 'kubernetes.namespace': 'x' }));
  assert.equal(rejected.ok, false);
  assert.match(rejected.out, /Forbidden Flink config key: kubernetes\.namespace/);
});
