/**
 * Shapes of the Flink JobManager REST API (v1) that we use, as Flink 1.20 and 2.x send them.
 * Only the fields we read are typed; Flink sends more.
 */

export type JobState =
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING';

/** Job states from which a job never moves again. */
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['FAILED', 'CANCELED', 'FINISHED']);

/** GET /overview */
export interface ClusterOverview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version': string;
  'flink-commit': string;
}

/** One entry of GET /jobs/overview */
export interface JobOverview {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time': number;
  duration: number;
  'last-modification': number;
}

/** GET /jobs/:jobid */
export interface JobDetails {
  jid: string;
  name: string;
  state: JobState;
  'job-type'?: 'BATCH' | 'STREAMING';
  'start-time': number;
  'end-time': number;
  duration: number;
  maxParallelism?: number;
  now: number;
  timestamps: Partial<Record<JobState, number>>;
  vertices: {
    id: string;
    name: string;
    parallelism: number;
    /** Key groups of the vertex. */
    maxParallelism?: number;
    status: string;
    /** Accumulated I/O counters of the vertex over all subtasks. */
    metrics?: Partial<Record<'read-records' | 'write-records' | 'accumulated-busy-time', number>>;
  }[];
}

/** GET /jobs/:jobid/plan: the job graph with its edges. */
export interface JobPlan {
  plan: {
    jid: string;
    name: string;
    nodes: {
      id: string;
      parallelism: number;
      description?: string;
      inputs?: { num: number; id: string; ship_strategy: string; exchange?: string }[];
    }[];
  };
}

/** One metric aggregated over subtasks or TaskManagers (only the requested aggregates are present). */
export interface AggregatedMetric {
  id: string;
  min?: number;
  max?: number;
  avg?: number;
  sum?: number;
}

/** GET/PUT /jobs/:jobid/resource-requirements (Flink 1.18+, adaptive scheduler). */
export type JobResourceRequirements = Record<
  string,
  { parallelism: { lowerBound: number; upperBound: number } }
>;

/** GET /config */
export interface ClusterConfig {
  'refresh-interval'?: number;
  'timezone-name'?: string;
  'flink-version'?: string;
  'flink-revision'?: string;
}

/** GET /jobs/:jobid/exceptions */
export interface JobExceptions {
  'root-exception'?: string;
  timestamp?: number;
  truncated: boolean;
  exceptionHistory: {
    entries: {
      exceptionName: string;
      stacktrace: string;
      timestamp: number;
      taskName?: string | null;
      endpoint?: string | null;
    }[];
    truncated: boolean;
  };
}

/** Answer to a trigger of an asynchronous operation (savepoint, stop, checkpoint). */
export interface TriggerResponse {
  'request-id': string;
}

export type AsynchronousOperationStatus = 'IN_PROGRESS' | 'COMPLETED';

export interface SerializedThrowable {
  class?: string;
  'stack-trace'?: string;
  'serialized-throwable'?: string;
}

/** GET /jobs/:jobid/savepoints/:triggerid (also reports stop-with-savepoint) */
export interface SavepointStatus {
  status: { id: AsynchronousOperationStatus };
  operation?: { location?: string; 'failure-cause'?: SerializedThrowable };
}

/** GET /jobs/:jobid/checkpoints/:triggerid */
export interface CheckpointTriggerStatus {
  status: { id: AsynchronousOperationStatus };
  // Unlike savepoints, Flink names this field in camel case.
  operation?: { checkpointId?: number; failureCause?: SerializedThrowable };
}

export interface CheckpointSummary {
  id: number;
  status: string;
  is_savepoint: boolean;
  trigger_timestamp: number;
  latest_ack_timestamp?: number;
  external_path?: string;
  checkpoint_type?: string;
}

/** GET /jobs/:jobid/checkpoints */
export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  latest: {
    completed: CheckpointSummary | null;
    savepoint: CheckpointSummary | null;
    failed: (CheckpointSummary & { failure_message?: string }) | null;
    restored: {
      id: number;
      restore_timestamp: number;
      is_savepoint: boolean;
      external_path?: string;
    } | null;
  };
  /** The most recent checkpoints, newest first (as many as `web.checkpoints.history`). */
  history: CheckpointSummary[];
}

/** POST /jars/upload */
export interface JarUploadResponse {
  filename: string;
  status: 'success';
}

/** GET /jars */
export interface JarList {
  address: string;
  files: {
    id: string;
    name: string;
    uploaded: number;
    entry: { name: string; description: string | null }[];
  }[];
}

/** Body of POST /jars/:jarid/run */
export interface JarRunRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  jobId?: string;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  /** `CLAIM`, `NO_CLAIM` (and `LEGACY` before 2.0). */
  restoreMode?: string;
  /** Job configuration (Flink 1.17+). */
  flinkConfiguration?: Record<string, string>;
}

/** The savepoint format; Flink's default is CANONICAL. */
export type SavepointFormatType = 'CANONICAL' | 'NATIVE';
