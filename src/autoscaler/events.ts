/**
 * The autoscaler decides every reconcile, so the same finding comes up again and again: an event
 * with the same reason and key is recorded at most once per `scaling.event.interval`. Pure.
 */
import type { AutoscalerEvent } from './types.ts';

/**
 * The events to record now, and the record times to keep (entries older than the interval are
 * dropped, so the ConfigMap does not grow).
 */
export function dueEvents(
  events: AutoscalerEvent[],
  recorded: Readonly<Record<string, number>>,
  now: number,
  intervalMs: number,
): { due: AutoscalerEvent[]; recorded: Record<string, number> } {
  const times = Object.fromEntries(Object.entries(recorded).filter(([, time]) => time > now - intervalMs));
  const due: AutoscalerEvent[] = [];
  for (const e of events) {
    const id = `${e.reason}|${e.key}`;
    if (times[id] !== undefined) continue;
    times[id] = now;
    due.push(e);
  }
  return { due, recorded: times };
}
