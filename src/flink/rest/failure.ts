import type { SerializedThrowable } from './types.ts';

/**
 * A readable line for a failure Flink reports in an asynchronous operation's answer: the first line
 * of the serialised stack trace ("org...CheckpointException: <message>"), else the class.
 */
export function failureText(cause: SerializedThrowable | undefined): string {
  if (!cause) return 'no cause given';
  const firstLine = cause['stack-trace']?.split('\n')[0]?.trim();
  return firstLine || cause.class || 'unknown cause';
}
