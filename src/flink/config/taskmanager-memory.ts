/**
 * The TaskManager memory layout Flink derives from its `taskmanager.memory.*` options: the total
 * process memory, the total Flink memory, or the task heap and managed sizes, with fractions
 * capped to their min/max. The arithmetic follows Flink's (fractions are Java floats, products
 * truncated to whole bytes), so the sizes are the ones the TaskManager will run with.
 */
import { parseFlinkMemorySize } from './memory.ts';

const MiB = 2 ** 20;

/** The keys of the TaskManager memory options, with the older names Flink still reads. */
export const TM_MEMORY = {
  processSize: 'taskmanager.memory.process.size',
  flinkSize: 'taskmanager.memory.flink.size',
  frameworkHeap: 'taskmanager.memory.framework.heap.size',
  frameworkOffHeap: 'taskmanager.memory.framework.off-heap.size',
  taskHeap: 'taskmanager.memory.task.heap.size',
  taskOffHeap: 'taskmanager.memory.task.off-heap.size',
  managedSize: 'taskmanager.memory.managed.size',
  managedSizeLegacy: 'taskmanager.memory.size',
  managedFraction: 'taskmanager.memory.managed.fraction',
  networkMin: 'taskmanager.memory.network.min',
  networkMax: 'taskmanager.memory.network.max',
  networkFraction: 'taskmanager.memory.network.fraction',
  metaspace: 'taskmanager.memory.jvm-metaspace.size',
  overheadMin: 'taskmanager.memory.jvm-overhead.min',
  overheadMax: 'taskmanager.memory.jvm-overhead.max',
  overheadFraction: 'taskmanager.memory.jvm-overhead.fraction',
  segmentSize: 'taskmanager.memory.segment-size',
} as const;

const LEGACY_KEYS: Partial<Record<string, string>> = {
  [TM_MEMORY.managedSize]: TM_MEMORY.managedSizeLegacy,
  [TM_MEMORY.networkMin]: 'taskmanager.network.memory.min',
  [TM_MEMORY.networkMax]: 'taskmanager.network.memory.max',
  [TM_MEMORY.networkFraction]: 'taskmanager.network.memory.fraction',
};

/** Flink's defaults (Flink 1.15 and later: network memory has no upper bound). */
const DEFAULT_SIZES: Record<string, number> = {
  [TM_MEMORY.frameworkHeap]: 128 * MiB,
  [TM_MEMORY.frameworkOffHeap]: 128 * MiB,
  [TM_MEMORY.taskOffHeap]: 0,
  [TM_MEMORY.networkMin]: 64 * MiB,
  [TM_MEMORY.networkMax]: Infinity,
  [TM_MEMORY.metaspace]: 256 * MiB,
  [TM_MEMORY.overheadMin]: 192 * MiB,
  [TM_MEMORY.overheadMax]: 1024 * MiB,
  [TM_MEMORY.segmentSize]: 32 * 1024,
};
const DEFAULT_FRACTIONS: Record<string, number> = {
  [TM_MEMORY.managedFraction]: 0.4,
  [TM_MEMORY.networkFraction]: 0.1,
  [TM_MEMORY.overheadFraction]: 0.1,
};

/** Bytes of each part of a TaskManager's memory. */
export interface TaskManagerMemory {
  frameworkHeap: number;
  frameworkOffHeap: number;
  taskHeap: number;
  taskOffHeap: number;
  network: number;
  managed: number;
  metaspace: number;
  overhead: number;
}

export function totalFlinkMemory(m: TaskManagerMemory): number {
  return m.frameworkHeap + m.frameworkOffHeap + m.taskHeap + m.taskOffHeap + m.network + m.managed;
}

export function totalProcessMemory(m: TaskManagerMemory): number {
  return totalFlinkMemory(m) + m.metaspace + m.overhead;
}

/** The JVM heap (-Xmx): framework heap plus task heap. */
export function jvmHeap(m: TaskManagerMemory): number {
  return m.frameworkHeap + m.taskHeap;
}

type Config = Readonly<Record<string, string>>;

function raw(config: Config, key: string): string | undefined {
  const legacy = LEGACY_KEYS[key];
  return config[key] ?? (legacy ? config[legacy] : undefined);
}

function has(config: Config, key: string): boolean {
  return raw(config, key) !== undefined;
}

/** A memory option in bytes, its default when unset. */
export function memoryOption(config: Config, key: string): number {
  const text = raw(config, key);
  if (text === undefined) {
    const fallback = DEFAULT_SIZES[key];
    if (fallback === undefined) throw new Error(`${key} is not set`);
    return fallback;
  }
  const bytes = parseFlinkMemorySize(text);
  if (bytes === undefined) throw new Error(`${key}: "${text}" is not a memory size`);
  return bytes;
}

function fraction(config: Config, key: string): number {
  const text = raw(config, key);
  const value = text === undefined ? DEFAULT_FRACTIONS[key]! : Number(text.trim());
  if (!Number.isFinite(value) || value < 0 || value >= 1)
    throw new Error(`${key}: "${text}" is not a fraction`);
  // Flink reads fractions as Java floats.
  return Math.fround(value);
}

/**
 * `bytes × factor` truncated to whole bytes, computed exactly on the factor's decimal form as
 * Flink does (so 30 gb × 0.1f gives the bytes Flink gives, not a rounding of them).
 */
export function multiplyBytes(bytes: number, factor: number): number {
  if (!Number.isFinite(bytes)) return bytes;
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(factor));
  if (!match) throw new Error(`cannot multiply by ${factor}`);
  const [, whole = '0', decimals = '', exponent = '0'] = match;
  const scale = decimals.length - Number(exponent);
  const digits = BigInt(whole + decimals);
  const product = BigInt(bytes) * digits;
  return Number(scale >= 0 ? product / 10n ** BigInt(scale) : product * 10n ** BigInt(-scale));
}

interface Range {
  min: number;
  max: number;
  fraction: number;
}

function range(config: Config, minKey: string, maxKey: string, fractionKey: string): Range {
  const r = {
    min: memoryOption(config, minKey),
    max: memoryOption(config, maxKey),
    fraction: fraction(config, fractionKey),
  };
  if (r.min > r.max) throw new Error(`${minKey} is larger than ${maxKey}`);
  return r;
}

function capped(value: number, r: Range): number {
  return Math.min(r.max, Math.max(r.min, value));
}

function withFraction(base: number, r: Range): number {
  return capped(multiplyBytes(base, r.fraction), r);
}

/** The part that makes up the fraction of a total whose other parts sum to `rest`. */
function withInverseFraction(rest: number, r: Range): number {
  return capped(multiplyBytes(rest, r.fraction / (1 - r.fraction)), r);
}

const networkRange = (c: Config) =>
  range(c, TM_MEMORY.networkMin, TM_MEMORY.networkMax, TM_MEMORY.networkFraction);
const overheadRange = (c: Config) =>
  range(c, TM_MEMORY.overheadMin, TM_MEMORY.overheadMax, TM_MEMORY.overheadFraction);

function inRange(name: string, value: number, r: Range): void {
  if (value < r.min || value > r.max)
    throw new Error(`the derived ${name} (${value} bytes) is outside its configured range`);
}

function managedFrom(config: Config, totalFlink: number): number {
  return has(config, TM_MEMORY.managedSize)
    ? memoryOption(config, TM_MEMORY.managedSize)
    : withFraction(totalFlink, {
        min: 0,
        max: Infinity,
        fraction: fraction(config, TM_MEMORY.managedFraction),
      });
}

type FlinkParts = Omit<TaskManagerMemory, 'metaspace' | 'overhead'>;

function fromTotalFlink(config: Config, totalFlink: number): FlinkParts {
  const frameworkHeap = memoryOption(config, TM_MEMORY.frameworkHeap);
  const frameworkOffHeap = memoryOption(config, TM_MEMORY.frameworkOffHeap);
  const taskOffHeap = memoryOption(config, TM_MEMORY.taskOffHeap);
  const managed = managedFrom(config, totalFlink);
  if (has(config, TM_MEMORY.taskHeap)) {
    const taskHeap = memoryOption(config, TM_MEMORY.taskHeap);
    const network = totalFlink - (frameworkHeap + frameworkOffHeap + taskHeap + taskOffHeap + managed);
    if (network < 0) throw new Error('the configured TaskManager memory parts exceed the total Flink memory');
    inRange('network memory', network, networkRange(config));
    return { frameworkHeap, frameworkOffHeap, taskHeap, taskOffHeap, network, managed };
  }
  const network = withFraction(totalFlink, networkRange(config));
  const taskHeap = totalFlink - (frameworkHeap + frameworkOffHeap + taskOffHeap + managed + network);
  if (taskHeap < 0) throw new Error('the configured TaskManager memory parts exceed the total Flink memory');
  return { frameworkHeap, frameworkOffHeap, taskHeap, taskOffHeap, network, managed };
}

function fromFineGrained(config: Config): FlinkParts {
  const parts = {
    frameworkHeap: memoryOption(config, TM_MEMORY.frameworkHeap),
    frameworkOffHeap: memoryOption(config, TM_MEMORY.frameworkOffHeap),
    taskHeap: memoryOption(config, TM_MEMORY.taskHeap),
    taskOffHeap: memoryOption(config, TM_MEMORY.taskOffHeap),
    managed: memoryOption(config, TM_MEMORY.managedSize),
  };
  const rest =
    parts.frameworkHeap + parts.frameworkOffHeap + parts.taskHeap + parts.taskOffHeap + parts.managed;
  if (has(config, TM_MEMORY.flinkSize)) {
    const network = memoryOption(config, TM_MEMORY.flinkSize) - rest;
    if (network < 0) throw new Error('the configured TaskManager memory parts exceed the total Flink memory');
    inRange('network memory', network, networkRange(config));
    return { ...parts, network };
  }
  return { ...parts, network: withInverseFraction(rest, networkRange(config)) };
}

/** Metaspace and overhead around a known total Flink memory. */
function aroundFlinkMemory(config: Config, totalFlink: number): { metaspace: number; overhead: number } {
  const metaspace = memoryOption(config, TM_MEMORY.metaspace);
  if (has(config, TM_MEMORY.processSize)) {
    const overhead = memoryOption(config, TM_MEMORY.processSize) - totalFlink - metaspace;
    inRange('JVM overhead', overhead, overheadRange(config));
    return { metaspace, overhead };
  }
  return { metaspace, overhead: withInverseFraction(totalFlink + metaspace, overheadRange(config)) };
}

/**
 * The memory a TaskManager runs with under `config` (its effective Flink configuration). Throws
 * when the options are missing or contradict each other, as Flink would refuse to start.
 */
export function deriveTaskManagerMemory(config: Config): TaskManagerMemory {
  if (has(config, TM_MEMORY.taskHeap) && has(config, TM_MEMORY.managedSize)) {
    const parts = fromFineGrained(config);
    return {
      ...parts,
      ...aroundFlinkMemory(config, totalFlinkMemory({ ...parts, metaspace: 0, overhead: 0 })),
    };
  }
  if (has(config, TM_MEMORY.flinkSize)) {
    const totalFlink = memoryOption(config, TM_MEMORY.flinkSize);
    return { ...fromTotalFlink(config, totalFlink), ...aroundFlinkMemory(config, totalFlink) };
  }
  if (has(config, TM_MEMORY.processSize)) {
    const process = memoryOption(config, TM_MEMORY.processSize);
    const metaspace = memoryOption(config, TM_MEMORY.metaspace);
    const overhead = withFraction(process, overheadRange(config));
    const totalFlink = process - metaspace - overhead;
    if (totalFlink < 0) throw new Error('JVM metaspace and overhead exceed the TaskManager process memory');
    return { ...fromTotalFlink(config, totalFlink), metaspace, overhead };
  }
  throw new Error(
    `TaskManager memory is not configured: set ${TM_MEMORY.processSize}, ${TM_MEMORY.flinkSize}, or ${TM_MEMORY.taskHeap} and ${TM_MEMORY.managedSize}`,
  );
}
