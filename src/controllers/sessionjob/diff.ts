/**
 * Which spec changes of a session job need the job redeployed. Trigger nonces, the initial
 * savepoint path, the upgrade mode and allowNonRestoredState only steer how the next deployment
 * happens; operator and autoscaler settings and `parallelism.default` in flinkConfiguration are
 * read live. Everything else (jar, entry class, args, parallelism, state, restartNonce, other
 * configuration) is an upgrade, except that the planner applies a change of only
 * `pipeline.jobvertex-parallelism-overrides` in place where the session cluster can.
 */
import type { FlinkSessionJobSpec } from '../../api/index.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';

const IGNORED_JOB_FIELDS = new Set([
  'savepointTriggerNonce',
  'checkpointTriggerNonce',
  'initialSavepointPath',
  'upgradeMode',
  'allowNonRestoredState',
  'autoscalerResetNonce',
]);

const IGNORED_CONFIG_PREFIXES = ['kubernetes.operator.', 'job.autoscaler.'];

function ignoredConfigKey(key: string): boolean {
  return key === 'parallelism.default' || IGNORED_CONFIG_PREFIXES.some((p) => key.startsWith(p));
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Names of the fields whose change needs a redeploy, e.g. `job.args`, `flinkConfiguration.foo`. */
export function upgradeChanges(before: FlinkSessionJobSpec, after: FlinkSessionJobSpec): string[] {
  const changes: string[] = [];
  if (before.deploymentName !== after.deploymentName) changes.push('deploymentName');
  if ((after.restartNonce ?? null) !== null && before.restartNonce !== after.restartNonce) {
    changes.push('restartNonce');
  }
  const jobBefore = (before.job ?? {}) as Record<string, unknown>;
  const jobAfter = (after.job ?? {}) as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(jobBefore), ...Object.keys(jobAfter)])].sort()) {
    if (IGNORED_JOB_FIELDS.has(key)) continue;
    if (!same(jobBefore[key], jobAfter[key])) changes.push(`job.${key}`);
  }
  const confBefore = flattenFlinkConfiguration(before.flinkConfiguration);
  const confAfter = flattenFlinkConfiguration(after.flinkConfiguration);
  for (const key of [...new Set([...Object.keys(confBefore), ...Object.keys(confAfter)])].sort()) {
    if (ignoredConfigKey(key)) continue;
    if (confBefore[key] !== confAfter[key]) changes.push(`flinkConfiguration.${key}`);
  }
  return changes;
}
