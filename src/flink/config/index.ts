/** The effective Flink configuration of a FlinkDeployment and the files it is shipped as. */
export {
  effectiveConfiguration,
  flattenFlinkConfiguration,
  hasResourceRequirements,
  deploymentMode,
  GENERATION_ANNOTATION,
  LAST_STATE_DUMMY_SAVEPOINT_PATH,
  type DeployParameters,
  type FlinkConfig,
} from './effective.ts';
export { DEFAULT_OPERATOR_CONFIGURATION, defaultsFor, versionPrefixes } from './operator-defaults.ts';
export { shippedConfiguration, isOperatorOnlyKey } from './shipped.ts';
export { toConfigYaml, parseConfigYaml } from './yaml.ts';
export { loggingFiles, DEFAULT_LOG4J_CONSOLE, LOG4J_CONSOLE_FILE, LOGBACK_CONSOLE_FILE } from './logging.ts';
export {
  highAvailabilityMode,
  isHighAvailabilityEnabled,
  isKubernetesHighAvailability,
  KUBERNETES_HA_FACTORY,
} from './high-availability.ts';
export { KEYS, FLINK_DEFAULTS } from './keys.ts';
export { processMemoryMiB, parseResourceMemory, formatMemorySize } from './memory.ts';
export { parseList, parseMap, parseMapList, formatList, formatMap } from './values.ts';
