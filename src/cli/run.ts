import { describeAssessment, inspectCrds } from '../api/index.ts';
import { createOperator } from '../operator.ts';
import { isForbidden } from '../runtime/errors.ts';
import { KubeClient, KubeConfig, type Logger } from '../runtime/index.ts';
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
  void reportInstalledCrds(new KubeClient(KubeConfig.load(opts.kubeconfig)), manager.log);
  let webhook: RunningWebhook | undefined;
  try {
    if (opts.webhook || manager.config.get(WebhookOptions.enabled)) {
      const client = new KubeClient(KubeConfig.load(opts.kubeconfig));
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

/**
 * Says at start, once, which installed CRDs are not this release's and what to run: under the
 * Apache operator's CRDs everything runs, but the API server drops the fields only we define.
 */
async function reportInstalledCrds(client: KubeClient, log: Logger): Promise<void> {
  try {
    for (const assessment of await inspectCrds(client)) {
      if (assessment.state === 'current') continue;
      const level = assessment.state === 'missing' ? 'error' : 'warn';
      log[level]({ crd: assessment.name, state: assessment.state }, describeAssessment(assessment));
    }
  } catch (err) {
    if (isForbidden(err))
      log.info("the installed CRDs are not compared with this release's: reading them is not permitted");
    else log.warn({ err }, 'could not read the installed CRDs');
  } finally {
    client.close();
  }
}
