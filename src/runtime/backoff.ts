/** Exponential backoff: initial × multiplier^(attempt-1), capped at max. Attempts count from 1. */
export interface BackoffPolicy {
  initialMs: number;
  multiplier: number;
  maxMs?: number;
}

export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const raw = policy.initialMs * Math.pow(policy.multiplier, Math.max(0, attempt - 1));
  return Math.round(Math.min(raw, policy.maxMs ?? Number.POSITIVE_INFINITY));
}

/** Backoff with ±jitter fraction, so many clients reconnecting at once spread out. */
export function jittered(ms: number, fraction = 0.2, random: () => number = Math.random): number {
  return Math.round(ms * (1 - fraction + 2 * fraction * random()));
}

/** Resolves after ms, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
