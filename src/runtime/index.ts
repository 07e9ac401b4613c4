/** The controller runtime's public surface: declare controllers, run them with a Manager. */
export { Action } from './action.ts';
export { Controller, type ControllerSpec, type OwnedResource, type ReconcileContext } from './controller.ts';
export { Manager, type ManagerOptions } from './manager.ts';
export { TransientError, UserError, FatalError, ApiError, isConflict, isNotFound, isGone } from './errors.ts';
export { KubeClient } from './kube/client.ts';
export { KubeConfig, KubeConfigError, type KubeConfigLike } from './kube/kubeconfig.ts';
export {
  WellKnown,
  objectKey,
  splitKey,
  type KubeObject,
  type ObjectMeta,
  type ResourceType,
} from './kube/types.ts';
export { EventRecorder, type EventInput, type EventType, type EventComponent } from './events.ts';
export { updateStatus } from './status.ts';
export { HIDDEN, isSensitiveKey, redactDeep, redactText, redactUri, redactValue } from './redact.ts';
export {
  OperatorMetrics,
  type AutoscalerMetricsSink,
  type AutoscalerOutcome,
  type AutoscalerVertexValue,
} from './metrics.ts';
export { addFinalizer, removeFinalizer, hasFinalizer } from './finalizers.ts';
export { OperatorConfig, watchedNamespaces, prometheusPort } from './config/operator-config.ts';
export {
  RuntimeOptions,
  ALL_NAMESPACES,
  operatorOption,
  flinkOption,
  type ConfigOption,
} from './config/options.ts';
export { loadOperatorConfig, type ConfigSource } from './config/loader.ts';
export { parseDurationMs } from './config/duration.ts';
export { createLogger, type Logger } from './logger.ts';
