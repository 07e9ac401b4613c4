/**
 * Submitting a session job to its cluster: upload the fetched jar, run it with the job's settings
 * under a job id chosen beforehand, and delete the uploaded jar again.
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import { flinkVersionAtLeast, type FlinkSessionJobSpec } from '../../api/index.ts';
import type { FetchedArtifact } from '../../flink/artifacts/fetch.ts';
import { FlinkRestError, type FlinkRestClient } from '../../flink/rest/client.ts';
import type { JarRunRequest } from '../../flink/rest/types.ts';
import { flattenFlinkConfiguration } from '../../flink/config/effective.ts';

/** A new Flink job id: 32 hex digits. */
export const newJobId = (): string => randomBytes(16).toString('hex');

/**
 * True when Flink refused the run because a job with that id was already submitted: a repeated
 * submission of ours that had reached the cluster, so the job exists and nothing is lost.
 */
export function isDuplicateSubmission(err: unknown): boolean {
  if (!(err instanceof FlinkRestError)) return false;
  const text = err.errors.join('\n');
  return /DuplicateJobSubmissionException|has already been submitted|already exists/i.test(text);
}

const NOT_SHIPPED_PREFIXES = ['kubernetes.operator.', 'job.autoscaler.'];
export const CHECKPOINT_RETENTION_KEY = 'execution.checkpointing.externalized-checkpoint-retention';

/**
 * The job's own configuration sent with the run request: its `flinkConfiguration` without
 * operator keys. Checkpoints are kept on cancellation (unless the job says otherwise), as the
 * operator's cluster defaults do, so a last-state upgrade can restore from them even when the
 * upgrade mode was changed after the job started.
 */
export function jobConfiguration(spec: FlinkSessionJobSpec): Record<string, string> {
  const config = Object.fromEntries(
    Object.entries(flattenFlinkConfiguration(spec.flinkConfiguration)).filter(
      ([key]) => !NOT_SHIPPED_PREFIXES.some((p) => key.startsWith(p)),
    ),
  );
  if (config[CHECKPOINT_RETENTION_KEY] === undefined) {
    config[CHECKPOINT_RETENTION_KEY] = 'RETAIN_ON_CANCELLATION';
  }
  return config;
}

/** The run request for the session cluster's Flink version (`v1_18`; the newest when unknown). */
export function runRequest(
  spec: FlinkSessionJobSpec,
  jobId: string,
  restorePath: string | undefined,
  flinkVersion?: string,
): JarRunRequest {
  const job = spec.job ?? {};
  const request: JarRunRequest = { jobId };
  if (job.entryClass) request.entryClass = job.entryClass;
  if (job.args && job.args.length > 0) request.programArgsList = job.args;
  if (job.parallelism !== undefined && job.parallelism > 0) request.parallelism = job.parallelism;
  if (restorePath) request.savepointPath = restorePath;
  if (job.allowNonRestoredState !== undefined) request.allowNonRestoredState = job.allowNonRestoredState;
  const config = jobConfiguration(spec);
  // Flink takes a job configuration with the run request from 1.17 on.
  if (Object.keys(config).length > 0 && flinkVersionAtLeast(flinkVersion, 1, 17))
    request.flinkConfiguration = config;
  return request;
}

export interface SubmitRequest {
  rest: FlinkRestClient;
  /** The job's jar, fetched beforehand; removed after the upload when it is temporary. */
  artifact: FetchedArtifact;
  spec: FlinkSessionJobSpec;
  jobId: string;
  restorePath: string | undefined;
  /** The session cluster's `flinkVersion`. */
  flinkVersion?: string;
  timeoutMs: number;
}

/** Runs the job; resolves to whether this call started it (false: it already ran under that id). */
export async function submitJob(request: SubmitRequest): Promise<{ started: boolean }> {
  const { artifact } = request;
  try {
    const jarId = await request.rest.uploadJar(artifact.path, { timeoutMs: request.timeoutMs });
    try {
      await request.rest.runJar(
        jarId,
        runRequest(request.spec, request.jobId, request.restorePath, request.flinkVersion),
        {
          timeoutMs: request.timeoutMs,
        },
      );
      return { started: true };
    } catch (err) {
      if (isDuplicateSubmission(err)) return { started: false };
      throw err;
    } finally {
      await request.rest.deleteJar(jarId).catch(() => undefined);
    }
  } finally {
    if (artifact.temporary) await fsp.rm(artifact.path, { force: true });
  }
}
