/**
 * Values a resource sets for the operator's own typed options (`kubernetes.operator.*` and the
 * Flink keys the operator reads) must parse as the operator parses them: otherwise every reconcile
 * would fail on them, retried forever without a word in the resource's status.
 */
import { ErrorList, type ValidationError } from './errors.ts';
import { flattenConfig } from './flink-config.ts';

/** An option as far as validation needs it (the runtime's ConfigOption is one). */
export interface ParsableOption {
  readonly key: string;
  readonly deprecatedKeys: readonly string[];
  parse(text: string): unknown;
}

export function checkOperatorOptions(
  errors: ErrorList,
  flinkConfiguration: unknown,
  options: readonly ParsableOption[] | undefined,
  path = 'spec.flinkConfiguration',
): void {
  if (!options || options.length === 0) return;
  const byKey = new Map<string, ParsableOption>();
  for (const option of options)
    for (const key of [option.key, ...option.deprecatedKeys]) byKey.set(key, option);
  for (const [key, value] of flattenConfig(flinkConfiguration)) {
    const option = byKey.get(key);
    if (!option) continue;
    try {
      option.parse(value);
    } catch (err) {
      errors.add(
        `${path}.${key}`,
        `Invalid value for ${key}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}

/** The problems `checkOperatorOptions` reports, alone: whether a layer of configuration can be read. */
export function operatorOptionErrors(
  flinkConfiguration: unknown,
  options: readonly ParsableOption[],
): ValidationError[] {
  const errors = new ErrorList();
  checkOperatorOptions(errors, flinkConfiguration, options);
  return errors.errors;
}
