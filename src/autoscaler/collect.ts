/**
 * Reads one metric sample and the job graph of a running job through the Flink REST API:
 * job details (vertices, parallelism, key groups, record counters), the plan (edges and ship
 * strategies), per-vertex subtask metrics (busy time, input rate, source records and backlog),
 * TaskManager metrics (GC time, heap, metaspace and managed memory in use) and the slots in use.
 * Metrics a Flink version lacks are left out.
 */
import type { FlinkRestClient } from '../flink/rest/client.ts';
import type { AggregatedMetric, JobDetails } from '../flink/rest/types.ts';
import type { GlobalSample, JobTopology, MetricSample, VertexInfo, VertexSample } from './types.ts';

/** Kafka and Pulsar readers report one metric per partition; counting them gives the partitions. */
const PARTITION_METRIC =
  /\.KafkaSourceReader\.topic\.(.+)\.partition\.(\d+)\.currentOffset$|\.PulsarConsumer\.(.+)-partition-(\d+)\..*\.numMsgsReceived$/;

export interface Collected {
  jobId: string;
  runningSince: number;
  topology: JobTopology;
  sample: MetricSample;
}

export async function collect(rest: FlinkRestClient, jobId: string, now: number): Promise<Collected> {
  const [details, plan] = await Promise.all([rest.jobDetails(jobId), rest.jobPlan(jobId)]);
  const inputs = new Map(
    plan.plan.nodes.map((n) => [
      n.id,
      (n.inputs ?? []).map((i) => ({ id: i.id, shipStrategy: i.ship_strategy })),
    ]),
  );
  const vertices: VertexInfo[] = details.vertices.map((v) => ({
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism ?? 128,
    inputs: inputs.get(v.id) ?? [],
    outputs: plan.plan.nodes.filter((n) => n.inputs?.some((i) => i.id === v.id)).map((n) => n.id),
  }));
  const samples: Record<string, VertexSample> = {};
  for (const vertex of vertices) {
    const { sample, partitions } = await collectVertex(rest, jobId, vertex, details);
    samples[vertex.id] = sample;
    if (partitions) vertex.sourcePartitions = partitions;
  }
  return {
    jobId,
    runningSince: details.timestamps.RUNNING ?? details['start-time'],
    topology: { vertices: topologicalOrder(vertices) },
    sample: { time: now, vertices: samples, global: await collectGlobal(rest) },
  };
}

async function collectVertex(
  rest: FlinkRestClient,
  jobId: string,
  vertex: VertexInfo,
  details: JobDetails,
): Promise<{ sample: VertexSample; partitions?: number }> {
  const counters = details.vertices.find((v) => v.id === vertex.id)?.metrics ?? {};
  const source = vertex.inputs.length === 0;
  const sample: VertexSample = {};
  const wanted = ['busyTimeMsPerSecond', 'numRecordsInPerSecond'];
  let partitions: number | undefined;
  let sourceIn: string | undefined;
  let sourceOut: string | undefined;
  let sourceInRate: string | undefined;
  let sourceOutRate: string | undefined;
  let pending: string[] = [];
  if (source) {
    const names = (await rest.vertexSubtaskMetrics(jobId, vertex.id)).map((m) => m.id);
    sourceIn = names.find((n) => n.startsWith('Source__') && n.endsWith('.numRecordsIn'));
    sourceOut = names.find((n) => n.startsWith('Source__') && n.endsWith('.numRecordsOut'));
    sourceInRate = names.find((n) => n.startsWith('Source__') && n.endsWith('.numRecordsInPerSecond'));
    sourceOutRate = names.find((n) => n.startsWith('Source__') && n.endsWith('.numRecordsOutPerSecond'));
    pending = names.filter((n) => n.endsWith('.pendingRecords'));
    const ids = new Set(
      names
        .map((n) => PARTITION_METRIC.exec(n))
        .flatMap((m) => (m ? [`${m[1] ?? m[3]}/${m[2] ?? m[4]}`] : [])),
    );
    if (ids.size > 0) partitions = ids.size;
    wanted.push(
      'backPressuredTimeMsPerSecond',
      ...[sourceIn, sourceOut, sourceInRate, sourceOutRate].filter((n): n is string => n !== undefined),
      ...pending,
    );
  }
  const metrics = new Map(
    (await rest.vertexSubtaskMetrics(jobId, vertex.id, wanted)).map((m) => [m.id, m] as const),
  );
  const busy = metrics.get('busyTimeMsPerSecond');
  if (finite(busy?.max)) sample.busyTimeMaxMs = Math.max(0, busy.max);
  if (finite(busy?.avg)) sample.busyTimeAvgMs = Math.max(0, busy.avg);
  if (finite(busy?.min)) sample.busyTimeMinMs = Math.max(0, busy.min);
  const inPerSecond = metrics.get('numRecordsInPerSecond')?.sum;
  if (!source && finite(inPerSecond)) sample.numRecordsInPerSecond = inPerSecond;
  // A source reads from outside, not from the network: its source operator counts its records.
  const recordsIn = source
    ? sumOf(metrics, sourceIn) || sumOf(metrics, sourceOut) || counters['write-records']
    : counters['read-records'];
  if (finite(recordsIn)) sample.numRecordsIn = recordsIn;
  if (finite(counters['write-records'])) sample.numRecordsOut = counters['write-records'];
  if (pending.length > 0) sample.lag = pending.reduce((a, n) => a + (sumOf(metrics, n) ?? 0), 0);
  // A source operator that counts no input (0) counts its output.
  const rate = sumOf(metrics, sourceInRate) || sumOf(metrics, sourceOutRate) || sumOf(metrics, sourceInRate);
  if (rate !== undefined) sample.sourceRecordsInPerSecond = Math.max(0, rate);
  const backPressured = metrics.get('backPressuredTimeMsPerSecond')?.avg;
  if (source && finite(backPressured)) sample.backPressuredTimeAvgMs = Math.max(0, backPressured);
  return { sample, ...(partitions ? { partitions } : {}) };
}

function sumOf(metrics: Map<string, AggregatedMetric>, name: string | undefined): number | undefined {
  const sum = name ? metrics.get(name)?.sum : undefined;
  return finite(sum) ? sum : undefined;
}

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** TaskManager metrics, aggregated over the TaskManagers; the fullest one counts. */
const TM_METRICS = {
  gcTime: 'Status.JVM.GarbageCollector.All.TimeMsPerSecond',
  heapUsed: 'Status.JVM.Memory.Heap.Used',
  heapMax: 'Status.JVM.Memory.Heap.Max',
  metaspaceUsed: 'Status.JVM.Memory.Metaspace.Used',
  managedUsed: 'Status.Flink.Memory.Managed.Used',
} as const;

async function collectGlobal(rest: FlinkRestClient): Promise<GlobalSample> {
  const [answer, overview] = await Promise.all([
    rest.taskManagerMetrics(Object.values(TM_METRICS)).catch(() => []),
    rest.overview().catch(() => undefined),
  ]);
  const metrics = new Map(answer.map((m) => [m.id, m] as const));
  const max = (name: string) => {
    const value = metrics.get(name)?.max;
    return finite(value) ? value : undefined;
  };
  const global: GlobalSample = {};
  const gc = max(TM_METRICS.gcTime);
  if (gc !== undefined) global.gcPressure = gc / 1000;
  const heapUsed = max(TM_METRICS.heapUsed);
  const heapMax = max(TM_METRICS.heapMax);
  if (heapUsed !== undefined) global.heapUsedBytes = heapUsed;
  if (heapUsed !== undefined && heapMax !== undefined && heapMax > 0) global.heapUsage = heapUsed / heapMax;
  const metaspace = max(TM_METRICS.metaspaceUsed);
  if (metaspace !== undefined) global.metaspaceUsedBytes = metaspace;
  const managed = max(TM_METRICS.managedUsed);
  if (managed !== undefined) global.managedUsedBytes = managed;
  const slotsTotal = overview?.['slots-total'];
  const slotsFree = overview?.['slots-available'];
  if (finite(slotsTotal) && finite(slotsFree)) global.slotsUsed = slotsTotal - slotsFree;
  return global;
}

/** Sources first; every vertex after all of its inputs. */
export function topologicalOrder(vertices: VertexInfo[]): VertexInfo[] {
  const done = new Set<string>();
  const ordered: VertexInfo[] = [];
  while (ordered.length < vertices.length) {
    const next = vertices.filter((v) => !done.has(v.id) && v.inputs.every((i) => done.has(i.id)));
    if (next.length === 0) throw new Error('the job graph has a cycle');
    for (const v of next) {
      done.add(v.id);
      ordered.push(v);
    }
  }
  return ordered;
}
