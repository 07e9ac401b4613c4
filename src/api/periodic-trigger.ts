/**
 * When periodic snapshots are due, from `kubernetes.operator.periodic.{savepoint,checkpoint}.interval`:
 * a duration (`1h`) counts from the last periodic snapshot, a Quartz cron expression (6 or 7
 * fields, in UTC) fires at its first time after it. Either way the snapshot is taken by the first
 * reconcile at or after that time.
 */
import { parseDurationMs } from '../runtime/config/duration.ts';
import { parseCron } from './cron.ts';

/** A parsed periodic snapshot setting. */
export interface PeriodicTrigger {
  /** The setting as written, for logs and messages. */
  readonly expression: string;
  /** When the next periodic snapshot is due, given the time of the last one (ms since epoch). */
  nextAfter(lastMs: number): number | undefined;
}

export type PeriodicTriggerSetting = { trigger?: PeriodicTrigger; error?: string };

/** The periodic trigger a setting describes; empty or a zero duration turns it off. */
export function periodicTrigger(text: string | undefined): PeriodicTriggerSetting {
  const expression = text?.trim() ?? '';
  if (expression === '') return {};
  let intervalMs: number | undefined;
  try {
    intervalMs = parseDurationMs(expression);
  } catch {
    intervalMs = undefined;
  }
  if (intervalMs !== undefined) {
    return intervalMs > 0 ? { trigger: { expression, nextAfter: (last) => last + intervalMs } } : {};
  }
  const fields = expression.split(/\s+/).length;
  if (fields !== 6 && fields !== 7) {
    return {
      error: `'${expression}' is neither a duration (such as 1h) nor a Quartz cron expression (6 or 7 fields)`,
    };
  }
  const cron = parseCron(expression);
  if (!cron.ok) return { error: cron.error };
  const schedule = cron.cron;
  return {
    trigger: { expression, nextAfter: (last) => schedule.nextRun(new Date(last))?.getTime() },
  };
}
