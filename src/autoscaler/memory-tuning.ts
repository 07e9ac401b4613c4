/**
 * TaskManager memory autotuning: from the memory the TaskManagers used over the metrics window and
 * the vertex parallelisms of a scaling decision, the memory layout they need, within the memory
 * the user's spec gives a TaskManager (never more). The result is a set of `taskmanager.memory.*`
 * changes and the new TaskManager process size. Pure.
 *
 * The spec's memory is a budget handed out in order: the parts kept as configured (framework and
 * task off-heap, JVM overhead), network memory for the buffers the new topology needs, metaspace
 * and heap at their observed peak plus `memory.tuning.overhead`, then managed memory (none when
 * nothing uses it, as configured, or everything left with `maximize-managed-memory`). Whatever is
 * not handed out is saved: the TaskManager process shrinks by it.
 */
import { formatDouble, formatMemorySize } from '../flink/config/memory.ts';
import {
  deriveTaskManagerMemory,
  jvmHeap,
  memoryOption,
  TM_MEMORY,
  totalFlinkMemory,
  totalProcessMemory,
  type TaskManagerMemory,
} from '../flink/config/taskmanager-memory.ts';
import type { AutoscalerSettings } from './options.ts';
import type { GlobalSample, JobTopology, MetricSample } from './types.ts';

const BUFFERS_PER_CHANNEL = 'taskmanager.network.memory.buffers-per-channel';
const FLOATING_BUFFERS_PER_GATE = 'taskmanager.network.memory.floating-buffers-per-gate';
const SLOTS = 'taskmanager.numberOfTaskSlots';

/** Configuration changes: keys to set and keys to remove, applied over the user's configuration. */
export interface ConfigChanges {
  overrides: Record<string, string>;
  removals: string[];
}

export interface MemoryTuning extends ConfigChanges {
  /** The TaskManager process memory after tuning, in bytes. */
  processMemoryBytes: number;
  /** The layout Flink derives from the tuned configuration. */
  memory: TaskManagerMemory;
}

export interface MemoryTuningInput {
  settings: Pick<AutoscalerSettings, 'memoryTuning'>;
  /** The effective Flink configuration of the user's spec, without earlier tuning. */
  config: Readonly<Record<string, string>>;
  topology: JobTopology;
  /** The samples of the metrics window. */
  samples: MetricSample[];
  /** Each vertex's parallelism after the decision. */
  parallelism: (vertexId: string) => number;
}

/** Hands out a fixed amount; a request gets what is left when less is left. */
class Budget {
  constructor(private remaining: number) {}
  take(bytes: number): number {
    const granted = Math.max(0, Math.min(bytes, this.remaining));
    this.remaining -= granted;
    return granted;
  }
  get left(): number {
    return this.remaining;
  }
}

/**
 * The tuned TaskManager memory, or the reason there is none: the memory options are invalid, the
 * spec gives no process size, or the window lacks memory metrics.
 */
export function tuneTaskManagerMemory(input: MemoryTuningInput): MemoryTuning | { skipped: string } {
  const { config, settings } = input;
  const tuning = settings.memoryTuning;
  if (config[TM_MEMORY.processSize] === undefined) {
    return { skipped: 'the TaskManager process memory is not set' };
  }
  let spec: TaskManagerMemory;
  try {
    spec = deriveTaskManagerMemory(config);
  } catch (err) {
    return { skipped: `the TaskManager memory configuration is not valid: ${(err as Error).message}` };
  }
  const heapUsed = windowAverage(input.samples, 'heapUsedBytes');
  const metaspaceUsed = windowAverage(input.samples, 'metaspaceUsedBytes');
  const managedUsed = windowAverage(input.samples, 'managedUsedBytes');
  if (heapUsed === undefined || metaspaceUsed === undefined || managedUsed === undefined) {
    return { skipped: 'the TaskManagers report no heap, metaspace or managed memory usage' };
  }

  const specProcess = memoryOption(config, TM_MEMORY.processSize);
  const budget = new Budget(specProcess);
  budget.take(spec.frameworkOffHeap);
  budget.take(spec.taskOffHeap);
  budget.take(spec.overhead);
  // Network first: the new topology cannot run without its buffers. Managed memory last: with
  // RocksDB it would take anything it is given.
  const network = budget.take(networkMemory(input));
  const withOverhead = (bytes: number) => Math.trunc(bytes * (1 + tuning.overhead));
  const metaspace = budget.take(withOverhead(metaspaceUsed));
  let heap = budget.take(withOverhead(heapUsed));
  const managed = managedUsed <= 0 ? 0 : budget.take(tuning.maximizeManagedMemory ? Infinity : spec.managed);
  if (tuning.scaleDownCompensation) heap += budget.take(Math.trunc(heap * scaleDownFactor(input)) - heap);

  const process = specProcess - budget.left;
  if (process <= 0) return { skipped: 'the tuned TaskManager memory would be empty' };
  const flink =
    totalFlinkMemory(spec) + (heap - jvmHeap(spec)) + (managed - spec.managed) + (network - spec.network);
  const changes: ConfigChanges = {
    overrides: {
      [TM_MEMORY.processSize]: formatMemorySize(process),
      // The heap is what remains once the other parts are set: no absolute heap sizes, which would
      // contradict a process size the user changes later.
      [TM_MEMORY.frameworkHeap]: formatMemorySize(0),
      [TM_MEMORY.managedFraction]: formatDouble(ceilingFraction(managed, flink)),
      [TM_MEMORY.networkMin]: formatMemorySize(network),
      [TM_MEMORY.networkMax]: formatMemorySize(network),
      [TM_MEMORY.overheadFraction]: formatDouble(ceilingFraction(spec.overhead, process)),
      [TM_MEMORY.metaspace]: formatMemorySize(metaspace),
    },
    removals: [TM_MEMORY.flinkSize, TM_MEMORY.taskHeap, TM_MEMORY.managedSize, TM_MEMORY.managedSizeLegacy],
  };
  let memory: TaskManagerMemory;
  try {
    memory = deriveTaskManagerMemory(applyConfigChanges(config, changes));
  } catch (err) {
    return { skipped: `the tuned memory configuration would not be valid: ${(err as Error).message}` };
  }
  if (memory.taskHeap <= 0) return { skipped: 'the tuned memory configuration leaves no task heap' };
  return { ...changes, processMemoryBytes: totalProcessMemory(memory), memory };
}

export function applyConfigChanges(
  config: Readonly<Record<string, string>>,
  changes: ConfigChanges,
): Record<string, string> {
  const out = { ...config };
  for (const key of changes.removals) delete out[key];
  return Object.assign(out, changes.overrides);
}

/** The per-TaskManager memory the "Configuration recommendation" Event shows, Flink-config style. */
export function recommendationMessage(changes: ConfigChanges, enabled: boolean): string {
  const lines = Object.keys(changes.overrides)
    .sort()
    .map((key) => `${key}: ${changes.overrides[key]}`);
  const removals = changes.removals.length > 0 ? `\nRemove if present: [${changes.removals.join(', ')}]` : '';
  return (
    `Memory tuning recommends this TaskManager configuration (automatic tuning is ${enabled ? 'enabled' : 'disabled'}):\n` +
    lines.join('\n') +
    removals
  );
}

function windowAverage(samples: MetricSample[], field: keyof GlobalSample): number | undefined {
  const values = samples.map((s) => s.global[field]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Network buffers each subtask's input and output gates need at the new parallelisms, for a slot
 * that may host a subtask of every vertex (slot sharing), times the slots of a TaskManager.
 */
export function networkMemory(input: Pick<MemoryTuningInput, 'config' | 'topology' | 'parallelism'>): number {
  const { config, topology, parallelism } = input;
  const perChannel = integer(config[BUFFERS_PER_CHANNEL], 2);
  const floating = integer(config[FLOATING_BUFFERS_PER_GATE], 8);
  const segment = memoryOption(config, TM_MEMORY.segmentSize);
  const strategyOf = (from: string, to: string) =>
    topology.vertices.find((v) => v.id === to)?.inputs.find((i) => i.id === from)?.shipStrategy ?? '';
  let segments = 0;
  for (const vertex of topology.vertices) {
    const own = parallelism(vertex.id);
    for (const input of vertex.inputs) {
      segments += gateSegments(own, parallelism(input.id), input.shipStrategy, perChannel, floating);
    }
    for (const output of vertex.outputs) {
      segments += gateSegments(own, parallelism(output), strategyOf(vertex.id, output), perChannel, floating);
    }
  }
  return segments * segment * integer(config[SLOTS], 1);
}

/**
 * Buffers of one gate of a subtask with parallelism `own` connected to a vertex with parallelism
 * `other`: a channel per connected subtask (one for a forward edge between equal parallelisms, the
 * share of the other side for forward and rescale edges) plus the floating buffers.
 */
export function gateSegments(
  own: number,
  other: number,
  shipStrategy: string,
  perChannel: number,
  floating: number,
): number {
  const strategy = shipStrategy.toUpperCase();
  if (strategy === 'FORWARD' && own === other) return perChannel + floating;
  if (strategy === 'FORWARD' || strategy === 'RESCALE') return Math.ceil(other / own) * perChannel + floating;
  return other * perChannel + floating;
}

/**
 * Fewer TaskManagers after a scale-down have less memory between them: the heap grows by the ratio
 * of TaskManagers before and after (never shrinks), until the window shows what is really needed.
 */
function scaleDownFactor(input: MemoryTuningInput): number {
  const { topology, parallelism, config, samples } = input;
  const slotsPerTaskManager = integer(config[SLOTS], 1);
  const current = topology.vertices.map((v) => v.parallelism);
  const next = topology.vertices.map((v) => parallelism(v.id));
  const widest = Math.max(0, ...current);
  const slotsUsed = samples.at(-1)?.global.slotsUsed ?? widest;
  // With slot sharing the job takes as many slots as its widest vertex, else one per subtask.
  const slotsAfter = slotsUsed === widest ? Math.max(0, ...next) : next.reduce((a, b) => a + b, 0);
  const before = Math.ceil(slotsUsed / slotsPerTaskManager);
  const after = Math.ceil(slotsAfter / slotsPerTaskManager);
  return after > 0 ? Math.max(1, before / after) : 1;
}

function integer(text: string | undefined, fallback: number): number {
  const value = Number(text?.trim());
  return text !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}

/** `part / whole` rounded up to three decimals, so a small share never rounds to nothing. */
function ceilingFraction(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Number((BigInt(part) * 1000n + BigInt(whole) - 1n) / BigInt(whole)) / 1000;
}
