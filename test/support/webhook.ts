/**
 * Our admission webhook in this process, registered with the test API server for one namespace
 * only (other test files share the API server): validating and mutating configurations that
 * call it over TLS on loopback, with the CA it generated as their caBundle.
 */
import { createLogger, OperatorConfig, type KubeClient } from '../../src/runtime/index.ts';
import {
  MUTATING_WEBHOOK_CONFIGURATIONS,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from '../../src/webhook/ca-bundle.ts';
import { startWebhook, type RunningWebhook } from '../../src/webhook/index.ts';

export interface NamespaceWebhook {
  webhook: RunningWebhook;
  /** The name of both webhook configurations. */
  configName: string;
  stop(): Promise<void>;
}

const configName = (namespace: string) => `flink-operator-${namespace}`;

/** The operator configuration of a namespace's webhook: loopback, its own configuration names. */
export function namespaceWebhookConfig(namespace: string): OperatorConfig {
  return new OperatorConfig({
    'kubernetes.operator.webhook.bind-address': '127.0.0.1',
    'kubernetes.operator.webhook.validating-configuration': configName(namespace),
    'kubernetes.operator.webhook.mutating-configuration': configName(namespace),
  });
}

export async function startNamespaceWebhook(
  client: KubeClient,
  namespace: string,
  config?: () => OperatorConfig,
): Promise<NamespaceWebhook> {
  const fixed = namespaceWebhookConfig(namespace);
  const name = configName(namespace);
  const webhook = await startWebhook({
    client,
    config: config ?? (() => fixed),
    namespace,
    log: createLogger({ level: 'warn' }),
    port: 0,
  });
  const common = (path: string, webhookName: string) => ({
    name: webhookName,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    clientConfig: { url: `https://127.0.0.1:${webhook.port}${path}` },
    namespaceSelector: {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [namespace] }],
    },
    rules: [
      {
        apiGroups: ['flink.apache.org'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['flinkdeployments', 'flinksessionjobs', 'flinkstatesnapshots'],
        scope: 'Namespaced',
      },
    ],
  });
  await client.create(VALIDATING_WEBHOOK_CONFIGURATIONS, {
    metadata: { name },
    webhooks: [common('/validate', 'validationwebhook.flink.apache.org')],
  } as never);
  await client.create(MUTATING_WEBHOOK_CONFIGURATIONS, {
    metadata: { name },
    webhooks: [common('/mutate', 'mutationwebhook.flink.apache.org')],
  } as never);
  // The configurations appeared after the webhook started: publishing the CA now fills caBundle in.
  await webhook.refresh();
  return {
    webhook,
    configName: name,
    async stop() {
      await client.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, undefined, name).catch(() => undefined);
      await client.delete(MUTATING_WEBHOOK_CONFIGURATIONS, undefined, name).catch(() => undefined);
      await webhook.stop();
    },
  };
}
