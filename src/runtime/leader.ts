import type { Logger } from 'pino';
import { jittered, sleep } from './backoff.ts';
import { isConflict, isNotFound } from './errors.ts';
import type { KubeClient } from './kube/client.ts';
import { WellKnown, type KubeObject } from './kube/types.ts';

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log?: Logger;
  now?: () => number;
}

export interface LeadershipCallbacks {
  /** Called on acquiring the lease; `signal` aborts the moment leadership is lost. */
  onStartedLeading: (signal: AbortSignal) => void;
  onStoppedLeading: () => void;
}

/** Micro-second RFC 3339 time, the format Lease times use. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/**
 * Leader election on a coordination.k8s.io/v1 Lease, in the manner of client-go: a lease held by
 * someone else counts as expired only after leaseDuration has passed on *our* clock since we last
 * saw its record change (no trust in other clocks); the leader renews every retryPeriod and gives
 * up leadership when it could not renew within renewDeadline, before others may take over.
 */
export class LeaderElector {
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private lease: Lease | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LeaderElectionOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) {
      throw new Error('leader election: renew deadline must be shorter than the lease duration');
    }
    if (options.retryPeriodMs >= options.renewDeadlineMs) {
      throw new Error('leader election: retry period must be shorter than the renew deadline');
    }
    this.now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns, leads, and campaigns again after losing the lease, until `signal` aborts; then
   * releases the lease if held.
   */
  async run(signal: AbortSignal, callbacks: LeadershipCallbacks): Promise<void> {
    const { log, retryPeriodMs, renewDeadlineMs } = this.options;
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew(signal))) {
        await sleep(jittered(retryPeriodMs, 0.2), signal).catch(() => undefined);
        continue;
      }
      this.leading = true;
      log?.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
      const leadership = new AbortController();
      callbacks.onStartedLeading(leadership.signal);
      let lastRenew = this.now();
      while (!signal.aborted) {
        await sleep(retryPeriodMs, signal).catch(() => undefined);
        if (signal.aborted) break;
        if (await this.tryAcquireOrRenew(signal, renewDeadlineMs - (this.now() - lastRenew))) {
          lastRenew = this.now();
        } else if (this.now() - lastRenew >= renewDeadlineMs || this.heldByOther()) {
          break;
        }
      }
      this.leading = false;
      leadership.abort(new Error('leadership lost'));
      callbacks.onStoppedLeading();
      if (signal.aborted) {
        await this.release();
      } else {
        log?.warn({ lease: this.options.name }, 'lost leadership');
      }
    }
  }

  private heldByOther(): boolean {
    const holder = this.lease?.spec?.holderIdentity;
    return !!holder && holder !== this.options.identity;
  }

  /** One attempt; true when we hold the lease afterwards. Never throws. */
  private async tryAcquireOrRenew(signal: AbortSignal, timeoutMs?: number): Promise<boolean> {
    const { client, namespace, name, identity, leaseDurationMs, log } = this.options;
    const attemptSignal =
      timeoutMs !== undefined
        ? AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, timeoutMs))])
        : signal;
    const now = this.now();
    try {
      let lease: Lease;
      try {
        lease = await client.get<Lease>(WellKnown.leases, namespace, name, attemptSignal);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.lease = await client.create<Lease>(
          WellKnown.leases,
          {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
          attemptSignal,
        );
        return true;
      }
      this.lease = lease;
      const spec = lease.spec ?? {};
      const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
      if (this.observed?.record !== record) this.observed = { record, at: now };
      const holder = spec.holderIdentity ?? '';
      const ours = holder === identity;
      const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(leaseDurationMs / 1000)) * 1000;
      if (!ours && holder !== '' && this.observed.at + durationMs > now) return false;
      this.lease = await client.replace<Lease>(
        WellKnown.leases,
        {
          ...lease,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
            acquireTime: ours ? spec.acquireTime : microTime(now),
            renewTime: microTime(now),
            leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
          },
        },
        undefined,
        attemptSignal,
      );
      return true;
    } catch (err) {
      if (!isConflict(err) && !signal.aborted) log?.warn({ err, lease: name }, 'lease acquire/renew failed');
      return false;
    }
  }

  /** Hands the lease back so a standby takes over at once instead of after the lease duration. */
  private async release(): Promise<void> {
    const { client, namespace, name, identity, log } = this.options;
    try {
      const lease = await client.get<Lease>(WellKnown.leases, namespace, name, AbortSignal.timeout(5000));
      if (lease.spec?.holderIdentity !== identity) return;
      await client.replace<Lease>(
        WellKnown.leases,
        {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(this.now()),
          },
        },
        undefined,
        AbortSignal.timeout(5000),
      );
      log?.info({ lease: name }, 'released leadership');
    } catch (err) {
      log?.warn({ err, lease: name }, 'cannot release the lease');
    }
  }
}
