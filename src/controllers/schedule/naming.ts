/**
 * Names of scheduled runs: `{template}-{MMddHHmm}` in the schedule's time zone, with seconds for
 * sub-minute schedules or when the minute name is taken. A run is a FlinkDeployment, so its name
 * must be a cluster id Flink accepts (see `src/api/validation/names.ts`); longer or unusable
 * template names are shortened with a hash of the full name, which keeps them stable and distinct.
 */
import { createHash } from 'node:crypto';
import { isValidClusterName } from '../../api/validation/names.ts';
import { zonedParts } from './time.ts';

/** The longest FlinkDeployment name Flink accepts as a cluster id. */
export const MAX_RUN_NAME_LENGTH = 45;
const MAX_LABEL_VALUE_LENGTH = 63;
const LABEL_VALUE_PATTERN = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** True when ticks of the expression can fall less than a minute apart (a seconds field other than one number). */
export function isSubMinute(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return fields.length >= 6 && !/^\d{1,2}$/.test(fields[0] ?? '');
}

/** `{base}-{suffix}` when that is a valid name, else a shortened stem plus a hash of `base`. */
export function nameWithSuffix(base: string, suffix: string): string {
  const plain = `${base}-${suffix}`;
  if (isValidClusterName(plain)) return plain;
  const hash = shortHash(base, 6);
  const room = MAX_RUN_NAME_LENGTH - suffix.length - hash.length - 2;
  const stem = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, Math.max(room, 0))
    .replace(/-+$/, '');
  return `${stem || 'run'}-${hash}-${suffix}`;
}

/**
 * The names a run for `scheduled` may take, in order of preference: minute, seconds, seconds plus
 * a hash of the instant (two instants can share a wall-clock second when clocks fall back).
 */
export function runNameCandidates(
  template: string,
  scheduled: Date,
  timeZone: string,
  subMinute: boolean,
): string[] {
  const p = zonedParts(scheduled, timeZone);
  const minute = `${p.month}${p.day}${p.hour}${p.minute}`;
  const second = `${minute}${p.second}`;
  const instant = `${second}-${shortHash(scheduled.toISOString(), 4)}`;
  const suffixes = subMinute ? [second, instant] : [minute, second, instant];
  return suffixes.map((suffix) => nameWithSuffix(template, suffix));
}

/** The template name as a label value (shortened with a hash when it is too long or unusable). */
export function labelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE_LENGTH && LABEL_VALUE_PATTERN.test(name)) return name;
  const hash = shortHash(name, 6);
  const stem = name
    .slice(0, MAX_LABEL_VALUE_LENGTH - hash.length - 1)
    .replace(/[^A-Za-z0-9]+$/, '')
    .replace(/^[^A-Za-z0-9]+/, '');
  return stem ? `${stem}-${hash}` : hash;
}
