/**
 * Canary resources: a FlinkDeployment or FlinkSessionJob labelled `flink.apache.org/canary: "true"`
 * runs no Flink at all. It proves that this operator still reconciles: the leader bumps the
 * canary's `spec.restartNonce` and expects to reconcile the new generation within
 * `kubernetes.operator.health.canary.resource.timeout`; a canary that was not reconciled in time
 * fails the liveness probe, so Kubernetes restarts a stuck operator.
 *
 * The state is this process's own health, so it lives in memory, for one term of leadership.
 */
import type { Logger } from 'pino';
import { isCanaryResource } from '../../api/canary.ts';
import type { KubeClient } from '../../runtime/index.ts';
import type { KubeObject, ResourceType } from '../../runtime/kube/types.ts';

type CanaryObject = KubeObject & { spec?: { restartNonce?: number } };

interface CanaryState {
  resource: ResourceType;
  client: KubeClient;
  namespace: string;
  name: string;
  /** Newest generation this process reconciled. */
  reconciledGeneration: number;
  restartNonce: number | undefined;
  /** Generation the canary had when its spec was last bumped. */
  bumpedFrom: number;
  healthy: boolean;
  timer?: NodeJS.Timeout;
}

export interface CanaryMonitorOptions {
  timeoutMs: () => number;
  log: Logger;
}

export class CanaryMonitor {
  private readonly canaries = new Map<string, CanaryState>();

  constructor(private readonly options: CanaryMonitorOptions) {}

  /**
   * Records a reconcile of `obj` when it is a canary and returns true: the caller does nothing
   * else with it. The first reconcile in a term of leadership starts the bump-and-check cycle,
   * which ends when `ctx.signal` (leadership) aborts.
   */
  reconciled(
    obj: CanaryObject,
    resource: ResourceType,
    ctx: { client: KubeClient; signal: AbortSignal },
  ): boolean {
    if (!isCanaryResource(obj)) return false;
    const key = canaryKey(resource, obj);
    const generation = obj.metadata.generation ?? 0;
    const known = this.canaries.get(key);
    if (known) {
      known.reconciledGeneration = Math.max(known.reconciledGeneration, generation);
      known.restartNonce = obj.spec?.restartNonce;
      return true;
    }
    const state: CanaryState = {
      resource,
      client: ctx.client,
      namespace: obj.metadata.namespace ?? 'default',
      name: obj.metadata.name ?? '',
      reconciledGeneration: generation,
      restartNonce: obj.spec?.restartNonce,
      bumpedFrom: generation,
      healthy: true,
    };
    this.canaries.set(key, state);
    this.options.log.info({ namespace: state.namespace, name: state.name }, 'tracking canary resource');
    ctx.signal.addEventListener('abort', () => this.forgetKey(key), { once: true });
    void this.bumpAndSchedule(key, state);
    return true;
  }

  /** Stops tracking a deleted canary; true when `obj` is one (its deletion needs nothing else). */
  deleted(obj: CanaryObject, resource: ResourceType): boolean {
    if (!isCanaryResource(obj)) return false;
    this.forgetKey(canaryKey(resource, obj));
    return true;
  }

  /** Liveness: every tracked canary was reconciled after its last bump, within the timeout. */
  health(): { ok: boolean; reason?: string } {
    for (const state of this.canaries.values()) {
      if (!state.healthy)
        return {
          ok: false,
          reason: `canary ${state.resource.kind} ${state.namespace}/${state.name} was not reconciled within the canary timeout`,
        };
    }
    return { ok: true };
  }

  get tracked(): number {
    return this.canaries.size;
  }

  private forgetKey(key: string): void {
    const state = this.canaries.get(key);
    if (state?.timer) clearTimeout(state.timer);
    this.canaries.delete(key);
  }

  private async bumpAndSchedule(key: string, state: CanaryState): Promise<void> {
    state.bumpedFrom = state.reconciledGeneration;
    const nonce = (state.restartNonce ?? 0) + 1;
    try {
      await state.client.patch(
        state.resource,
        state.namespace,
        state.name,
        { spec: { restartNonce: nonce } },
        { type: 'merge' },
      );
    } catch (err) {
      this.options.log.warn(
        { namespace: state.namespace, name: state.name, err },
        'could not bump the canary resource (it may have been deleted)',
      );
    }
    if (this.canaries.get(key) !== state) return;
    const timer = setTimeout(() => this.check(key, state), this.options.timeoutMs());
    timer.unref();
    state.timer = timer;
  }

  private check(key: string, state: CanaryState): void {
    if (this.canaries.get(key) !== state) return;
    state.healthy = state.reconciledGeneration > state.bumpedFrom;
    if (state.healthy)
      this.options.log.debug({ namespace: state.namespace, name: state.name }, 'canary healthy');
    else
      this.options.log.error(
        {
          namespace: state.namespace,
          name: state.name,
          expectedAbove: state.bumpedFrom,
          reconciled: state.reconciledGeneration,
        },
        'canary resource not reconciled since its last spec change: the operator is unhealthy',
      );
    void this.bumpAndSchedule(key, state);
  }
}

function canaryKey(resource: ResourceType, obj: KubeObject): string {
  return `${resource.plural}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}
