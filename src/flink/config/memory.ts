/**
 * Memory and CPU amounts as the resource sections and Flink options write them: Flink memory
 * sizes ("2048m", "1 gb"), Kubernetes quantities ("2Gi", "500m", "1e3").
 */
import {
  FLINK_MEMORY_UNITS,
  parseFlinkMemorySize,
  parseMemory,
  parseQuantity as parseKubernetesQuantity,
} from '../../api/validation/quantity.ts';

export { parseFlinkMemorySize };

/** The number a Kubernetes quantity stands for (cores for cpu, bytes for memory). */
export function parseQuantity(value: string | number): number {
  const parsed = parseKubernetesQuantity(value);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/**
 * Bytes of a JobManager/TaskManager memory value: a Flink size first (so "2048m" is 2048 MiB),
 * else a Kubernetes quantity written in any case, with an optional trailing "b" ("2Gi", "2GB").
 */
export function parseResourceMemory(value: string | number): number {
  const parsed = parseMemory(value);
  if (!parsed.ok) throw new Error(parsed.error);
  return Math.floor(parsed.value);
}

/** A byte count the way Flink prints a memory size: the largest exact unit ("2 gb", "1536 mb", "0 bytes"). */
export function formatMemorySize(bytes: number): string {
  if (bytes === 0) return '0 bytes';
  let chosen: readonly [number, readonly string[]] = FLINK_MEMORY_UNITS[0]!;
  for (const unit of FLINK_MEMORY_UNITS) {
    if (bytes % unit[0] === 0) chosen = unit;
    else break;
  }
  return `${bytes / chosen[0]} ${chosen[1][1]}`;
}

/** A number the way Java prints a double ("1.0", "0.5"), which Flink writes for cpu options. */
export function formatDouble(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

const MiB = 2 ** 20;
const JVM_OVERHEAD = { fraction: 0.1, min: 192 * MiB, max: 1024 * MiB } as const;
const METASPACE_DEFAULT = { jobmanager: 256 * MiB, taskmanager: 256 * MiB } as const;

export type ProcessRole = 'jobmanager' | 'taskmanager';

/**
 * The total process memory in MiB Flink sizes the container with: `<role>.memory.process.size`,
 * else `<role>.memory.flink.size` plus metaspace and JVM overhead as Flink derives them. Other
 * memory layouts (heap sizes only) are not derived here and raise an error naming the keys.
 */
export function processMemoryMiB(config: Readonly<Record<string, string>>, role: ProcessRole): number {
  const processSize = config[`${role}.memory.process.size`];
  if (processSize !== undefined) return Math.floor(parseResourceMemory(processSize) / MiB);
  const flinkSize = config[`${role}.memory.flink.size`];
  if (flinkSize === undefined) {
    throw new Error(
      `${role} memory is not configured: set ${role}.memory.process.size (or the resource memory of the ${role === 'jobmanager' ? 'jobManager' : 'taskManager'})`,
    );
  }
  const metaspaceText = config[`${role}.memory.jvm-metaspace.size`];
  const metaspace = metaspaceText ? parseResourceMemory(metaspaceText) : METASPACE_DEFAULT[role];
  const beforeOverhead = parseResourceMemory(flinkSize) + metaspace;
  const overheadFromFraction = (beforeOverhead / (1 - JVM_OVERHEAD.fraction)) * JVM_OVERHEAD.fraction;
  const overhead = Math.min(JVM_OVERHEAD.max, Math.max(JVM_OVERHEAD.min, overheadFromFraction));
  return Math.floor((beforeOverhead + overhead) / MiB);
}
