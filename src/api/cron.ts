/**
 * Cron expressions as `spec.schedule.cron` and the `job.execute.cron` annotation accept them:
 * Quartz style with seconds (6 or 7 fields, `?`, `L`, `W`, `#`, `0/5` steps, 1 = Sunday), classic
 * 5-field, and the @hourly/@daily/@weekly/@monthly/@yearly nicknames. croner does the parsing.
 */
import { Cron } from 'croner';

export const DEFAULT_TIME_ZONE = 'UTC';

export type CronParseResult = { ok: true; cron: Cron } | { ok: false; error: string };

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === '' || zone === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isQuartzStyle(expression: string): boolean {
  return expression.trim().split(/\s+/).length >= 6;
}

/** A croner instance that computes run times (it starts no timer), or why the expression is unusable. */
export function parseCron(expression: string, timeZone: string = DEFAULT_TIME_ZONE): CronParseResult {
  if (!isValidTimeZone(timeZone)) return { ok: false, error: `Unknown time zone '${timeZone}'` };
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), {
      timezone: timeZone,
      alternativeWeekdays: isQuartzStyle(expression),
      sloppyRanges: true,
    });
  } catch (err) {
    return { ok: false, error: `Invalid cron expression '${expression}': ${errorText(err)}` };
  }
  if (cron.nextRun() === null) return { ok: false, error: `Cron expression '${expression}' never fires` };
  return { ok: true, cron };
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^CronPattern: /, '');
}
