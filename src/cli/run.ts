import { createOperator } from '../operator.ts';
import { KubeClient, KubeConfig } from '../runtime/index.ts';
import type { RunningWebhook } from '../webhook/index.ts';
import { WebhookOptions } from '../webhook/options.ts';

export interface RunOptions {
  config?: string;
  kubeconfig?: string;
  /** Serve the admission webhook too (as `kubernetes.operator.webhook.enabled: true` does). */
  webhook?: boolean;
  /** The address every server of the process binds to (health, metrics, webhook). */
  bindAddress?: string;
}

/** `flink-operator run`: the operator in the foreground until SIGTERM or SIGINT. */
export async function runOperator(opts: RunOptions): Promise<number> {
  const manager = createOperator({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.config ? { configSource: { configFile: opts.config } } : {}),
    ...(opts.bindAddress ? { host: opts.bindAddress } : {}),
  });
  manager.installSignalHandlers();
  await manager.start();
  let webhook: RunningWebhook | undefined;
  try {
    if (opts.webhook || manager.config.get(WebhookOptions.enabled)) {
      const client = new KubeClient(
        opts.kubeconfig ? KubeConfig.loadFiles([opts.kubeconfig]) : KubeConfig.loadDefault(),
      );
      // Loaded only when served: its certificate code is a few MiB the operator alone does not need.
      const { startWebhook } = await import('../webhook/index.ts');
      webhook = await startWebhook({
        client,
        config: () => manager.config,
        namespace: process.env.OPERATOR_NAMESPACE ?? client.defaultNamespace ?? 'default',
        log: manager.log.child({ component: 'webhook' }),
        ...(opts.bindAddress ? { host: opts.bindAddress } : {}),
      });
    }
    await manager.done;
    return 0;
  } catch (err) {
    manager.log.fatal({ err }, 'operator stopped on a fatal error');
    await manager.stop();
    return 1;
  } finally {
    await webhook?.stop();
  }
}
