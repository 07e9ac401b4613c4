/**
 * The autoscaler's data: the job graph it scales, the metric samples it collects from Flink, and
 * what it remembers between reconciles (kept in the `autoscaler-<name>` ConfigMap). Everything is
 * plain JSON: an unavailable metric is an absent field, never NaN.
 */

/** One job vertex (a chain of operators) of the running job graph. */
export interface VertexInfo {
  id: string;
  name: string;
  parallelism: number;
  /** Key groups of the vertex (its max parallelism). */
  maxParallelism: number;
  /** Upstream vertices and how records are shipped to this one (HASH for keyBy, FORWARD, REBALANCE, ...). */
  inputs: { id: string; shipStrategy: string }[];
  /** Downstream vertex ids. */
  outputs: string[];
  /** Partitions a source reads (Kafka, Pulsar), when its metrics reveal them. */
  sourcePartitions?: number;
}

/** The job graph, vertices in topological order (sources first). */
export interface JobTopology {
  vertices: VertexInfo[];
}

/** What one collection saw of one vertex. */
export interface VertexSample {
  /** Busy time per second of the busiest subtask, in ms (0-1000). */
  busyTimeMaxMs?: number;
  /** Average busy time per second over the subtasks, in ms. */
  busyTimeAvgMs?: number;
  /** Busy time per second of the least busy subtask, in ms. */
  busyTimeMinMs?: number;
  /** Records the vertex took in since the job started (all subtasks). */
  numRecordsIn?: number;
  /** Records the vertex sent downstream since the job started (all subtasks). */
  numRecordsOut?: number;
  /** Records per second going into the vertex (all subtasks), as Flink's meter reports it. */
  numRecordsInPerSecond?: number;
  /** Records waiting at a source (sum of its readers' pendingRecords). */
  lag?: number;
  /** Records per second a source operator reads (all subtasks), as Flink's meter reports it. */
  sourceRecordsInPerSecond?: number;
  /** Average back-pressured time per second of a source's subtasks, in ms. */
  backPressuredTimeAvgMs?: number;
}

/** What one collection saw of the whole job. */
export interface GlobalSample {
  /** Share of time the busiest TaskManager spent in garbage collection (0-1). */
  gcPressure?: number;
  /** Used heap over max heap of the fullest TaskManager (0-1). */
  heapUsage?: number;
  /** Heap in use on the fullest TaskManager, in bytes. */
  heapUsedBytes?: number;
  /** Metaspace in use on the fullest TaskManager, in bytes. */
  metaspaceUsedBytes?: number;
  /** Managed memory in use on the fullest TaskManager (RocksDB, batch operators), in bytes. */
  managedUsedBytes?: number;
  /** Task slots of the cluster in use. */
  slotsUsed?: number;
}

export interface MetricSample {
  time: number;
  vertices: Record<string, VertexSample>;
  global: GlobalSample;
}

/** A scaling decision of one vertex, remembered to judge whether it worked. */
export interface ScalingSummary {
  time: number;
  currentParallelism: number;
  newParallelism: number;
  /** Records per second the vertex could process at full load, before the change. */
  trueProcessingRate: number;
  /** What it should process after the change, scaling linearly. */
  expectedProcessingRate: number;
  targetDataRate: number;
}

/** A scale-down the vertex has wanted since `firstTriggerTime`, and what it recommended since. */
export interface DelayedScaleDown {
  firstTriggerTime: number;
  recommendations: { time: number; parallelism: number; outsideBound: boolean }[];
}

/** Everything the autoscaler keeps between reconciles. */
export interface AutoscalerState {
  /** The job the samples belong to and when it last started running. */
  jobId?: string;
  jobRunningSince?: number;
  /** When the running job's parallelism was last seen to change (an in-place rescale). */
  rescaledAt?: number;
  topology?: JobTopology;
  /** Samples collected after stabilisation, oldest first, trimmed to the metrics window. */
  metrics: MetricSample[];
  scalingHistory: Record<string, ScalingSummary[]>;
  delayedScaleDown: Record<string, DelayedScaleDown>;
  /** The vertex parallelisms the autoscaler applies (`pipeline.jobvertex-parallelism-overrides`). */
  parallelismOverrides: Record<string, number>;
  /**
   * The TaskManager memory configuration memory tuning applies (keys set and removed), and the
   * TaskManager process memory it comes to; absent when memory is not tuned.
   */
  configOverrides?: { overrides: Record<string, string>; removals: string[]; processMemoryBytes: number };
  /** When each deduplicated event was last recorded, by its key. */
  eventTimes: Record<string, number>;
  /** The `job.autoscalerResetNonce` last acted on: a new value starts the autoscaler afresh. */
  resetNonce?: number;
  /** The latest evaluation, for users: per vertex rates, utilisation and recommended parallelism. */
  lastEvaluation?: { time: number; vertices: Record<string, VertexEvaluation> };
}

export const EMPTY_STATE: AutoscalerState = {
  metrics: [],
  scalingHistory: {},
  delayedScaleDown: {},
  parallelismOverrides: {},
  eventTimes: {},
};

/**
 * The evaluated metrics of one vertex over the window. NaN means unknown; the ConfigMap stores NaN
 * and Infinity as null, which reads back as Infinity.
 */
export interface VertexEvaluation {
  parallelism: number;
  maxParallelism: number;
  /** Busy share of the vertex (0-1). */
  load: number;
  /** Records per second the vertex could process at 100% busy time. */
  trueProcessingRate: number;
  /** Records per second the vertex must process: its sources' ingestion through the graph. */
  targetDataRate: number;
  /** Extra records per second to work off the current backlog within the catch-up duration. */
  catchUpDataRate: number;
  /** Processing capacity below which the vertex scales up. */
  scaleUpRateThreshold: number;
  /** Processing capacity above which the vertex scales down. */
  scaleDownRateThreshold: number;
  lag?: number;
  /** A source's observed true processing rate, when enough of it was observed. */
  observedTrueProcessingRate?: number;
  recommendedParallelism?: number;
}

export interface AutoscalerEvent {
  type: 'Normal' | 'Warning';
  reason:
    | 'ScalingReport'
    | 'IneffectiveScaling'
    | 'MemoryPressure'
    | 'ResourceQuotaReached'
    | 'AutoscalerError'
    | 'Configuration recommendation';
  message: string;
  /** Events with the same reason and key are recorded at most once per `scaling.event.interval`. */
  key: string;
  /** Groups occurrences into one Kubernetes Event (its count grows); the key when absent. */
  messageKey?: string;
}
