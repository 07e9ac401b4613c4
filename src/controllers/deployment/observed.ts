/**
 * What the FlinkDeployment controller sees of a cluster in one reconcile: the JobManager
 * Deployment in the API server and the job as Flink's REST API reports it. Produced by `observe`,
 * consumed by the pure planner.
 */
import { TERMINAL_JOB_STATES, type JobState } from '../../flink/rest/types.ts';

/** Job states as Flink's REST API reports them. */
export type FlinkJobState = JobState;

/** Terminal job states, as a set of plain strings (status holds states as strings). */
export const GLOBALLY_TERMINAL_JOB_STATES: ReadonlySet<string> = TERMINAL_JOB_STATES;

export type ObservedJobManager =
  | { exists: false }
  | {
      exists: true;
      /** Desired replicas of the Deployment. */
      replicas: number;
      availableReplicas: number;
      /** A reason the JobManager cannot start (CrashLoopBackOff, ErrImagePull, FailedCreate, ...). */
      /** Why the JobManager pod cannot run, and which of its containers it is about. */
      failure?: { reason: string; message: string; container?: string };
      /** The generation of the FlinkDeployment this Deployment was made for (its annotation). */
      generation?: number;
      /** The Deployment is being deleted. */
      terminating: boolean;
    };

export type ObservedJob =
  { found: true; id: string; name: string; state: FlinkJobState; startTime?: number } | { found: false };

/** Result of polling a savepoint or checkpoint trigger recorded in status. */
export type ObservedTrigger =
  | { status: 'IN_PROGRESS' }
  | { status: 'COMPLETED'; location?: string }
  | { status: 'FAILED'; error: string }
  | { status: 'UNKNOWN'; error: string };

export interface ObservedDeployment {
  jobManager: ObservedJobManager;
  /** Whether the JobManager REST API answered; undefined when it was not asked. */
  rest?: 'ok' | 'unreachable';
  /** Why it did not answer (time-out, refused connection, HTTP error), when unreachable. */
  restError?: string;
  /** The JobManager REST address that answered, for this reconcile's later calls. */
  restUrl?: string;
  /** The job with the id recorded in status (application clusters), when the REST API answered. */
  job?: ObservedJob;
  /** The job's failure cause when it FAILED (root exception). */
  jobFailure?: string;
  /** Poll result of the trigger recorded in status, if any. */
  trigger?: ObservedTrigger;
  /** Newest completed savepoint of the job and when it completed (from Flink's checkpoint statistics). */
  latestSavepoint?: { location: string; timestamp: number };
  /** Newest completed checkpoint's external path (restores of terminal jobs). */
  latestCheckpoint?: { location: string; timestamp: number };
  /**
   * The upper parallelism bound per vertex the adaptive scheduler runs the job with; read only for
   * a running job with vertex parallelism overrides on record on a cluster that rescales in place.
   */
  vertexUpperBounds?: Record<string, number>;
  /** Kubernetes HA ConfigMaps holding job metadata exist. */
  haMetadataAvailable: boolean;
  /** FlinkSessionJobs that name this deployment (session clusters). */
  sessionJobs: string[];
  /** Facts about the running cluster for `status.clusterInfo` (flink-version, flink-revision, ...). */
  clusterInfo?: Record<string, string>;
}
