/**
 * `flink-operator plan -f manifest.yaml [--current current.yaml]`: what the operator would do with
 * a manifest, without a cluster. Validates it, prints the Kubernetes objects a first deploy creates
 * and, given the deployed resource (with its status) or the previous manifest, which upgrade path
 * a change takes. The output is YAML: the explanation as comments, then the objects.
 */
import YAML from 'yaml';
import {
  applyDeploymentDefaults,
  validateFlinkDeployment,
  validateSessionJob,
  validateStateSnapshot,
  type FlinkDeployment,
  type FlinkDeploymentSpec,
  type ValidationError,
} from '../api/index.ts';
import { parseReconciledSpec, serializeReconciledSpec } from '../controllers/common/reconciled-spec.ts';
import { deploymentPolicy } from '../controllers/deployment/options.ts';
import { planDeployment, type ClusterAction } from '../controllers/deployment/plan.ts';
import { diffSpecs, type SpecDiff } from '../controllers/deployment/spec-diff.ts';
import { resourceConfig } from '../controllers/common/options.ts';
import { effectiveConfiguration } from '../flink/config/index.ts';
import { allObjects, desiredObjects } from '../flink/resources/index.ts';
import { OperatorConfig } from '../runtime/index.ts';

export interface PlanInput {
  /** The manifest to apply (YAML, one or more documents). */
  manifest: string;
  /** The currently deployed resource with its status, or the previous manifest. */
  current?: string;
  operatorConfig?: OperatorConfig;
}

export interface PlanOutput {
  text: string;
  /** False when a resource is invalid. */
  valid: boolean;
}

interface Resource {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: unknown;
  status?: unknown;
}

const comment = (text: string) =>
  text
    .split('\n')
    .map((l) => (l === '' ? '#' : `# ${l}`))
    .join('\n');

function documents(text: string, what: string): Resource[] {
  const docs = YAML.parseAllDocuments(text);
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${what}: ${doc.errors[0]!.message}`);
  }
  return docs.map((d) => d.toJS() as Resource | null).filter((d): d is Resource => d !== null);
}

function validation(resource: Resource, previous: FlinkDeploymentSpec | undefined): ValidationError[] {
  switch (resource.kind) {
    case 'FlinkDeployment':
      return validateFlinkDeployment(resource, previous ? { previous } : {});
    case 'FlinkSessionJob':
      return validateSessionJob(resource);
    case 'FlinkStateSnapshot':
      return validateStateSnapshot(resource);
    default:
      return [];
  }
}

const FLINK_KINDS = new Set(['FlinkDeployment', 'FlinkSessionJob', 'FlinkStateSnapshot']);

/** The spec that is deployed now: the status' lastReconciledSpec, else the previous manifest's spec. */
function deployedSpec(current: Resource): FlinkDeploymentSpec | undefined {
  const status = current.status as FlinkDeployment['status'] | undefined;
  const recorded = parseReconciledSpec<FlinkDeploymentSpec>(status?.reconciliationStatus?.lastReconciledSpec);
  return recorded?.spec ?? (current.spec as FlinkDeploymentSpec | undefined);
}

/** The deployed resource as the planner sees it when its job runs fine. */
function runningState(
  current: Resource,
  before: FlinkDeploymentSpec,
): NonNullable<FlinkDeployment['status']> {
  const status = structuredClone((current.status ?? {}) as NonNullable<FlinkDeployment['status']>);
  const recorded = serializeReconciledSpec(before, false);
  return {
    ...status,
    lifecycleState: 'STABLE',
    jobManagerDeploymentStatus: 'READY',
    reconciliationStatus: {
      ...status.reconciliationStatus,
      state: 'DEPLOYED',
      lastReconciledSpec: recorded,
      lastStableSpec: recorded,
    },
    ...(before.job
      ? {
          jobStatus: {
            ...status.jobStatus,
            state: before.job.state === 'suspended' ? 'SUSPENDED' : 'RUNNING',
            jobId: status.jobStatus?.jobId ?? '00000000000000000000000000000000',
          },
        }
      : {}),
  };
}

/** What the first step of the operator's plan means, in plain words. */
function describeUpgrade(
  before: FlinkDeploymentSpec,
  after: FlinkDeploymentSpec,
  diff: SpecDiff,
  actions: ClusterAction[],
): string {
  const mode = after.job?.upgradeMode ?? 'stateless';
  const stops = actions.find((a) => a.type === 'stopWithSavepoint');
  const deletes = actions.find((a) => a.type === 'deleteCluster');
  const scales = actions.find((a) => a.type === 'scaleTaskManagers');
  if (diff.type === 'IGNORE') return 'no redeploy: nothing that needs the cluster to change was changed';
  if (scales && scales.type === 'scaleTaskManagers')
    return `scale in place: TaskManager replicas become ${scales.replicas}, the job keeps running`;
  if (actions.some((a) => a.type === 'rescaleJob'))
    return 'rescale in place: the adaptive scheduler gives the vertices their new parallelism, the job keeps running';
  if (before.job?.state === 'suspended' && after.job?.state !== 'suspended') {
    return `resume: deploy the job again, restored ${mode === 'stateless' ? 'from empty state (stateless)' : mode === 'savepoint' ? 'from the savepoint taken when it was suspended' : 'from its last checkpoint (HA metadata)'}`;
  }
  const suspending = after.job?.state === 'suspended' && before.job?.state !== 'suspended';
  if (diff.type === 'SAVEPOINT_REDEPLOY')
    return 'savepoint redeploy: delete the cluster, deploy again from spec.job.initialSavepointPath';
  if (!after.job) return 'session cluster upgrade: delete the cluster and deploy it with the new spec';
  if (stops) {
    return suspending
      ? 'suspend (savepoint): stop the job with a savepoint and delete the cluster'
      : 'savepoint upgrade: stop the job with a savepoint, then redeploy from it';
  }
  if (deletes && deletes.type === 'deleteCluster' && deletes.keepHaData) {
    return suspending
      ? 'suspend (last-state): delete the cluster, keeping its HA metadata for a later resume'
      : 'last-state upgrade: delete the cluster keeping its HA metadata, redeploy restoring the job from its latest checkpoint';
  }
  if (deletes) {
    return suspending
      ? 'suspend (stateless): cancel the job and delete the cluster'
      : 'stateless upgrade: delete the cluster, redeploy the job from empty state';
  }
  return `upgrade (${mode}): ${actions.map((a) => a.type).join(', ') || 'wait for the cluster'}`;
}

function planUpdate(resource: Resource, current: Resource, config: OperatorConfig): string[] {
  const before = deployedSpec(current);
  if (!before) return ['update: the current resource has no spec; planning a first deploy'];
  const after = resource.spec as FlinkDeploymentSpec;
  const diff = diffSpecs(before, after);
  const generation = (current.metadata?.generation ?? 1) + 1;
  const deployment = {
    ...(resource as FlinkDeployment),
    metadata: { ...resource.metadata, generation },
    status: runningState(current, before),
  } as FlinkDeployment;
  const policy = deploymentPolicy(resourceConfig(config, after.flinkConfiguration));
  const plan = planDeployment({
    resource: deployment,
    observed: {
      jobManager: {
        exists: true,
        replicas: 1,
        availableReplicas: 1,
        terminating: false,
        generation: generation - 1,
      },
      rest: 'ok',
      ...(before.job
        ? {
            job: {
              found: true,
              id: deployment.status!.jobStatus!.jobId!,
              name: resource.metadata?.name ?? 'job',
              state: before.job.state === 'suspended' ? 'SUSPENDED' : 'RUNNING',
            },
          }
        : {}),
      haMetadataAvailable: true,
      sessionJobs: [],
    },
    policy,
    now: Date.now(),
    newJobId: () => '0'.repeat(32),
  });
  return [
    `update from the deployed spec (${diff.type}):`,
    `  ${describeUpgrade(before, after, diff, plan.actions)}`,
    ...(diff.changes.length > 0 ? ['changes:', ...diff.changes.map((c) => `  ${c}`)] : []),
  ];
}

export function planManifest(input: PlanInput): PlanOutput {
  const config = input.operatorConfig ?? new OperatorConfig();
  const resources = documents(input.manifest, 'manifest');
  const currents = input.current ? documents(input.current, 'current') : [];
  const out: string[] = [];
  let valid = true;
  for (const resource of resources) {
    const name = `${resource.kind ?? '?'} ${resource.metadata?.namespace ?? 'default'}/${resource.metadata?.name ?? '?'}`;
    if (!FLINK_KINDS.has(resource.kind ?? '')) {
      out.push(comment(`${name}\nnot a Flink resource: the operator does not act on it`));
      continue;
    }
    const current = currents.find(
      (c) => c.kind === resource.kind && c.metadata?.name === resource.metadata?.name,
    );
    const previous = current && resource.kind === 'FlinkDeployment' ? deployedSpec(current) : undefined;
    const errors = validation(resource, previous);
    const lines = [name];
    if (errors.length > 0) {
      valid = false;
      lines.push('validation: FAILED', ...errors.map((e) => `  ${e.path ? `${e.path}: ` : ''}${e.message}`));
      out.push(comment(lines.join('\n')));
      continue;
    }
    lines.push('validation: OK');
    if (resource.kind !== 'FlinkDeployment') {
      out.push(comment(lines.join('\n')));
      continue;
    }
    if (current) lines.push(...planUpdate(resource, current, config));
    const deployment = applyDeploymentDefaults({
      ...(resource as FlinkDeployment),
      metadata: { namespace: 'default', ...resource.metadata },
    });
    const objects = allObjects(
      desiredObjects(deployment, effectiveConfiguration(deployment, Object.fromEntries(config.entries()))),
    );
    lines.push(`objects the operator creates (${objects.length}):`);
    out.push(comment(lines.join('\n')));
    for (const obj of objects) out.push(`---\n${YAML.stringify(obj)}`.trimEnd());
  }
  return { text: `${out.join('\n')}\n`, valid };
}
