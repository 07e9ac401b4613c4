/**
 * Rescaling a running job without a restart from a snapshot: with Flink's adaptive scheduler
 * (Flink 1.18+) a job takes new vertex parallelisms through its resource requirements. Used for
 * changes of `pipeline.jobvertex-parallelism-overrides` of FlinkDeployments and FlinkSessionJobs.
 */
import { parseOverrides } from '../../autoscaler/store.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';
import type { FlinkRestClient } from '../../flink/rest/client.ts';
import type { OperatorConfig } from '../../runtime/index.ts';
import { JobOptions } from './options.ts';

export const PARALLELISM_OVERRIDES_KEY = 'pipeline.jobvertex-parallelism-overrides';

/**
 * In-place rescaling is switched on (`config`: the resource's) and the cluster runs the adaptive
 * scheduler (`clusterConfig`: a session job's own configuration cannot change its cluster's).
 */
export function inPlaceScalingConfigured(
  config: OperatorConfig,
  clusterConfig: OperatorConfig = config,
): boolean {
  const scheduler = (clusterConfig.raw('jobmanager.scheduler') ?? '').trim().toLowerCase();
  return config.get(JobOptions.inPlaceScaling) && scheduler === 'adaptive';
}

/** Flink 1.18 added the resource requirements endpoint. */
export function flinkSupportsInPlaceScaling(version: string | undefined): boolean {
  const match = /^v(\d+)_(\d+)$/.exec(version ?? '');
  if (!match) return false;
  const major = Number(match[1]);
  return major > 1 || Number(match[2]) >= 18;
}

/**
 * Flink 2 runs a job submitted through the REST API (a session job, or an application's main
 * method) from its stream graph, and applies `pipeline.jobvertex-parallelism-overrides` only to
 * job graphs: overrides shipped with such a submission are ignored.
 */
export function flinkIgnoresSubmittedOverrides(version: string | undefined): boolean {
  const match = /^v(\d+)_(\d+)$/.exec(version ?? '');
  return match !== null && Number(match[1]) >= 2;
}

/** The vertex parallelism overrides of a `flinkConfiguration`, by vertex id. */
export function parallelismOverrides(
  flinkConfiguration: Record<string, unknown> | undefined,
): Record<string, number> {
  return parseOverrides(flattenFlinkConfiguration(flinkConfiguration)[PARALLELISM_OVERRIDES_KEY]);
}

/** The overrides a running job does not run with: its scheduler's bound for the vertex differs. */
export function driftedOverrides(
  overrides: Record<string, number>,
  bounds: Record<string, number>,
): [vertex: string, target: number][] {
  return Object.entries(overrides).filter(([v, target]) => bounds[v] !== undefined && bounds[v] !== target);
}

/**
 * Whether going from `before` to `after` overrides can happen in place: there are overrides, and
 * no vertex loses its own, since going back to the job's parallelism needs a redeploy.
 */
export function overridesRescalableInPlace(
  before: Record<string, number>,
  after: Record<string, number>,
): boolean {
  return Object.keys(after).length > 0 && Object.keys(before).every((vertex) => vertex in after);
}

/**
 * Sets each overridden vertex's upper parallelism bound to its target. The lower bound only
 * drops: raising it could fail the job when the new slots cannot be had. Resolves to whether the
 * requirements changed (false: the job already runs with them).
 */
export async function rescaleInPlace(
  rest: FlinkRestClient,
  jobId: string,
  parallelism: Record<string, number>,
): Promise<boolean> {
  const current = await rest.resourceRequirements(jobId);
  const next = structuredClone(current);
  for (const [vertex, requirement] of Object.entries(next)) {
    const target = parallelism[vertex];
    if (target === undefined) continue;
    requirement.parallelism = {
      lowerBound: Math.min(target, requirement.parallelism.lowerBound),
      upperBound: target,
    };
  }
  if (JSON.stringify(next) === JSON.stringify(current)) return false;
  await rest.updateResourceRequirements(jobId, next);
  return true;
}

/** The upper parallelism bound the adaptive scheduler runs each vertex of the job with. */
export async function vertexUpperBounds(
  rest: FlinkRestClient,
  jobId: string,
): Promise<Record<string, number>> {
  const requirements = await rest.resourceRequirements(jobId);
  return Object.fromEntries(Object.entries(requirements).map(([v, r]) => [v, r.parallelism.upperBound]));
}
