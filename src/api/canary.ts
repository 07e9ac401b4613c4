/** A resource with this label set to "true" is a canary: the operator's health probe, never a Flink job. */
export const CANARY_LABEL = 'flink.apache.org/canary';

export function isCanaryResource(obj: { metadata?: { labels?: Record<string, string> } }): boolean {
  return obj.metadata?.labels?.[CANARY_LABEL]?.toLowerCase() === 'true';
}
