/** The metadata keys that tie a scheduled run to its template and its tick. */

/** The annotation form of a schedule: its value is a cron expression. */
export const CRON_ANNOTATION = 'job.execute.cron';

/** Label on every run: the template's name (shortened when it is no valid label value). */
export const SCHEDULE_LABEL = 'flink-operator.dev/schedule';

/** Label on every run: its scheduled time in UTC, compact (`20260329T020000Z`), for selectors. */
export const SCHEDULED_TIME_LABEL = 'flink-operator.dev/scheduled-time';

/**
 * Annotation on every run: its exact scheduled time (RFC 3339, in the schedule's time zone). A run
 * carrying tick T is the proof that T was handled; no second run is ever created for it.
 */
export const SCHEDULED_TIME_ANNOTATION = 'flink-operator.dev/scheduled-time';

/** Never copied from a template onto its runs: it describes how the template was applied. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
