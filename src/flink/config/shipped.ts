/** The part of the effective configuration a Flink cluster receives. */
import { AUTOSCALER_PREFIX, KEYS, OPERATOR_PREFIX } from './keys.ts';

/** Keys that only make sense on the submitting side and would be wrong inside the cluster. */
const CLIENT_ONLY_KEYS: readonly string[] = [
  KEYS.kubeConfigFile,
  KEYS.confDirInternal,
  KEYS.restBindAddress,
  KEYS.jobManagerBindHost,
  KEYS.taskManagerBindHost,
  KEYS.taskManagerHost,
];

/** Operator and autoscaler settings are for the operator only, never shipped to the cluster. */
export function isOperatorOnlyKey(key: string): boolean {
  return key.startsWith(OPERATOR_PREFIX) || key.startsWith(AUTOSCALER_PREFIX);
}

export function shippedConfiguration(config: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).filter(([key]) => !isOperatorOnlyKey(key) && !CLIENT_ONLY_KEYS.includes(key)),
  );
}
