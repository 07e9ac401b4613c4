/**
 * Sizes as users write them in resources: Kubernetes quantities ("500m", "2Gi", "1e3") and Flink
 * memory sizes ("2048m", "1 gb", "512 mebibytes"), which a JobManager or TaskManager memory value
 * may use too.
 */

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
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

export type Parsed = { ok: true; value: number } | { ok: false; error: string };

/** A Kubernetes quantity as a number (cpu in cores, memory in bytes). */
export function parseQuantity(input: unknown): Parsed {
  if (typeof input === 'number') return Number.isFinite(input) ? { ok: true, value: input } : invalid(input);
  if (typeof input !== 'string') return invalid(input);
  const match = QUANTITY.exec(input.trim());
  if (!match) return invalid(input);
  const [, number, suffix = ''] = match;
  const factor =
    suffix.startsWith('e') || suffix.startsWith('E')
      ? 10 ** Number(suffix.slice(1))
      : QUANTITY_FACTORS[suffix];
  const value = Number(number) * (factor ?? 1);
  // "1e400" matches the grammar but is no size anyone can allocate.
  return Number.isFinite(value) ? { ok: true, value } : invalid(input);
}

function invalid(input: unknown): Parsed {
  return { ok: false, error: `'${String(input)}' is not a valid quantity` };
}

/** Flink's memory units: bytes per unit and the names it accepts (the second is how Flink prints it). */
export const FLINK_MEMORY_UNITS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [1, ['b', 'bytes']],
  [2 ** 10, ['k', 'kb', 'kibibytes']],
  [2 ** 20, ['m', 'mb', 'mebibytes']],
  [2 ** 30, ['g', 'gb', 'gibibytes']],
  [2 ** 40, ['t', 'tb', 'tebibytes']],
];

/** Bytes of a Flink memory size ("2048m", "1 gb", "1024"), or undefined if it is not one. */
export function parseFlinkMemorySize(text: string): number | undefined {
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!match) return undefined;
  const [, digits = '', unit = ''] = match;
  const lower = unit.toLowerCase();
  const factor = lower === '' ? 1 : FLINK_MEMORY_UNITS.find(([, names]) => names.includes(lower))?.[0];
  return factor === undefined ? undefined : Number(digits) * factor;
}

/**
 * A memory size in bytes: first as Flink reads sizes, then as a Kubernetes quantity with the unit
 * written in any case and an optional trailing "b" ("2GB", "2gi").
 */
export function parseMemory(input: unknown): Parsed {
  if (typeof input === 'number') return parseQuantity(input);
  if (typeof input !== 'string' || input.trim() === '') {
    return { ok: false, error: `'${String(input)}' is not a memory size` };
  }
  const flink = parseFlinkMemorySize(input);
  if (flink !== undefined) return { ok: true, value: flink };
  let normalized = input.replace(/\s/g, '').toUpperCase();
  if (normalized.endsWith('B')) normalized = normalized.slice(0, -1);
  if (normalized.endsWith('I')) normalized = `${normalized.slice(0, -1)}i`;
  normalized = normalized.replace(/K(i?)$/, (_, i: string) => (i ? 'Ki' : 'k'));
  const quantity = parseQuantity(normalized);
  return quantity.ok ? quantity : { ok: false, error: `'${input}' is not a memory size` };
}
