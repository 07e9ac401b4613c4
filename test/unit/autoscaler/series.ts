/**
 * Metric series as Flink reports them for a simple pipeline (source -> keyed operator -> sink),
 * from a load model: each subtask of a vertex processes at most `capacity` records per second;
 * what a source cannot read piles up as pending records; busy time follows the load.
 */
import { OperatorConfig } from '../../../src/runtime/index.ts';
import { parseResourceMemory } from '../../../src/flink/config/memory.ts';
import { autoscalerSettings, type AutoscalerSettings } from '../../../src/autoscaler/options.ts';
import type { JobTopology, MetricSample, VertexInfo } from '../../../src/autoscaler/types.ts';

export interface VertexModel {
  id: string;
  parallelism: number;
  /** Records per second one subtask handles at 100% busy time. */
  capacity: number;
  maxParallelism?: number;
  sourcePartitions?: number;
}

export function pipeline(source: VertexModel, keyed: VertexModel, sink: VertexModel): JobTopology {
  const info = (m: VertexModel, inputs: VertexInfo['inputs'], outputs: string[]): VertexInfo => ({
    id: m.id,
    name: m.id,
    parallelism: m.parallelism,
    maxParallelism: m.maxParallelism ?? 128,
    inputs,
    outputs,
    ...(m.sourcePartitions ? { sourcePartitions: m.sourcePartitions } : {}),
  });
  return {
    vertices: [
      info(source, [], [keyed.id]),
      info(keyed, [{ id: source.id, shipStrategy: 'HASH' }], [sink.id]),
      info(sink, [{ id: keyed.id, shipStrategy: 'FORWARD' }], []),
    ],
  };
}

export interface SeriesOptions {
  /** Records per second arriving at the source. */
  rate: number;
  start: number;
  stepMs: number;
  count: number;
  /** Pending records at the start. */
  initialLag?: number;
  gcPressure?: number;
  heapUsage?: number;
}

/** Samples of the three-vertex pipeline under a constant arrival rate. */
export function series(models: [VertexModel, VertexModel, VertexModel], o: SeriesOptions): MetricSample[] {
  const samples: MetricSample[] = [];
  const counters = models.map(() => ({ in: 0, out: 0 }));
  let lag = o.initialLag ?? 0;
  for (let i = 0; i < o.count; i++) {
    const seconds = i === 0 ? 0 : o.stepMs / 1000;
    let flow = Math.min(
      o.rate + lag / Math.max(seconds, 1e-9),
      ...models.map((m) => m.parallelism * m.capacity),
    );
    if (seconds === 0) flow = Math.min(o.rate, ...models.map((m) => m.parallelism * m.capacity));
    if (seconds > 0) lag = Math.max(0, lag + (o.rate - flow) * seconds);
    const vertices: MetricSample['vertices'] = {};
    models.forEach((m, idx) => {
      counters[idx]!.in += flow * seconds;
      counters[idx]!.out += idx === models.length - 1 ? 0 : flow * seconds;
      const busy = Math.min(1000, (flow / (m.parallelism * m.capacity)) * 1000);
      vertices[m.id] = {
        busyTimeMaxMs: busy,
        busyTimeAvgMs: busy,
        numRecordsIn: counters[idx]!.in,
        numRecordsOut: counters[idx]!.out,
        ...(idx > 0 ? { numRecordsInPerSecond: flow } : { lag }),
      };
    });
    samples.push({
      time: o.start + i * o.stepMs,
      vertices,
      global: {
        ...(o.gcPressure !== undefined ? { gcPressure: o.gcPressure } : {}),
        ...(o.heapUsage !== undefined ? { heapUsage: o.heapUsage } : {}),
      },
    });
  }
  return samples;
}

export function settings(values: Record<string, string> = {}): AutoscalerSettings {
  return autoscalerSettings(
    new OperatorConfig({ 'job.autoscaler.enabled': 'true', ...values }),
    parseResourceMemory,
  );
}
