/**
 * The chart renders what the operator needs for each choice of values, and the configuration it
 * renders means what the values say when the operator reads it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import {
  OperatorConfig,
  RuntimeOptions,
  prometheusPort,
  watchedNamespaces,
} from '../../../src/runtime/index.ts';
import { parseStandardYaml } from '../../../src/runtime/config/loader.ts';
import { WebhookOptions } from '../../../src/webhook/options.ts';
import { CHART, helm, render, type RenderedObject } from './support.ts';

const find = (objects: RenderedObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function operatorConfig(objects: RenderedObject[]): OperatorConfig {
  const map = find(objects, 'ConfigMap')[0] as unknown as V1ConfigMap;
  return new OperatorConfig(parseStandardYaml(map.data!['config.yaml']!));
}

function operatorDeployment(objects: RenderedObject[]): V1Deployment {
  return find(objects, 'Deployment')[0] as unknown as V1Deployment;
}

test('helm lint passes', async () => {
  const out = await helm('lint', CHART, '--strict');
  assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('defaults: cluster-wide RBAC, the flink service account, probes on the health port, webhook wired', async () => {
  const objects = await render('ops');
  const deployment = operatorDeployment(objects);
  const container = deployment.spec!.template.spec!.containers[0]!;
  assert.equal(container.image, 'ghcr.io/flink-operator/flink-operator:0.1.0');
  assert.deepEqual(container.args, ['run', '--webhook']);
  assert.equal(container.livenessProbe?.httpGet?.port, 'health');
  assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
  assert.deepEqual(
    container.ports?.map((p) => [p.name, p.containerPort]),
    [
      ['health', 8085],
      ['webhook', 9443],
    ],
  );
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(deployment.spec!.template.spec!.securityContext?.runAsNonRoot, true);
  assert.equal(container.env?.find((e) => e.name === 'FLINK_CONF_DIR')?.value, '/opt/flink-operator/conf');
  assert.equal(deployment.spec!.strategy?.type, 'Recreate');

  const config = operatorConfig(objects);
  assert.equal(config.get(RuntimeOptions.healthProbePort), 8085);
  assert.equal(config.get(RuntimeOptions.leaderElectionEnabled), false);
  assert.equal(watchedNamespaces(config), 'all');
  assert.equal(config.get(RuntimeOptions.reconcileInterval), 15_000);
  assert.equal(config.get(WebhookOptions.enabled), true);
  assert.equal(config.get(WebhookOptions.serviceName), 'ops-flink-operator-webhook-service');
  assert.equal(
    config.get(WebhookOptions.validatingConfiguration),
    'ops-flink-operator-ops-webhook-configuration',
  );

  assert.equal(find(objects, 'ClusterRole', 'flink-operator').length, 1);
  assert.equal(find(objects, 'ClusterRoleBinding', 'flink-operator-role-binding').length, 1);
  assert.deepEqual(
    find(objects, 'ServiceAccount')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
      .sort(),
    ['ops/flink', 'ops/flink-operator'],
  );
  assert.equal(find(objects, 'Role', 'flink')[0]?.metadata.namespace, 'ops');
  const validating = find(objects, 'ValidatingWebhookConfiguration')[0] as unknown as {
    webhooks: {
      clientConfig: { service: { name: string; path: string } };
      rules: { resources: string[] }[];
    }[];
  };
  assert.deepEqual(validating.webhooks[0]!.clientConfig.service, {
    name: 'ops-flink-operator-webhook-service',
    namespace: 'ops',
    path: '/validate',
  });
  assert.equal(find(objects, 'MutatingWebhookConfiguration').length, 1);
  assert.equal(find(objects, 'Service', 'ops-flink-operator-webhook-service').length, 1);
});

test('watchNamespaces: Roles only in the watched namespaces and the operator namespace', async () => {
  const objects = await render('ops', 'watchNamespaces={team-a,team-b}');
  assert.equal(find(objects, 'ClusterRole', 'flink-operator').length, 0);
  // Cluster-wide only: reading our three CRDs by name, to compare them with this release's at start.
  const crdReader = find(objects, 'ClusterRole', 'flink-operator-crds')[0] as unknown as {
    rules: { apiGroups: string[]; resources: string[]; resourceNames: string[]; verbs: string[] }[];
  };
  assert.deepEqual(crdReader.rules, [
    {
      apiGroups: ['apiextensions.k8s.io'],
      resources: ['customresourcedefinitions'],
      resourceNames: [
        'flinkdeployments.flink.apache.org',
        'flinksessionjobs.flink.apache.org',
        'flinkstatesnapshots.flink.apache.org',
      ],
      verbs: ['get'],
    },
  ]);
  assert.equal(find(objects, 'ClusterRoleBinding', 'flink-operator-role-binding-crds').length, 1);
  assert.deepEqual(
    find(objects, 'Role', 'flink-operator').map((r) => r.metadata.namespace),
    ['team-a', 'team-b', 'ops'],
  );
  assert.deepEqual(
    find(objects, 'RoleBinding', 'flink-role-binding').map((r) => r.metadata.namespace),
    ['team-a', 'team-b'],
  );
  assert.deepEqual(
    find(objects, 'ServiceAccount', 'flink').map((r) => r.metadata.namespace),
    ['team-a', 'team-b'],
  );
  assert.deepEqual(watchedNamespaces(operatorConfig(objects)), ['team-a', 'team-b']);
  const validating = find(objects, 'ValidatingWebhookConfiguration')[0] as unknown as {
    webhooks: { namespaceSelector: { matchExpressions: { values: string[] }[] } }[];
  };
  assert.deepEqual(validating.webhooks[0]!.namespaceSelector.matchExpressions[0]!.values, [
    'team-a',
    'team-b',
  ]);
});

test('more than one replica turns on leader election with a lease name; metrics.port adds a Prometheus reporter', async () => {
  const objects = await render('ops', 'replicas=2', 'metrics.port=9999');
  const config = operatorConfig(objects);
  assert.equal(config.get(RuntimeOptions.leaderElectionEnabled), true);
  assert.equal(config.get(RuntimeOptions.leaderElectionLeaseName), 'ops-flink-operator-lease');
  assert.equal(prometheusPort(config), 9999);
  const deployment = operatorDeployment(objects);
  assert.equal(deployment.spec!.replicas, 2);
  assert.equal(deployment.spec!.strategy?.type, 'RollingUpdate');
  assert.ok(deployment.spec!.template.spec!.containers[0]!.ports?.some((p) => p.containerPort === 9999));
});

test('defaultConfiguration: overrides in either format win over the built-in defaults; append=false drops them', async () => {
  const nested = await render(
    'ops',
    'defaultConfiguration.config\\.yaml=kubernetes.operator:\n  reconcile.interval: 1 min\n  label.selector: team=a\n',
  );
  const config = operatorConfig(nested);
  assert.equal(config.get(RuntimeOptions.reconcileInterval), 60_000);
  assert.equal(config.get(RuntimeOptions.labelSelector), 'team=a');

  const bare = await render(
    'ops',
    'defaultConfiguration.append=false',
    'defaultConfiguration.flink-conf\\.yaml=',
  );
  assert.equal(operatorConfig(bare).raw('kubernetes.operator.observer.progress-check.interval'), undefined);

  const none = await render('ops', 'defaultConfiguration.create=false');
  assert.equal(find(none, 'ConfigMap').length, 0);
});

test('the pod template carries a checksum of the configuration: it changes with watchNamespaces or a config value, and only then', async () => {
  const checksum = async (...sets: string[]) => {
    const annotations = operatorDeployment(await render('ops', ...sets)).spec!.template.metadata!.annotations;
    const value = annotations?.['checksum/config'];
    assert.match(value ?? '', /^[0-9a-f]{64}$/);
    return value;
  };
  const base = await checksum();
  // Values that do not reach the configuration leave the pod alone.
  assert.equal(await checksum('operatorPod.annotations.team=a'), base);
  assert.equal(await checksum('image.pullPolicy=Always'), base);

  const watchA = await checksum('watchNamespaces={a}');
  assert.notEqual(watchA, base);
  assert.equal(await checksum('watchNamespaces={a}'), watchA);
  assert.notEqual(await checksum('watchNamespaces={a,b}'), watchA);

  const interval = 'defaultConfiguration.config\\.yaml=kubernetes.operator.reconcile.interval: 1 min\n';
  const tuned = await checksum(interval);
  assert.notEqual(tuned, base);
  assert.equal(await checksum(interval), tuned);

  // Without the chart's ConfigMap the watched namespaces still count.
  const own = await checksum('defaultConfiguration.create=false');
  assert.notEqual(await checksum('defaultConfiguration.create=false', 'watchNamespaces={a}'), own);
});

test('webhook.create=false leaves the webhook out', async () => {
  const objects = await render('ops', 'webhook.create=false');
  assert.equal(find(objects, 'ValidatingWebhookConfiguration').length, 0);
  assert.equal(find(objects, 'Service').length, 0);
  assert.deepEqual(operatorDeployment(objects).spec!.template.spec!.containers[0]!.args, ['run']);
  assert.equal(operatorConfig(objects).get(WebhookOptions.enabled), false);
});
