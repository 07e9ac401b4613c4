/**
 * The autoscaler's memory lives in the ConfigMap `autoscaler-<name>` (labels component=autoscaler,
 * app=<name>), owned by the FlinkDeployment so it goes with it. Each part of the state is one key,
 * readable with kubectl: collected metrics, scaling history, delayed scale-downs, the parallelism
 * overrides in Flink's `vertex:parallelism,...` form, the tuned TaskManager memory configuration
 * and the latest evaluation.
 */
import type { KubeClient } from '../runtime/index.ts';
import { isNotFound } from '../runtime/index.ts';
import { WellKnown, type KubeObject } from '../runtime/kube/types.ts';
import { EMPTY_STATE, type AutoscalerState } from './types.ts';

export const AUTOSCALER_COMPONENT = 'autoscaler';

export function stateConfigMapName(deploymentName: string): string {
  return `autoscaler-${deploymentName}`;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** `a:2,b:4` → { a: 2, b: 4 } (Flink's map syntax for `pipeline.jobvertex-parallelism-overrides`). */
export function parseOverrides(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of (text ?? '').split(',')) {
    const [key, value] = entry.split(':').map((s) => s.trim());
    if (key && value && /^\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

export function formatOverrides(overrides: Record<string, number>): string {
  return Object.keys(overrides)
    .sort()
    .map((k) => `${k}:${overrides[k]}`)
    .join(',');
}

/**
 * ConfigMap data of a state. JSON writes an unbounded rate (Infinity) as null, which reads back as
 * Infinity; an unknown value (NaN) is left out, so it does not come back as unbounded.
 */
export function serializeState(state: AutoscalerState): Record<string, string> {
  return {
    jobStatus: JSON.stringify({
      jobId: state.jobId,
      jobRunningSince: state.jobRunningSince,
      rescaledAt: state.rescaledAt,
      resetNonce: state.resetNonce,
    }),
    topology: JSON.stringify(state.topology ?? null),
    collectedMetrics: JSON.stringify(state.metrics),
    scalingHistory: JSON.stringify(state.scalingHistory),
    delayedScaleDown: JSON.stringify(state.delayedScaleDown),
    parallelismOverrides: formatOverrides(state.parallelismOverrides),
    eventTimes: JSON.stringify(state.eventTimes),
    ...(state.configOverrides ? { configOverrides: JSON.stringify(state.configOverrides) } : {}),
    ...(state.lastEvaluation ? { evaluation: JSON.stringify(state.lastEvaluation, withoutUnknowns) } : {}),
  };
}

const infinite = (_key: string, value: unknown) => (value === null ? Infinity : value);
const withoutUnknowns = (_key: string, value: unknown) => (Number.isNaN(value) ? undefined : value);

export function deserializeState(data: Record<string, string> | undefined): AutoscalerState {
  if (!data) return structuredClone(EMPTY_STATE);
  const json = <T>(key: string, fallback: T, reviver?: typeof infinite): T => {
    try {
      return data[key] ? (JSON.parse(data[key], reviver) as T) : fallback;
    } catch {
      return fallback;
    }
  };
  const job = json<{ jobId?: string; jobRunningSince?: number; rescaledAt?: number; resetNonce?: number }>(
    'jobStatus',
    {},
  );
  const topology = json<AutoscalerState['topology'] | null>('topology', null);
  const evaluation = json<AutoscalerState['lastEvaluation'] | null>('evaluation', null, infinite);
  const configOverrides = json<AutoscalerState['configOverrides'] | null>('configOverrides', null);
  return {
    ...(job.jobId ? { jobId: job.jobId } : {}),
    ...(job.jobRunningSince !== undefined ? { jobRunningSince: job.jobRunningSince } : {}),
    ...(job.rescaledAt !== undefined ? { rescaledAt: job.rescaledAt } : {}),
    ...(job.resetNonce !== undefined ? { resetNonce: job.resetNonce } : {}),
    ...(topology ? { topology } : {}),
    metrics: json('collectedMetrics', []),
    scalingHistory: json('scalingHistory', {}, infinite),
    delayedScaleDown: json('delayedScaleDown', {}),
    parallelismOverrides: parseOverrides(data.parallelismOverrides),
    eventTimes: json('eventTimes', {}),
    ...(configOverrides ? { configOverrides } : {}),
    ...(evaluation ? { lastEvaluation: evaluation } : {}),
  };
}

export interface Owner {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string };
}

export class AutoscalerStateStore {
  constructor(private readonly client: KubeClient) {}

  async load(owner: Owner, signal?: AbortSignal): Promise<AutoscalerState> {
    const cm = await this.client
      .get<ConfigMap>(
        WellKnown.configMaps,
        owner.metadata.namespace,
        stateConfigMapName(owner.metadata.name!),
        signal,
      )
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    return deserializeState(cm?.data);
  }

  /** Writes the whole state (server-side apply, so concurrent writers of other fields are kept). */
  async save(owner: Owner, state: AutoscalerState, signal?: AbortSignal): Promise<void> {
    const name = owner.metadata.name!;
    const cm: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: stateConfigMapName(name),
        namespace: owner.metadata.namespace,
        labels: { component: AUTOSCALER_COMPONENT, app: name },
        ownerReferences: [
          {
            apiVersion: owner.apiVersion ?? 'flink.apache.org/v1beta1',
            kind: owner.kind ?? 'FlinkDeployment',
            name,
            uid: owner.metadata.uid!,
            controller: false,
            blockOwnerDeletion: false,
          },
        ],
      },
      data: serializeState(state),
    };
    await this.client.patch(WellKnown.configMaps, owner.metadata.namespace, cm.metadata.name!, cm, {
      type: 'apply',
      fieldManager: 'flink-operator-autoscaler',
      force: true,
      ...(signal ? { signal } : {}),
    });
  }

  async delete(owner: Owner, signal?: AbortSignal): Promise<void> {
    await this.client
      .delete(
        WellKnown.configMaps,
        owner.metadata.namespace,
        stateConfigMapName(owner.metadata.name!),
        signal ? { signal } : {},
      )
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
}
