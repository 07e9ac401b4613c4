/**
 * Reads what the planner needs about one FlinkDeployment: its JobManager Deployment (from the
 * controller's cache), JobManager pods when it is not up, HA ConfigMaps when an upgrade or a
 * recovery may need them, and the job through the Flink REST API (with the adaptive scheduler's
 * vertex bounds when overrides are on record). Never changes anything.
 */
import type { FlinkDeployment, FlinkDeploymentSpec } from '../../api/index.ts';
import { FlinkRestClient, FlinkRestError } from '../../flink/rest/client.ts';
import { failureText } from '../../flink/rest/failure.ts';
import { jobManagerSelector, labelSelectorString } from '../../flink/resources/names.ts';
import type { KubeClient } from '../../runtime/index.ts';
import { WellKnown, type KubeObject } from '../../runtime/kube/types.ts';
import { parseReconciledSpec } from '../common/reconciled-spec.ts';
import {
  flinkSupportsInPlaceScaling,
  parallelismOverrides,
  vertexUpperBounds,
} from '../common/in-place-scaling.ts';
import {
  GLOBALLY_TERMINAL_JOB_STATES,
  type FlinkJobState,
  type ObservedDeployment,
  type ObservedJobManager,
} from './observed.ts';

/** Kubernetes waiting reasons that mean the JobManager will not start without a change. */
const FATAL_WAITING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'RunContainerError',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'OOMKilled',
]);

/** What observation reads of the JobManager Deployment (the controller caches no more). */
export interface DeploymentObject {
  metadata: { name?: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { replicas?: number };
  status?: {
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface PodObject {
  metadata: { name?: string };
  status?: {
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
}

export interface ObserveDeps {
  client: KubeClient;
  /** The JobManager Deployment, if any (usually from the controller's cache). */
  jobManagerDeployment: DeploymentObject | undefined;
  /** Resolves the REST base URL of the cluster, or undefined when it has no reachable address yet. */
  restUrl: (deployment: FlinkDeployment) => Promise<string | undefined>;
  restTimeoutMs: number;
  /** The cluster rescales jobs in place (adaptive scheduler, in-place scaling on). */
  inPlaceScaling?: boolean;
  signal?: AbortSignal;
}

export const GENERATION_ANNOTATION = 'flinkdeployment.flink.apache.org/generation';

export async function observeDeployment(
  deployment: FlinkDeployment,
  deps: ObserveDeps,
): Promise<ObservedDeployment> {
  const name = deployment.metadata.name!;
  const namespace = deployment.metadata.namespace!;
  const status = deployment.status ?? {};
  const last = parseReconciledSpec<FlinkDeploymentSpec>(status.reconciliationStatus?.lastReconciledSpec);
  const mode = (last?.spec.mode ?? deployment.spec.mode ?? 'native') as 'native' | 'standalone';
  const jobManager = await observeJobManager(deps, namespace, name, mode);
  const observed: ObservedDeployment = { jobManager, haMetadataAvailable: false, sessionJobs: [] };

  if (needsHaMetadata(deployment, jobManager)) {
    observed.haMetadataAvailable = await haMetadataAvailable(deps.client, namespace, name);
  }
  if (deployment.metadata.deletionTimestamp && !deployment.spec.job) {
    observed.sessionJobs = await sessionJobsUsing(deps.client, namespace, name);
  }
  if (!jobManager.exists || jobManager.availableReplicas === 0) return observed;

  const baseUrl = await deps.restUrl(deployment);
  if (!baseUrl) {
    observed.rest = 'unreachable';
    return observed;
  }
  const rest = new FlinkRestClient({ baseUrl, timeoutMs: deps.restTimeoutMs });
  try {
    if (!status.clusterInfo?.['flink-version']) {
      const config = await rest.clusterConfig();
      observed.clusterInfo = {
        ...(config['flink-version'] ? { 'flink-version': config['flink-version'] } : {}),
        ...(config['flink-revision'] ? { 'flink-revision': config['flink-revision'] } : {}),
      };
    }
    const jobs = await rest.jobs();
    observed.rest = 'ok';
    observed.restUrl = baseUrl;
    const jobId = status.jobStatus?.jobId;
    if (deployment.spec.job || last?.spec.job) {
      const job = jobs.find((j) => j.jid === jobId);
      observed.job = job
        ? {
            found: true,
            id: job.jid,
            name: job.name,
            state: job.state as FlinkJobState,
            startTime: job['start-time'],
          }
        : { found: false };
      if (job && jobId) await observeJobDetails(rest, jobId, job.state, status, observed);
      if (job?.state === 'RUNNING' && jobId && deps.inPlaceScaling && overridesOnRecord(last?.spec)) {
        const bounds = await vertexUpperBounds(rest, jobId).catch(() => undefined);
        if (bounds) observed.vertexUpperBounds = bounds;
      }
    }
  } catch (err) {
    if (!(err instanceof FlinkRestError)) throw err;
    observed.rest = 'unreachable';
    observed.restError = err.message;
  }
  return observed;
}

/**
 * A running job whose deployed spec has vertex parallelism overrides, on a Flink that rescales in
 * place: Flink 2 starts a job without them, so the planner compares them with the running bounds.
 */
function overridesOnRecord(spec: FlinkDeploymentSpec | undefined): boolean {
  if (!spec?.job || spec.job.state === 'suspended' || !flinkSupportsInPlaceScaling(spec.flinkVersion))
    return false;
  return Object.keys(parallelismOverrides(spec.flinkConfiguration)).length > 0;
}

/**
 * Only deletion, upgrades, recoveries and rollbacks decide by HA metadata. A first deployment
 * restores from nothing or a given savepoint, and a steady one (current spec deployed and stable,
 * JobManager up) has nothing to decide: their reconciles skip listing HA ConfigMaps.
 */
function needsHaMetadata(deployment: FlinkDeployment, jobManager: ObservedJobManager): boolean {
  if (deployment.metadata.deletionTimestamp) return true;
  const status = deployment.status;
  const recon = status?.reconciliationStatus;
  if (!recon?.lastReconciledSpec) return false;
  const steady =
    status?.observedGeneration === deployment.metadata.generation &&
    recon.state === 'DEPLOYED' &&
    recon.lastStableSpec === recon.lastReconciledSpec &&
    jobManager.exists &&
    !jobManager.terminating &&
    jobManager.availableReplicas > 0;
  return !steady;
}

async function observeJobDetails(
  rest: FlinkRestClient,
  jobId: string,
  state: string,
  status: NonNullable<FlinkDeployment['status']>,
  observed: ObservedDeployment,
): Promise<void> {
  if (state === 'FAILED') {
    const exceptions = await rest.jobExceptions(jobId).catch(() => undefined);
    const root = exceptions?.['root-exception'] ?? exceptions?.exceptionHistory?.entries?.[0]?.stacktrace;
    if (root) observed.jobFailure = root.split('\n').slice(0, 2).join(' ').trim();
  }
  const savepointTrigger = status.jobStatus?.savepointInfo?.triggerId;
  const checkpointTrigger = status.jobStatus?.checkpointInfo?.triggerId;
  if (savepointTrigger) {
    observed.trigger = await rest.savepointStatus(jobId, savepointTrigger).then(
      (s) =>
        s.status.id === 'IN_PROGRESS'
          ? { status: 'IN_PROGRESS' as const }
          : s.operation?.['failure-cause']
            ? { status: 'FAILED' as const, error: failureText(s.operation['failure-cause']) }
            : {
                status: 'COMPLETED' as const,
                ...(s.operation?.location ? { location: s.operation.location } : {}),
              },
      (err: unknown) => ({ status: 'UNKNOWN' as const, error: String((err as Error).message ?? err) }),
    );
  } else if (checkpointTrigger) {
    observed.trigger = await rest.checkpointStatus(jobId, checkpointTrigger).then(
      (s) =>
        s.status.id === 'IN_PROGRESS'
          ? { status: 'IN_PROGRESS' as const }
          : s.operation?.failureCause || s.operation?.checkpointId === undefined
            ? { status: 'FAILED' as const, error: failureText(s.operation?.failureCause) }
            : { status: 'COMPLETED' as const },
      (err: unknown) => ({ status: 'UNKNOWN' as const, error: String((err as Error).message ?? err) }),
    );
  }
  const upgradeMarker = status.jobStatus?.savepointInfo?.triggerType === 'UPGRADE';
  if (upgradeMarker || GLOBALLY_TERMINAL_JOB_STATES.has(state)) {
    const stats = await rest.checkpointStatistics(jobId).catch(() => undefined);
    const savepoint = stats?.latest.savepoint;
    const completed = stats?.latest.completed;
    if (savepoint?.external_path) {
      observed.latestSavepoint = {
        location: savepoint.external_path,
        timestamp: savepoint.latest_ack_timestamp ?? savepoint.trigger_timestamp,
      };
    }
    if (completed?.external_path) {
      observed.latestCheckpoint = {
        location: completed.external_path,
        timestamp: completed.latest_ack_timestamp ?? completed.trigger_timestamp,
      };
    }
  }
}

async function observeJobManager(
  deps: ObserveDeps,
  namespace: string,
  name: string,
  mode: 'native' | 'standalone',
): Promise<ObservedJobManager> {
  const deployment = deps.jobManagerDeployment;
  if (!deployment) return { exists: false };
  const generation = Number(deployment.metadata.annotations?.[GENERATION_ANNOTATION]);
  const observed: ObservedJobManager = {
    exists: true,
    replicas: deployment.spec?.replicas ?? 1,
    availableReplicas: deployment.status?.availableReplicas ?? 0,
    terminating: Boolean(deployment.metadata.deletionTimestamp),
    ...(Number.isFinite(generation) ? { generation } : {}),
  };
  if (observed.availableReplicas > 0 || observed.terminating) return observed;
  const replicaFailure = deployment.status?.conditions?.find(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True',
  );
  if (replicaFailure) {
    observed.failure = {
      reason: replicaFailure.reason ?? 'FailedCreate',
      message: replicaFailure.message ?? '',
    };
    return observed;
  }
  const pods = await deps.client.list<PodObject & { apiVersion?: string; kind?: string }>(
    WellKnown.pods,
    namespace,
    {
      labelSelector: labelSelectorString(jobManagerSelector(name, mode)),
    },
  );
  for (const pod of pods.items) {
    for (const c of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && FATAL_WAITING_REASONS.has(waiting.reason)) {
        const lastMessage = rootCause(c.lastState?.terminated?.message);
        const message =
          waiting.reason === 'CrashLoopBackOff' && lastMessage
            ? `CrashLoop - ${lastMessage}`
            : (waiting.message ?? waiting.reason);
        observed.failure = { reason: waiting.reason, message, ...(c.name ? { container: c.name } : {}) };
        return observed;
      }
    }
  }
  return observed;
}

/**
 * The line of a termination message (often a log's tail ending in a Java stack trace) that says
 * why: the innermost `Caused by:`, else the last line that is no stack frame.
 */
export function rootCause(message: string | undefined): string | undefined {
  const lines = (message ?? '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const causedBy = lines.filter((l) => l.startsWith('Caused by:')).pop();
  if (causedBy) return causedBy.slice('Caused by:'.length).trim();
  const stack = /^\s+(at |\.\.\. \d+ more)/;
  return lines
    .filter((l) => !stack.test(l))
    .pop()
    ?.trim();
}

/**
 * Kubernetes HA ConfigMaps of cluster `name`: `<name>-cluster-config-map`, `<name>-<jobId>-config-map`
 * and the older `<name>-*-leader` ones. Flink labels them `app=<name>` (1.x adds
 * `configmap-type=high-availability`, 2.x does not), so the name decides; the cluster's own
 * configuration and pod-template ConfigMaps and the autoscaler's state never count.
 */
export function isHaConfigMap(
  cm: { metadata?: { name?: string; labels?: Record<string, string> } },
  name: string,
): boolean {
  const cmName = cm.metadata?.name ?? '';
  if (!cmName.startsWith(`${name}-`) || cm.metadata?.labels?.component === 'autoscaler') return false;
  return cmName.endsWith('-config-map') || cmName.endsWith('-leader');
}

export async function haConfigMaps(client: KubeClient, namespace: string, name: string) {
  const list = await client.list<KubeObject & { data?: Record<string, string> }>(
    WellKnown.configMaps,
    namespace,
    {
      labelSelector: `app=${name}`,
    },
  );
  return list.items.filter((cm) => isHaConfigMap(cm, name));
}

/**
 * HA metadata of a job exists when Kubernetes HA left its job ConfigMaps (`<name>-<jobId>-config-map`)
 * or a legacy leader ConfigMap; the cluster-wide `<name>-cluster-config-map` alone does not count.
 */
export async function haMetadataAvailable(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<boolean> {
  const maps = await haConfigMaps(client, namespace, name);
  return maps.some((cm) => {
    const cmName = cm.metadata?.name ?? '';
    if (cm.metadata?.deletionTimestamp) return false;
    return (
      (cmName.endsWith('-config-map') && !cmName.endsWith('-cluster-config-map')) ||
      cmName.endsWith('-jobmanager-leader')
    );
  });
}

async function sessionJobsUsing(client: KubeClient, namespace: string, name: string): Promise<string[]> {
  const list = await client.list<{
    apiVersion?: string;
    kind?: string;
    metadata: { name?: string };
    spec?: { deploymentName?: string };
  }>(
    {
      group: 'flink.apache.org',
      version: 'v1beta1',
      plural: 'flinksessionjobs',
      kind: 'FlinkSessionJob',
      namespaced: true,
    },
    namespace,
  );
  return list.items.filter((j) => j.spec?.deploymentName === name).map((j) => j.metadata.name ?? '');
}
