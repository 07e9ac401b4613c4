import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';

/** The kubeconfig of the control plane that `npm test` started for this run. */
export function testKubeConfig(): k8s.KubeConfig {
  const file = process.env.FLINK_OPERATOR_TEST_KUBECONFIG;
  if (!file) {
    throw new Error('FLINK_OPERATOR_TEST_KUBECONFIG is not set: run integration tests through `npm test`');
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** A fresh namespace for one test file or test; delete it when done. */
export async function createTestNamespace(
  kc: k8s.KubeConfig,
  prefix = 't',
): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'flink-operator.test': 'true' } } } });
  return {
    name,
    remove: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 200, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
