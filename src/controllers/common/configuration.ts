/** Flink configuration in a spec may nest maps; Flink reads them as dotted keys with string values. */
export function flattenConfiguration(config: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        visit(prefix ? `${prefix}.${k}` : k, v);
    } else if (Array.isArray(value)) {
      out[prefix] = value.map(String).join(';');
    } else if (value !== undefined && value !== null) {
      out[prefix] = String(value);
    }
  };
  visit('', config ?? {});
  return out;
}
