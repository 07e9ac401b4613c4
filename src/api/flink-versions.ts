/**
 * Which `spec.flinkVersion` values this operator runs, as the compatible operator judges them:
 * everything from v1_15 on is supported, v1_15 to v1_18 only as deprecated, older values (kept in
 * the CRD so existing objects still load) are refused.
 */
import { FLINK_VERSIONS } from './schema/flinkdeployment.ts';

export type FlinkVersionName = (typeof FLINK_VERSIONS)[number];

const OLDEST_SUPPORTED: FlinkVersionName = 'v1_15';
/** The first version that is not deprecated. */
const OLDEST_CURRENT: FlinkVersionName = 'v1_19';

/** The values the operator runs, oldest first. */
export const SUPPORTED_FLINK_VERSIONS: readonly FlinkVersionName[] = FLINK_VERSIONS.slice(
  FLINK_VERSIONS.indexOf(OLDEST_SUPPORTED),
);

/** Supported values that may be dropped by a later release. */
export const DEPRECATED_FLINK_VERSIONS: readonly FlinkVersionName[] = FLINK_VERSIONS.slice(
  FLINK_VERSIONS.indexOf(OLDEST_SUPPORTED),
  FLINK_VERSIONS.indexOf(OLDEST_CURRENT),
);

export type FlinkVersionSupport = 'current' | 'deprecated' | 'unsupported';

/** How the operator treats `version`; anything that is not a supported value (or missing) is unsupported. */
export function flinkVersionSupport(version: unknown): FlinkVersionSupport {
  if (!SUPPORTED_FLINK_VERSIONS.includes(version as FlinkVersionName)) return 'unsupported';
  return DEPRECATED_FLINK_VERSIONS.includes(version as FlinkVersionName) ? 'deprecated' : 'current';
}

/** `v1_15 to v2_3`: the range a refused version is told about. */
export function supportedFlinkVersionRange(): string {
  return `${SUPPORTED_FLINK_VERSIONS[0]} to ${SUPPORTED_FLINK_VERSIONS[SUPPORTED_FLINK_VERSIONS.length - 1]}`;
}

export function unsupportedFlinkVersionMessage(version: unknown): string {
  return `Flink version ${String(version)} is not supported by this operator version (supported: ${supportedFlinkVersionRange()})`;
}

export function deprecatedFlinkVersionMessage(version: string): string {
  return `Flink version ${version} is deprecated and may be removed in a future operator release. Plan to upgrade to ${OLDEST_CURRENT} or newer.`;
}

/**
 * Whether `version` (`v1_18`, or `1.18`, `1.18.1`, an image tag such as `1.18-java17`) is
 * `major.minor` or newer. A missing or unreadable version counts as the newest.
 */
export function flinkVersionAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const match = /^v?(\d+)[._](\d+)/.exec(version ?? '');
  if (!match) return true;
  const [vMajor, vMinor] = [Number(match[1]), Number(match[2])];
  return vMajor > major || (vMajor === major && vMinor >= minor);
}

/** Flink's REST API triggers checkpoints from 1.17 on. */
export function flinkTriggersCheckpoints(version: string | undefined): boolean {
  return flinkVersionAtLeast(version, 1, 17);
}
