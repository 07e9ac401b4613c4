/**
 * Carries out the planner's cluster actions: Kubernetes writes through the API server and job
 * operations through the Flink REST API. Trigger ids returned by Flink are written to status at
 * once, so a restart finds the savepoint it was waiting for.
 */
import { randomUUID } from 'node:crypto';
import type { V1Deployment } from '@kubernetes/client-node';
import type { FlinkDeployment, FlinkDeploymentStatus } from '../../api/index.ts';
import { LAST_STATE_DUMMY_SAVEPOINT_PATH, effectiveConfiguration } from '../../flink/config/index.ts';
import { desiredObjects } from '../../flink/resources/index.ts';
import { FlinkRestClient } from '../../flink/rest/client.ts';
import { jobManagerDeploymentName, taskManagerDeploymentName } from '../../flink/resources/names.ts';
import { isNotFound, type KubeClient } from '../../runtime/index.ts';
import { WellKnown, type KubeObject, type ResourceType } from '../../runtime/kube/types.ts';
import { rescaleInPlace } from '../common/in-place-scaling.ts';
import { haConfigMaps } from './observe.ts';
import type { ClusterAction } from './plan.ts';

export const FIELD_MANAGER = 'flink-operator';

export interface ApplyDeps {
  client: KubeClient;
  /** The operator configuration (flat keys), the base of every cluster's Flink configuration. */
  operatorConfig: Readonly<Record<string, string>>;
  /** REST base URL of the cluster; undefined when it cannot be reached. */
  restUrl: () => Promise<string | undefined>;
  restTimeoutMs: number;
  /**
   * Where savepoints go: the resource's configured savepoint folder. Given to Flink with each
   * trigger, so a spec change that adds the folder applies to the savepoint of that very upgrade.
   */
  savepointDirectory?: string;
  /** Creates a FlinkStateSnapshot of this resource (its format and disposal from the resource's configuration). */
  createSnapshot: (kind: 'checkpoint', triggerType: 'MANUAL') => Promise<void>;
  /** Persists a status change (conflict-safe); used to record trigger ids right away. */
  updateStatus: (change: (status: FlinkDeploymentStatus) => FlinkDeploymentStatus) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Creates or updates the cluster's objects. The JobManager Deployment goes first because the
 * ConfigMaps and Services name it as their owner (so deleting it removes the cluster); its pods
 * wait for their ConfigMap volumes meanwhile, as they would on any kubelet.
 */
async function deploy(
  deployment: FlinkDeployment,
  action: Extract<ClusterAction, { type: 'deploy' }>,
  deps: ApplyDeps,
) {
  const target: FlinkDeployment = {
    ...deployment,
    metadata: { ...deployment.metadata, generation: action.generation },
    spec: {
      ...action.spec,
      ...(action.spec.job
        ? { job: { ...action.spec.job, allowNonRestoredState: action.allowNonRestoredState } }
        : {}),
    },
  };
  const savepointPath = action.restoreFromHa ? LAST_STATE_DUMMY_SAVEPOINT_PATH : action.savepointPath;
  const config = effectiveConfiguration(target, deps.operatorConfig, {
    ...(savepointPath ? { savepointPath } : {}),
    ...(action.jobId ? { jobId: action.jobId } : {}),
    jobResultStoreId: randomUUID(),
  });
  // Kubernetes HA would hand the new JobManager the old job graph; its checkpoints are all it may keep.
  if (target.spec.job)
    await dropJobGraphs(deps.client, target.metadata.namespace!, target.metadata.name!, deps.signal);
  const first = desiredObjects(target, config);
  const jobManager = await serverSideApply<V1Deployment & KubeObject>(
    deps.client,
    first.jobManagerDeployment,
    deps.signal,
  );
  if (first.taskManagerDeployment)
    await serverSideApply(deps.client, first.taskManagerDeployment, deps.signal);
  const owned = desiredObjects(target, config, { jobManagerDeploymentUid: jobManager.metadata.uid! });
  for (const obj of [...owned.configMaps, ...owned.services, ...(owned.ingress ? [owned.ingress] : [])]) {
    await serverSideApply(deps.client, obj, deps.signal);
  }
}

const RESOURCE_TYPES: Record<string, ResourceType> = {
  ConfigMap: WellKnown.configMaps,
  Service: WellKnown.services,
  Deployment: WellKnown.deployments,
  Ingress: WellKnown.ingresses,
  Secret: WellKnown.secrets,
};

export async function applyAction(
  deployment: FlinkDeployment,
  action: ClusterAction,
  deps: ApplyDeps,
): Promise<void> {
  const namespace = deployment.metadata.namespace!;
  const name = deployment.metadata.name!;
  switch (action.type) {
    case 'deploy':
      await deploy(deployment, action, deps);
      return;
    case 'deleteCluster':
      await deleteCluster(deps.client, namespace, name, action.keepHaData, deps.signal);
      return;
    case 'stopWithSavepoint': {
      const rest = await restClient(deps);
      const triggerId = await rest.stopWithSavepoint(action.jobId, {
        drain: action.drain,
        formatType: action.formatType,
      });
      await recordTrigger(deps, 'savepoint', triggerId);
      return;
    }
    case 'triggerSavepoint': {
      const rest = await restClient(deps);
      const triggerId = await rest.triggerSavepoint(action.jobId, {
        formatType: action.formatType,
        ...(deps.savepointDirectory ? { targetDirectory: deps.savepointDirectory } : {}),
      });
      await recordTrigger(deps, 'savepoint', triggerId);
      return;
    }
    case 'triggerCheckpoint': {
      const rest = await restClient(deps);
      const triggerId = await rest.triggerCheckpoint(action.jobId);
      await recordTrigger(deps, 'checkpoint', triggerId);
      return;
    }
    case 'createSnapshot':
      await deps.createSnapshot(action.kind, action.triggerType);
      return;
    case 'scaleTaskManagers':
      await deps.client.patch(
        WellKnown.deployments,
        namespace,
        taskManagerDeploymentName(name),
        { spec: { replicas: action.replicas } },
        { type: 'merge', ...(deps.signal ? { signal: deps.signal } : {}) },
      );
      return;
    case 'rescaleJob':
      await rescaleInPlace(await restClient(deps), action.jobId, action.parallelism);
      return;
    case 'disposeSavepoint': {
      const rest = await restClient(deps);
      await rest.disposeSavepoint(action.location);
      return;
    }
  }
}

async function restClient(deps: ApplyDeps): Promise<FlinkRestClient> {
  const baseUrl = await deps.restUrl();
  if (!baseUrl) throw new Error('the JobManager REST API has no reachable address');
  return new FlinkRestClient({ baseUrl, timeoutMs: deps.restTimeoutMs });
}

async function recordTrigger(
  deps: ApplyDeps,
  kind: 'savepoint' | 'checkpoint',
  triggerId: string,
): Promise<void> {
  await deps.updateStatus((status) => {
    const next = structuredClone(status);
    next.jobStatus ??= {};
    if (kind === 'savepoint') next.jobStatus.savepointInfo = { ...next.jobStatus.savepointInfo, triggerId };
    else next.jobStatus.checkpointInfo = { ...next.jobStatus.checkpointInfo, triggerId };
    return next;
  });
}

async function serverSideApply<T extends KubeObject>(
  client: KubeClient,
  object: { kind?: string; metadata?: { name?: string; namespace?: string } },
  signal?: AbortSignal,
): Promise<T> {
  const obj = object as KubeObject;
  const rt = RESOURCE_TYPES[obj.kind ?? ''];
  if (!rt) throw new Error(`cannot apply objects of kind ${obj.kind}`);
  const { name, namespace } = obj.metadata;
  return client.patch<T>(rt, namespace, name!, obj, {
    type: 'apply',
    fieldManager: FIELD_MANAGER,
    force: true,
    ...(signal ? { signal } : {}),
  });
}

/** Keys under which Flink's Kubernetes HA stores a submitted job graph (`executionPlan-` since Flink 2.0). */
const JOB_GRAPH_KEY = /^(jobGraph|executionPlan)-/;

/**
 * Removes the stored job graphs from the cluster's HA ConfigMaps and keeps everything else, above
 * all the checkpoint pointers. A new JobManager then finds no graph to recover, runs the job's main
 * method with the current spec, and restores the job (same id) from its latest checkpoint.
 */
export async function dropJobGraphs(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const cm of await haConfigMaps(client, namespace, name)) {
    const keys = Object.keys(cm.data ?? {}).filter((key) => JOB_GRAPH_KEY.test(key));
    if (keys.length === 0) continue;
    await client
      .patch(
        WellKnown.configMaps,
        namespace,
        cm.metadata.name!,
        { data: Object.fromEntries(keys.map((key) => [key, null])) },
        { type: 'merge', ...(signal ? { signal } : {}) },
      )
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
}

/**
 * Deletes the JobManager (and standalone TaskManager) Deployment in the foreground, so the
 * Deployment stays visible until its pods are gone; Services, ConfigMaps and native TaskManager pods
 * follow through owner references. Kubernetes HA ConfigMaps go too, unless a last-state restore needs them.
 */
export async function deleteCluster(
  client: KubeClient,
  namespace: string,
  name: string,
  keepHaData: boolean,
  signal?: AbortSignal,
): Promise<void> {
  for (const deploymentName of [jobManagerDeploymentName(name), taskManagerDeploymentName(name)]) {
    await client
      .delete(WellKnown.deployments, namespace, deploymentName, {
        propagationPolicy: 'Foreground',
        ...(signal ? { signal } : {}),
      })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
  if (keepHaData) return;
  for (const cm of await haConfigMaps(client, namespace, name)) {
    await client
      .delete(WellKnown.configMaps, namespace, cm.metadata.name!, signal ? { signal } : {})
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
}
