/** Which tick of a schedule is due, computed from what was handled before: never from memory. */
import type { Cron } from 'croner';

export interface DueTick {
  /** The most recent tick in (handled, now], if any: the only one that may still start a run. */
  tick?: Date;
  /** Ticks in (max(handled, now - deadline), now], counted up to `maxMissed + 1`. */
  missed: number;
  /** More than `maxMissed` ticks were missed: the clock jumped, or the operator was down long. */
  tooMany: boolean;
}

export function dueTick(
  cron: Cron,
  handledMs: number,
  now: Date,
  maxMissed: number,
  deadlineMs?: number,
): DueTick {
  const latest = cron.previousRuns(1, new Date(now.getTime() + 1))[0];
  if (!latest || latest.getTime() <= handledMs) return { missed: 0, tooMany: false };
  const from = deadlineMs === undefined ? handledMs : Math.max(handledMs, now.getTime() - deadlineMs);
  const missed = cron
    .nextRuns(maxMissed + 1, new Date(from))
    .filter((t) => t.getTime() <= now.getTime()).length;
  return { tick: latest, missed, tooMany: missed > maxMissed };
}

/** The first tick strictly after `now`, or undefined when the schedule never fires again. */
export function nextTick(cron: Cron, now: Date): Date | undefined {
  return cron.nextRun(now) ?? undefined;
}
