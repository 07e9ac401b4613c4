/** The flink.apache.org/v1beta1 API: resource types, CRDs, defaults and validation. */
export * from './types.ts';
export {
  GROUP,
  VERSION,
  API_VERSION,
  KINDS,
  FLINK_DEPLOYMENT,
  FLINK_SESSION_JOB,
  FLINK_STATE_SNAPSHOT,
} from './kinds.ts';
export type { KindDefinition, PrinterColumn } from './kinds.ts';
export { buildCrds, buildCrd, crdName } from './crd.ts';
export { installCrds, inspectCrds, type InstallOutcome } from './install.ts';
export { describeAssessment, CRD_UPGRADE_COMMAND, type CrdAssessment } from './crd-state.ts';
export * from './defaults.ts';
export * from './validation/index.ts';
export { parseCron, isValidTimeZone, DEFAULT_TIME_ZONE } from './cron.ts';
export {
  JOB_STATUS_STATES,
  SCHEDULED_JOB_STATUS_STATES,
  LIFECYCLE_STATES,
  UPGRADE_MODES,
} from './schema/common.ts';
export { FLINK_VERSIONS } from './schema/flinkdeployment.ts';
export * from './flink-versions.ts';
export { CONCURRENCY_POLICIES, RUN_OUTCOMES } from './schema/schedule.ts';
