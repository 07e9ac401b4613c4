/** The REST operations that stop a job or take a snapshot of it, with the waits they need. */
import type { FlinkRestClient } from '../../flink/rest/client.ts';
import { failureText } from '../../flink/rest/failure.ts';
import type { OperatorConfig } from '../../runtime/index.ts';
import { SnapshotOptions, savepointDirectory } from '../common/options.ts';
import { TERMINAL_STATES, type SessionJobStatus } from './status.ts';

export const savepointFormat = (config: OperatorConfig): 'CANONICAL' | 'NATIVE' =>
  config.get(SnapshotOptions.savepointFormatType).toUpperCase() === 'NATIVE' ? 'NATIVE' : 'CANONICAL';

/** Stops the job with a savepoint and returns its path (waits up to the checkpoint timeout). */
export async function stopWithSavepoint(
  rest: FlinkRestClient,
  jobId: string,
  config: OperatorConfig,
  { drain = false } = {},
): Promise<string> {
  const triggerId = await rest.stopWithSavepoint(jobId, {
    targetDirectory: savepointDirectory(config),
    formatType: savepointFormat(config),
    drain,
  });
  return rest.awaitSavepoint(jobId, triggerId, { timeoutMs: config.get(SnapshotOptions.checkpointTimeout) });
}

/** Cancels the job and waits until Flink reports it terminal. */
export async function cancelAndWait(
  rest: FlinkRestClient,
  jobId: string,
  timeoutMs: number,
  onCancelling: () => Promise<void> = async () => undefined,
): Promise<void> {
  await rest.cancelJob(jobId).catch((err: { notFound?: boolean }) => {
    if (!err.notFound) throw err;
  });
  await onCancelling();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await rest.jobDetails(jobId).then(
      (d) => d.state as string,
      (err: { notFound?: boolean }) => {
        if (err.notFound) return 'CANCELED';
        throw err;
      },
    );
    if (TERMINAL_STATES.has(state)) return;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} ${timeoutMs}ms after cancelling`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * How long Flink's REST API may serve cached checkpoint statistics
 * (`rest.cache.checkpoint-statistics.timeout`, 3 s by default), plus a margin.
 */
const CHECKPOINT_STATS_CACHE_MS = 3_500;

/**
 * Where a stopped job's state is: the newer of its latest completed checkpoint and its latest
 * savepoint (a session cluster keeps no HA metadata for its jobs, so this is the "last state").
 * Flink caches checkpoint statistics for a few seconds, and a checkpoint that completed just before
 * the job stopped subsumes (deletes) the one before it: the answer is taken only once two reads a
 * cache period apart agree.
 */
export async function latestRestorePath(
  rest: FlinkRestClient,
  jobId: string,
  { cacheMs = CHECKPOINT_STATS_CACHE_MS } = {},
): Promise<string | undefined> {
  let previous = await newestRetained(rest, jobId);
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((r) => setTimeout(r, cacheMs));
    const current = await newestRetained(rest, jobId);
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

async function newestRetained(rest: FlinkRestClient, jobId: string): Promise<string | undefined> {
  const stats = await rest.checkpointStatistics(jobId).catch(() => undefined);
  if (!stats) return undefined;
  const candidates = [stats.latest.completed, stats.latest.savepoint].filter(
    (c): c is NonNullable<typeof c> => !!c && !!c.external_path && !c.external_path.startsWith('<'),
  );
  candidates.sort(
    (a, b) =>
      (b.latest_ack_timestamp ?? b.trigger_timestamp) - (a.latest_ack_timestamp ?? a.trigger_timestamp),
  );
  return candidates[0]?.external_path;
}

type JobStatusValue = NonNullable<SessionJobStatus['jobStatus']>;

/**
 * A manual (with its nonce) or periodic savepoint or checkpoint recorded in
 * `jobStatus.savepointInfo`/`checkpointInfo`, for when snapshot resources are turned off.
 */
export async function takeLegacySnapshot(
  rest: FlinkRestClient,
  jobStatus: JobStatusValue,
  kind: 'savepoint' | 'checkpoint',
  nonce: number | undefined,
  config: OperatorConfig,
): Promise<Partial<JobStatusValue>> {
  const jobId = jobStatus.jobId ?? '';
  const timeoutMs = config.get(SnapshotOptions.checkpointTimeout);
  if (kind === 'savepoint') {
    const formatType = savepointFormat(config);
    const triggerId = await rest.triggerSavepoint(jobId, {
      targetDirectory: savepointDirectory(config),
      formatType,
    });
    const location = await rest.awaitSavepoint(jobId, triggerId, { timeoutMs });
    const now = Date.now();
    const entry = {
      timeStamp: now,
      location,
      triggerType: nonce === undefined ? ('PERIODIC' as const) : ('MANUAL' as const),
      formatType,
      triggerNonce: nonce,
    };
    const history = [...(jobStatus.savepointInfo?.savepointHistory ?? []), entry];
    const periodic = nonce === undefined ? { lastPeriodicSavepointTimestamp: now } : {};
    return {
      savepointInfo: {
        ...jobStatus.savepointInfo,
        lastSavepoint: entry,
        savepointHistory: history,
        ...periodic,
      },
    };
  }
  const triggerId = await rest.triggerCheckpoint(jobId, { checkpointType: 'FULL' });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await rest.checkpointStatus(jobId, triggerId);
    if (answer.status.id === 'COMPLETED') {
      if (answer.operation?.checkpointId === undefined)
        throw new Error(`checkpoint failed: ${failureText(answer.operation?.failureCause)}`);
      break;
    }
    if (Date.now() > deadline) throw new Error(`checkpoint still in progress after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const now = Date.now();
  const entry = {
    timeStamp: now,
    triggerType: nonce === undefined ? ('PERIODIC' as const) : ('MANUAL' as const),
    formatType: 'FULL' as const,
    triggerNonce: nonce,
  };
  const periodic = nonce === undefined ? { lastPeriodicCheckpointTimestamp: now } : {};
  return { checkpointInfo: { ...jobStatus.checkpointInfo, lastCheckpoint: entry, ...periodic } };
}
