import type { V1Pod } from '@kubernetes/client-node';

/** What happened to one container process the agent ran. */
export interface ContainerRun {
  startedAt: Date;
  finishedAt?: Date;
  exitCode?: number;
  reason?: string;
  /** The termination message (the log's tail with policy FallbackToLogsOnError, as the kubelet gives). */
  message?: string;
  restartCount: number;
}

export type ContainerDecision =
  { action: 'start' } | { action: 'wait'; untilMs: number } | { action: 'none' };

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60_000;

/** Back-off before restart number `restartCount + 1`: doubling from 2 s, at most 60 s (kubelet uses 10 s..5 min). */
export function restartBackoffMs(restartCount: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(restartCount, 10));
}

/** Decides whether a container of a live pod should be (re)started, following the pod's restartPolicy. */
export function decideContainer(
  restartPolicy: string | undefined,
  run: ContainerRun | undefined,
  nowMs: number,
): ContainerDecision {
  if (!run) return { action: 'start' };
  if (run.exitCode === undefined) return { action: 'none' };
  const policy = restartPolicy ?? 'Always';
  const shouldRestart = policy === 'Always' || (policy === 'OnFailure' && run.exitCode !== 0);
  if (!shouldRestart) return { action: 'none' };
  const until = (run.finishedAt?.getTime() ?? nowMs) + restartBackoffMs(run.restartCount);
  return until <= nowMs ? { action: 'start' } : { action: 'wait', untilMs: until };
}

/** The phase of a pod whose containers have these runs. */
export function podPhase(
  pod: V1Pod,
  runs: (ContainerRun | undefined)[],
): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (runs.some((r) => r === undefined)) return 'Pending';
  const all = runs as ContainerRun[];
  if (all.some((r) => r.exitCode === undefined)) return 'Running';
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return 'Running';
  if (all.every((r) => r.exitCode === 0)) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : 'Running';
}
