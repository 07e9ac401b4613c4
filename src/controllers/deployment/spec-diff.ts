/**
 * Classifies what changed between the deployed spec and the desired one, as the compatible
 * operator does: IGNORE < SCALE < UPGRADE < SAVEPOINT_REDEPLOY. The result decides whether a
 * change needs a redeploy at all.
 */
import type { FlinkDeploymentSpec, JobSpec } from '../../api/index.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';
import { redactValue } from '../../runtime/redact.ts';

export type DiffType = 'IGNORE' | 'SCALE' | 'UPGRADE' | 'SAVEPOINT_REDEPLOY';

const ORDER: DiffType[] = ['IGNORE', 'SCALE', 'UPGRADE', 'SAVEPOINT_REDEPLOY'];

export interface SpecDiff {
  type: DiffType;
  /** Changed fields as `path: old -> new`, for the SpecChanged Event. */
  changes: string[];
}

const IGNORED_JOB_FIELDS: ReadonlySet<keyof JobSpec> = new Set([
  'savepointTriggerNonce',
  'checkpointTriggerNonce',
  'initialSavepointPath',
  'upgradeMode',
  'allowNonRestoredState',
  'autoscalerResetNonce',
]);

const IGNORED_CONFIG_PREFIXES = ['job.autoscaler', 'parallelism.default', 'kubernetes.operator'];

function max(a: DiffType, b: DiffType): DiffType {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** JSON with sorted keys, so key order never counts as a change. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/**
 * The spec as compared: nulls, empty lists and empty maps are the same as absent fields, and the
 * defaults are filled in. A spec recorded by another writer (the compatible operator writes every
 * field, with nulls, `args: []` and `jobManager.replicas: 1`) then equals the manifest it came from.
 */
export function normalizeSpec(spec: FlinkDeploymentSpec): FlinkDeploymentSpec {
  const pruned = (prune(spec) ?? {}) as FlinkDeploymentSpec;
  const normalized: FlinkDeploymentSpec = { ...pruned, mode: pruned.mode ?? 'native' };
  normalized.jobManager = { ...pruned.jobManager, replicas: pruned.jobManager?.replicas ?? 1 };
  if (pruned.job) {
    normalized.job = {
      ...pruned.job,
      state: pruned.job.state ?? 'running',
      upgradeMode: pruned.job.upgradeMode ?? 'stateless',
    };
  }
  return normalized;
}

function prune(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, prune(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

export function diffSpecs(recorded: FlinkDeploymentSpec, desired: FlinkDeploymentSpec): SpecDiff {
  const before = normalizeSpec(recorded);
  const after = normalizeSpec(desired);
  let type: DiffType = 'IGNORE';
  const changes: string[] = [];
  const record = (path: string, t: DiffType, a: unknown, b: unknown) => {
    type = max(type, t);
    // The changes end up in an Event: secrets are hidden by the name of the changed field.
    const name = path.replace(/^flinkConfiguration\./, '');
    changes.push(`${path}: ${show(redactValue(name, a))} -> ${show(redactValue(name, b))}`);
  };
  const standalone = (after.mode ?? 'native') === 'standalone';

  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof FlinkDeploymentSpec>;
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    if (key === 'job') continue;
    if (key === 'flinkConfiguration') continue;
    if (key === 'schedule') continue;
    if (key === 'restartNonce') {
      if (b !== undefined && !same(a, b)) record('restartNonce', 'UPGRADE', a, b);
      continue;
    }
    if (key === 'taskManager' && standalone) {
      const { replicas: ra, ...restA } = (a ?? {}) as NonNullable<FlinkDeploymentSpec['taskManager']>;
      const { replicas: rb, ...restB } = (b ?? {}) as NonNullable<FlinkDeploymentSpec['taskManager']>;
      if (!same(ra, rb)) record('taskManager.replicas', 'SCALE', ra, rb);
      if (!same(restA, restB)) record('taskManager', 'UPGRADE', restA, restB);
      continue;
    }
    if (!same(a, b)) record(key, 'UPGRADE', a, b);
  }

  const jobA = before.job ?? {};
  const jobB = after.job ?? {};
  const jobKeys = new Set([...Object.keys(jobA), ...Object.keys(jobB)]) as Set<keyof JobSpec>;
  for (const key of jobKeys) {
    const a = jobA[key];
    const b = jobB[key];
    if (same(a, b)) continue;
    if (IGNORED_JOB_FIELDS.has(key)) record(`job.${key}`, 'IGNORE', a, b);
    else if (key === 'savepointRedeployNonce') {
      record(`job.${key}`, b === undefined ? 'IGNORE' : 'SAVEPOINT_REDEPLOY', a, b);
    } else if (key === 'parallelism' && standalone) record('job.parallelism', 'SCALE', a, b);
    else record(`job.${key}`, 'UPGRADE', a, b);
  }

  const confA = flattenFlinkConfiguration(before.flinkConfiguration);
  const confB = flattenFlinkConfiguration(after.flinkConfiguration);
  for (const key of new Set([...Object.keys(confA), ...Object.keys(confB)])) {
    if (confA[key] === confB[key]) continue;
    const ignored = IGNORED_CONFIG_PREFIXES.some((p) => key === p || key.startsWith(`${p}.`));
    const scale = key === 'pipeline.jobvertex-parallelism-overrides' && !standalone;
    record(
      `flinkConfiguration.${key}`,
      ignored ? 'IGNORE' : scale ? 'SCALE' : 'UPGRADE',
      confA[key],
      confB[key],
    );
  }
  return { type, changes };
}
