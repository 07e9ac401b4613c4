/** High-availability settings as Flink reads them. */
import { KEYS } from './keys.ts';

type Config = Readonly<Record<string, string>>;

/** The factory class Flink 1.x configurations name instead of `kubernetes`. */
export const KUBERNETES_HA_FACTORY =
  'org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory';

/** The configured mode: `high-availability.type`, else its older keys; `none` when unset. */
export function highAvailabilityMode(config: Config): string {
  const raw = config[KEYS.haType] ?? config['high-availability'] ?? config['recovery.mode'];
  const mode = raw?.trim();
  return mode === undefined || mode === '' ? 'none' : mode;
}

/** Any mode other than `none` (Flink's own rule: zookeeper, kubernetes or a factory class). */
export function isHighAvailabilityEnabled(config: Config): boolean {
  return highAvailabilityMode(config).toLowerCase() !== 'none';
}

/** Kubernetes HA: `kubernetes`, or the Kubernetes HA services factory class. */
export function isKubernetesHighAvailability(config: Config): boolean {
  const mode = highAvailabilityMode(config);
  return mode.toLowerCase() === 'kubernetes' || mode === KUBERNETES_HA_FACTORY;
}
