/**
 * Memory and CPU amounts as the resource sections and Flink options write them: Flink memory
 * sizes ("2048m", "1 gb"), Kubernetes quantities ("2Gi", "500m", "1e3").
 */

const FLINK_UNITS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [1, ['b', 'bytes']],
  [2 ** 10, ['k', 'kb', 'kibibytes']],
  [2 ** 20, ['m', 'mb', 'mebibytes']],
  [2 ** 30, ['g', 'gb', 'gibibytes']],
  [2 ** 40, ['t', 'tb', 'tebibytes']],
];

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const QUANTITY_FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Bytes of a Flink memory size ("2048m", "1 gb", "1024"), or undefined if it is not one. */
export function parseFlinkMemorySize(text: string): number | undefined {
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : FLINK_UNITS.find(([, names]) => names.includes(unit))?.[0];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** The number a Kubernetes quantity stands for (cores for cpu, bytes for memory). */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = QUANTITY.exec(value.trim());
  if (!match) throw new Error(`'${value}' is not a valid quantity`);
  const suffix = match[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (QUANTITY_FACTORS[suffix] ?? 1);
  return Number(match[1]) * factor;
}

/**
 * Bytes of a JobManager/TaskManager memory value: a Flink size first (so "2048m" is 2048 MiB),
 * else a Kubernetes quantity written in any case, with an optional trailing "b" ("2Gi", "2GB").
 */
export function parseResourceMemory(value: string | number): number {
  if (typeof value === 'number') return Math.floor(value);
  const flink = parseFlinkMemorySize(value);
  if (flink !== undefined) return flink;
  let normalized = value.replace(/\s/g, '').toUpperCase();
  if (normalized.endsWith('B')) normalized = normalized.slice(0, -1);
  if (normalized.endsWith('I')) normalized = `${normalized.slice(0, -1)}i`;
  normalized = normalized.replace(/K(i?)$/, (_, i: string) => (i ? 'Ki' : 'k'));
  try {
    return Math.floor(parseQuantity(normalized));
  } catch {
    throw new Error(`'${value}' is not a memory size`);
  }
}

/** A byte count the way Flink prints a memory size: the largest exact unit ("2 gb", "1536 mb"). */
export function formatMemorySize(bytes: number): string {
  let chosen: readonly [number, readonly string[]] = FLINK_UNITS[0]!;
  for (const unit of FLINK_UNITS) {
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
