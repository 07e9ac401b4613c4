/**
 * Duration strings as Flink configuration accepts them: a number followed by an optional unit
 * ("5 s", "1 min", "60s", "500", "2 h", "5 MINUTE"; no unit means milliseconds), and ISO-8601
 * durations ("PT1M", "PT0.5S", "P1D") as written by Java's Duration.toString().
 */
const UNIT_MS: ReadonlyArray<[readonly string[], number]> = [
  [['d', 'day', 'days'], 86_400_000],
  [['h', 'hour', 'hours'], 3_600_000],
  [['min', 'm', 'minute', 'minutes'], 60_000],
  [['s', 'sec', 'secs', 'second', 'seconds'], 1000],
  [['ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1],
  [['µs', 'us', 'micro', 'micros', 'microsecond', 'microseconds'], 0.001],
  [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 0.000001],
];

const ISO = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Milliseconds in `text`; throws a message naming the text when it is not a duration. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  const iso = ISO.exec(trimmed);
  if (iso && trimmed.length > 1 && trimmed.toUpperCase() !== 'PT') {
    const [, d, h, m, s] = iso;
    return Math.round(
      Number(d ?? 0) * 86_400_000 +
        Number(h ?? 0) * 3_600_000 +
        Number(m ?? 0) * 60_000 +
        Number(s ?? 0) * 1000,
    );
  }
  const match = /^(\d+)\s*([a-zµ]*)$/i.exec(trimmed);
  if (!match) throw new Error(`"${text}" is not a duration (examples: "5 s", "1 min", "PT1M")`);
  const amount = Number(match[1]);
  const unit = (match[2] ?? '').toLowerCase();
  if (unit === '') return amount;
  const factor = UNIT_MS.find(([labels]) => labels.includes(unit))?.[1];
  if (factor === undefined) throw new Error(`"${text}" has an unknown time unit "${match[2]}"`);
  return Math.round(amount * factor);
}

/** A short human form for logs, e.g. 90000 → "1m30s". */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
