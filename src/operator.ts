/**
 * The operator process: one Manager (configuration, leader election, metrics, health) running
 * every controller of the project.
 */
import { CanaryMonitor } from './controllers/common/canary.ts';
import { deploymentController } from './controllers/deployment/controller.ts';
import { createScheduleController } from './controllers/schedule/index.ts';
import { createSessionJobController } from './controllers/sessionjob/controller.ts';
import { createSnapshotController } from './controllers/snapshot/index.ts';
import { DEFAULT_REST_PORT, RestAddressUnavailable, restAddressResolver } from './flink/rest/address.ts';
import {
  KubeConfig,
  Manager,
  RuntimeOptions,
  type ConfigSource,
  type Logger,
  type OperatorConfig,
} from './runtime/index.ts';

export interface OperatorOptions {
  /** A kubeconfig file; otherwise in-cluster config or the default kubeconfig, as kubectl does. */
  kubeconfig?: string;
  configSource?: ConfigSource;
  /** A fixed configuration instead of a config file (tests, embedded mode). */
  config?: OperatorConfig;
  log?: Logger;
  healthPort?: number;
  metricsPort?: number;
  /** The address the health and metrics servers bind to; all interfaces by default. */
  host?: string;
  /** Leader election identity and lease namespace (defaults: pod name, operator namespace). */
  identity?: string;
  leaseNamespace?: string;
}

export function createOperator(options: OperatorOptions = {}): Manager {
  const kubeConfig = KubeConfig.load(options.kubeconfig);
  const manager = new Manager({
    kubeConfig,
    ...(options.configSource ? { configSource: options.configSource } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
    ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.leaseNamespace ? { leaseNamespace: options.leaseNamespace } : {}),
  });
  // Canaries count only while this process leads; their timeout is read when each check is scheduled.
  const canaries = new CanaryMonitor({
    timeoutMs: () => manager.config.get(RuntimeOptions.canaryResourceTimeout),
    log: manager.log,
  });
  manager.addLivenessCheck(() => canaries.health());
  manager.add(
    deploymentController({
      canaries,
      restUrl: async (client, deployment, config) => {
        const port = Number(deployment.spec.flinkConfiguration?.['rest.port'] ?? DEFAULT_REST_PORT);
        try {
          return await restAddressResolver(
            client,
            () => config,
          )({
            namespace: deployment.metadata.namespace!,
            name: deployment.metadata.name!,
            port,
          });
        } catch (err) {
          if (err instanceof RestAddressUnavailable) return undefined;
          throw err;
        }
      },
    }),
  );
  manager.add(createScheduleController());
  manager.add(createSessionJobController({ canaries }));
  manager.add(createSnapshotController());
  return manager;
}
